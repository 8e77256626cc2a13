package main

import (
	"fmt"
	"os/exec"
)

func runPika(script, addr string) error {
	cmd := exec.Command("/usr/bin/python3", script, addr)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pika scenario: %w: %s", err, out)
	}
	return nil
}
