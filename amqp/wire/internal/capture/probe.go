package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/message"
)

// runProbe opens a connection by hand with package wire, then sends what a
// well-behaved client never does, to record the broker's answer: an unknown
// method or a truncated basic.publish.
func runProbe(addr string, unknown bool) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	h := wire.AMQP091.Header()
	if _, err := conn.Write(h[:]); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	fr := wire.NewFrameReader(conn)
	send := func(channel uint16, m wire.Method) error {
		b, err := wire.AMQP091.AppendMethodFrame(nil, channel, m)
		if err != nil {
			return err
		}
		_, err = conn.Write(b)
		return err
	}
	expect := func(want string) (wire.Method, error) {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return nil, fmt.Errorf("waiting for %s: %w", want, err)
			}
			if f.Type != wire.FrameMethod {
				continue
			}
			m, err := wire.AMQP091.DecodeMethod(f.Payload)
			if err != nil {
				return nil, err
			}
			if m.MethodName() != want {
				return m, fmt.Errorf("got %s (%+v), want %s", m.MethodName(), m, want)
			}
			return m, nil
		}
	}
	if _, err := expect("connection.start"); err != nil {
		return err
	}
	if err := send(0, &wire.ConnectionStartOK{
		ClientProperties: message.Table{"product": "junction-wire-probe"},
		Mechanism:        "PLAIN", Response: []byte("\x00guest\x00guest"), Locale: "en_US",
	}); err != nil {
		return err
	}
	m, err := expect("connection.tune")
	if err != nil {
		return err
	}
	tune := m.(*wire.ConnectionTune)
	if err := send(0, &wire.ConnectionTuneOK{ChannelMax: tune.ChannelMax, FrameMax: tune.FrameMax}); err != nil {
		return err
	}
	if err := send(0, &wire.ConnectionOpen{VirtualHost: "/"}); err != nil {
		return err
	}
	if _, err := expect("connection.open-ok"); err != nil {
		return err
	}
	if err := send(1, &wire.ChannelOpen{}); err != nil {
		return err
	}
	if _, err := expect("channel.open-ok"); err != nil {
		return err
	}
	var frame []byte
	if unknown {
		// Method 999 of the basic class does not exist.
		frame = []byte{wire.FrameMethod, 0, 1, 0, 0, 0, 4, 0, 60, 0x03, 0xE7, wire.FrameEnd}
	} else {
		// basic.publish whose exchange name claims 5 bytes but has 1.
		frame = []byte{wire.FrameMethod, 0, 1, 0, 0, 0, 8, 0, 60, 0, 40, 0, 0, 5, 'a', wire.FrameEnd}
	}
	if _, err := conn.Write(frame); err != nil {
		return err
	}
	reply, err := expectAny(fr, conn)
	if errors.Is(err, io.EOF) {
		fmt.Println("probe: the broker dropped the connection without a close method")
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Printf("probe: answered with %s %+v\n", reply.MethodName(), reply)
	switch reply.(type) {
	case *wire.ChannelClose:
		_ = send(1, &wire.ChannelCloseOK{})
		_ = send(0, &wire.ConnectionClose{ReplyCode: wire.ReplySuccess})
	case *wire.ConnectionClose:
		_ = send(0, &wire.ConnectionCloseOK{})
	}
	// Drain until the broker closes the socket.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := fr.ReadFrame(); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) {
				return nil
			}
			return err
		}
	}
}

// expectAny returns the next method frame, whatever it is, or a note that
// the broker just closed the socket.
func expectAny(fr *wire.FrameReader, conn net.Conn) (wire.Method, error) {
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return nil, fmt.Errorf("waiting for the broker's answer: %w", err)
		}
		if f.Type == wire.FrameMethod {
			return wire.AMQP091.DecodeMethod(f.Payload)
		}
	}
}
