// Command capture records real AMQP 0-9-1 conversations for the wire
// package's tests and fuzz corpora. It runs a client scenario through a
// recording TCP proxy in front of a real broker and writes each direction's
// bytes to <out>/<scenario>.c2s.bin and <out>/<scenario>.s2c.bin.
//
// Scenarios: amqp091-go (github.com/rabbitmq/amqp091-go exercising most of
// the protocol), pika (Debian's python3-pika running pika_scenario.py), and
// probe-unknown / probe-malformed (a raw client built on package wire that
// sends an unknown method or a truncated one, to record how the broker
// answers). See README.md in testdata/capture for how the committed
// captures were made.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

func main() {
	broker := flag.String("broker", "127.0.0.1:25672", "address of the broker to record")
	out := flag.String("out", "amqp/wire/testdata/capture", "directory for the .bin files")
	script := flag.String("pika-script", "amqp/wire/internal/capture/pika_scenario.py", "pika scenario script")
	flag.Parse()
	scenarios := flag.Args()
	if len(scenarios) == 0 {
		scenarios = []string{"amqp091-go", "pika", "probe-unknown", "probe-malformed"}
	}
	for _, name := range scenarios {
		var run func(addr string) error
		switch name {
		case "amqp091-go":
			run = runAmqp091
		case "pika":
			run = func(addr string) error { return runPika(*script, addr) }
		case "probe-unknown":
			run = func(addr string) error { return runProbe(addr, true) }
		case "probe-malformed":
			run = func(addr string) error { return runProbe(addr, false) }
		default:
			log.Fatalf("unknown scenario %q", name)
		}
		if err := record(*broker, *out, name, run); err != nil {
			log.Fatalf("scenario %s: %v", name, err)
		}
		log.Printf("scenario %s recorded", name)
	}
}

// record starts a one-connection proxy to broker, runs the scenario against
// it and writes both directions once the connection has ended.
func record(broker, out, name string, run func(addr string) error) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	var c2s, s2c bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- proxyOne(ln, broker, &c2s, &s2c) }()
	runErr := run(ln.Addr().String())
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		err = fmt.Errorf("proxy did not finish")
	}
	if runErr != nil {
		return runErr
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, name+".c2s.bin"), c2s.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write capture: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, name+".s2c.bin"), s2c.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write capture: %w", err)
	}
	return nil
}

func proxyOne(ln net.Listener, broker string, c2s, s2c *bytes.Buffer) error {
	client, err := ln.Accept()
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	defer client.Close()
	server, err := net.Dial("tcp", broker)
	if err != nil {
		return fmt.Errorf("dial broker: %w", err)
	}
	defer server.Close()
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn, rec *bytes.Buffer) {
		defer wg.Done()
		_, _ = io.Copy(io.MultiWriter(dst, rec), src)
		// Pass the half-close on so the other side sees EOF too.
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}
	wg.Add(2)
	go pipe(server, client, c2s)
	go pipe(client, server, s2c)
	wg.Wait()
	return nil
}
