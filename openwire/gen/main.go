// Command gen writes the generated half of package openwire/wire from the
// declarative command table in table.go: the Go structs of every OpenWire
// data structure, their version-gated marshal and unmarshal methods (one
// method pair serves tight and loose encoding, as the encoder and decoder
// switch on the negotiated format), the type registry, and a test helper
// that fills every structure with random values for a protocol version.
//
// Usage (from openwire/wire, via go generate):
//
//	go run ../gen -out .
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", ".", "directory of package wire to write the generated files into")
	flag.Parse()
	files, err := generate(table)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(*out, name), src, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}
