package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/junctionmq/junction/auth"
)

// runPasswd reads a password (one line of standard input, or --password)
// and prints its hash in the form config's password_hash and the
// management API's password_hash accept.
func runPasswd(args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("junction passwd", flag.ContinueOnError)
	pass := fs.String("password", "", "the password (default: read one line from standard input)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p := *pass
	if p == "" {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		p = strings.TrimRight(line, "\r\n")
	}
	if p == "" {
		return errors.New("passwd: empty password")
	}
	_, err := fmt.Fprintln(out, auth.HashPassword(p))
	return err
}
