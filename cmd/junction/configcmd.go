package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/junctionmq/junction/config"
)

// runConfig implements `junction config check FILE...`: each file is
// parsed and validated as the broker would load it, errors with their
// line numbers where the TOML parser gives one.
func runConfig(args []string, out io.Writer) error {
	if len(args) < 2 || args[0] != "check" {
		return errors.New("usage: junction config check FILE [FILE ...]")
	}
	failed := 0
	for _, path := range args[1:] {
		if _, err := config.Load(path); err != nil {
			fmt.Fprintf(out, "%v\n", err)
			failed++
			continue
		}
		fmt.Fprintf(out, "%s: ok\n", path)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d configuration files are invalid", failed, len(args)-1)
	}
	return nil
}
