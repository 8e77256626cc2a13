// Command gen writes the generated files of package amqp/wire from the AMQP
// XML specifications. Run it through `go generate ./amqp/wire`.
//
// Flags: -spec DIR (default $JUNCTION_AMQP_SPECS or /usr/share/amqp/specs,
// the directory Debian's amqp-specs package installs) and -out DIR (default
// the current directory, which go generate sets to amqp/wire).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/junctionmq/junction/amqp/spec"
)

func main() {
	dir := flag.String("spec", spec.Dir(), "directory holding the AMQP spec XML (0-9-1-rabbit/, 0-9-qpid/, 0-8-qpid/)")
	out := flag.String("out", ".", "directory to write the generated Go files into")
	flag.Parse()
	files, err := spec.Generate(*dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "amqp/spec/gen: %v\n(run scripts/deps.sh to install Debian's amqp-specs)\n", err)
		os.Exit(1)
	}
	if err := spec.WriteDir(files, *out); err != nil {
		fmt.Fprintf(os.Stderr, "amqp/spec/gen: %v\n", err)
		os.Exit(1)
	}
}
