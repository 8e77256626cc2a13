// Command nullbroker is a measuring instrument, not a broker: it speaks
// just enough AMQP 0-9-1 and OpenWire for a load generator to run against
// it, answers every request at once and throws every message away. A
// client's rate against it is that client's ceiling on this machine — the
// most it could reach if the broker cost nothing — which tells client
// limits apart from broker limits in Junction's benchmarks.
//
//	nullbroker -amqp 127.0.0.1:5699 -openwire 127.0.0.1:61699
//
// Once listening it prints "READY amqp=ADDR openwire=ADDR" on stdout (an
// unused protocol shows "-"), so scripts may ask for port 0.
//
// It never delivers a message: consumers are accepted and stay idle.
// Publisher confirms and synchronous sends are answered as soon as the
// message has been read. See README.md for how to use it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"syscall"
)

// readBufferSize is the per-connection read buffer: large enough that one
// read system call takes in many small messages.
const readBufferSize = 64 << 10

func main() {
	amqpAddr := flag.String("amqp", "", "AMQP 0-9-1 listen address, e.g. 127.0.0.1:5699 (empty: off)")
	owAddr := flag.String("openwire", "", "OpenWire listen address, e.g. 127.0.0.1:61699 (empty: off)")
	flag.Parse()
	if *amqpAddr == "" && *owAddr == "" {
		fmt.Fprintln(os.Stderr, "nullbroker: give -amqp ADDR, -openwire ADDR or both")
		os.Exit(2)
	}
	if os.Getenv("GOGC") == "" {
		// The live heap is tiny, so at the default GOGC the collector runs
		// dozens of times a second under a message flood (each decoded
		// OpenWire message is garbage at once): 800 halves the
		// instrument's CPU per OpenWire message (BenchmarkOpenWireSend1KiB).
		debug.SetGCPercent(800)
	}
	logger := log.New(os.Stderr, "nullbroker: ", log.LstdFlags)
	b, err := start(*amqpAddr, *owAddr, logger)
	if err != nil {
		logger.Fatal(err)
	}
	fmt.Printf("READY amqp=%s openwire=%s\n", addrOrDash(b.amqp), addrOrDash(b.openwire))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	b.close()
}

func addrOrDash(ln net.Listener) string {
	if ln == nil {
		return "-"
	}
	return ln.Addr().String()
}

// nullBroker holds the listeners; connections run until their clients
// leave or the process ends.
type nullBroker struct {
	amqp, openwire net.Listener
	log            *log.Logger
	wg             sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// start listens on the addresses that are not empty and accepts
// connections in the background.
func start(amqpAddr, owAddr string, logger *log.Logger) (*nullBroker, error) {
	b := &nullBroker{log: logger, conns: map[net.Conn]struct{}{}}
	var err error
	if amqpAddr != "" {
		if b.amqp, err = net.Listen("tcp", amqpAddr); err != nil {
			return nil, fmt.Errorf("listen for AMQP on %s: %w", amqpAddr, err)
		}
	}
	if owAddr != "" {
		if b.openwire, err = net.Listen("tcp", owAddr); err != nil {
			if b.amqp != nil {
				b.amqp.Close()
			}
			return nil, fmt.Errorf("listen for OpenWire on %s: %w", owAddr, err)
		}
	}
	if b.amqp != nil {
		b.wg.Add(1)
		go b.accept(b.amqp, "AMQP", serveAMQP)
	}
	if b.openwire != nil {
		b.wg.Add(1)
		go b.accept(b.openwire, "OpenWire", serveOpenWire)
	}
	return b, nil
}

func (b *nullBroker) accept(ln net.Listener, proto string, serve func(io.ReadWriter) error) {
	defer b.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				b.log.Printf("%s accept: %v", proto, err)
			}
			return
		}
		b.mu.Lock()
		b.conns[nc] = struct{}{}
		b.mu.Unlock()
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			// A connection closed by close() ends with net.ErrClosed: not
			// worth a line.
			if err := serve(nc); err != nil && !errors.Is(err, net.ErrClosed) {
				b.log.Printf("%s connection from %s: %v", proto, nc.RemoteAddr(), err)
			}
			nc.Close()
			b.mu.Lock()
			delete(b.conns, nc)
			b.mu.Unlock()
		}()
	}
}

// close stops listening, drops every connection and waits for their
// goroutines.
func (b *nullBroker) close() {
	for _, ln := range []net.Listener{b.amqp, b.openwire} {
		if ln != nil {
			ln.Close()
		}
	}
	b.mu.Lock()
	for nc := range b.conns {
		nc.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}
