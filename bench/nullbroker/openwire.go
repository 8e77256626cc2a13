package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/junctionmq/junction/openwire/wire"
)

// owConn is one OpenWire connection, owned by the goroutine running
// serveOpenWire.
type owConn struct {
	br    *bufio.Reader
	out   *output
	codec *wire.Codec
	// windowed holds the producers that announced a send window: their
	// asynchronous sends are answered with ProducerAck, or they would
	// stall once the window is used up.
	windowed map[wire.ProducerId]struct{}
	done     chan struct{} // closed when the connection ends
}

// serveOpenWire runs one OpenWire connection until the client leaves. Its
// error is nil when the client shut the connection down or hung up.
func serveOpenWire(rw io.ReadWriter) error {
	c := &owConn{
		br:       bufio.NewReaderSize(rw, readBufferSize),
		out:      newOutput(rw),
		codec:    wire.NewCodec(wire.DefaultPreferences()),
		windowed: map[wire.ProducerId]struct{}{},
		done:     make(chan struct{}),
	}
	defer close(c.done)
	err := c.run()
	if errors.Is(err, errPeerClosed) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// run negotiates as Junction does — our WireFormatInfo first (Junction's
// defaults: version 12, tight encoding, cache, 30 s inactivity), the
// client's, then a BrokerInfo — and then answers commands.
func (c *owConn) run() error {
	if err := c.send(c.codec.Local()); err != nil {
		return err
	}
	if err := c.out.flush(); err != nil {
		return err
	}
	cmd, err := c.codec.ReadCommand(c.br)
	if err != nil {
		return fmt.Errorf("read the client's WireFormatInfo: %w", err)
	}
	wfi, ok := cmd.(*wire.WireFormatInfo)
	if !ok {
		return fmt.Errorf("first command is %s, not WireFormatInfo", wire.TypeName(cmd.DataStructureType()))
	}
	format, err := c.codec.ApplyPeer(wfi)
	if err != nil {
		return fmt.Errorf("negotiate wire format: %w", err)
	}
	if format.MaxInactivityDuration > 0 {
		// The client drops a broker silent for the whole duration, and a
		// producer of asynchronous sends gets no answers: keep it
		// reassured, a third of the way, as Junction does. A KeepAliveInfo
		// touches no marshal cache, so one encoding serves every time.
		ka, err := c.codec.AppendCommand(nil, &wire.KeepAliveInfo{})
		if err != nil {
			return fmt.Errorf("encode KeepAliveInfo: %w", err)
		}
		go c.out.keepAlives(format.MaxInactivityDuration/3, ka, c.done)
	}
	// Junction sends BrokerInfo; XA clients wait for it.
	info := &wire.BrokerInfo{
		BrokerId:   &wire.BrokerId{Value: "ID:nullbroker"},
		BrokerURL:  wire.Str("tcp://nullbroker"),
		BrokerName: wire.Str("nullbroker"),
	}
	if err := c.send(info); err != nil {
		return err
	}
	if err := c.out.flush(); err != nil {
		return err
	}
	for {
		cmd, err := c.codec.ReadCommand(c.br)
		if err != nil {
			return fmt.Errorf("read command: %w", err)
		}
		if err := c.handle(cmd); err != nil {
			_ = c.out.flush()
			return err
		}
		if c.br.Buffered() == 0 {
			err = c.out.flush()
		} else {
			err = c.out.flushIfFull()
		}
		if err != nil {
			return err
		}
	}
}

// handle answers one command. Only what a client waits for gets an
// answer; nothing is kept except which producers need ProducerAcks.
func (c *owConn) handle(cmd wire.Command) error {
	switch m := cmd.(type) {
	case wire.MessageCommand:
		if !m.IsResponseRequired() && len(c.windowed) > 0 {
			return c.producerAck(m.GetMessage())
		}
	case *wire.KeepAliveInfo:
		if m.ResponseRequired {
			return c.send(&wire.KeepAliveInfo{})
		}
		return nil
	case *wire.ShutdownInfo:
		return errPeerClosed
	case *wire.ProducerInfo:
		if m.WindowSize > 0 && m.ProducerId != nil {
			c.windowed[*m.ProducerId] = struct{}{}
		}
	case *wire.RemoveInfo:
		if id, ok := m.ObjectId.(*wire.ProducerId); ok && id != nil {
			delete(c.windowed, *id)
		}
	case *wire.TransactionInfo:
		if m.ResponseRequired {
			switch m.Type {
			case wire.TxPrepare:
				return c.send(&wire.IntegerResponse{Response: wire.Response{CorrelationId: m.CommandId}, Result: wire.XAOK})
			case wire.TxRecover:
				return c.send(&wire.DataArrayResponse{Response: wire.Response{CorrelationId: m.CommandId}})
			}
		}
	}
	if cmd.IsResponseRequired() {
		return c.send(&wire.Response{CorrelationId: cmd.GetCommandId()})
	}
	return nil
}

// producerAck returns an asynchronous send's room in its producer's
// window, with the size estimate Junction (and ActiveMQ) use.
func (c *owConn) producerAck(m *wire.Message) error {
	if m == nil || m.ProducerId == nil {
		return nil
	}
	if _, ok := c.windowed[*m.ProducerId]; !ok {
		return nil
	}
	return c.send(&wire.ProducerAck{ProducerId: m.ProducerId, Size: int32(1024 + len(m.Content) + len(m.MarshalledProperties))})
}

// send appends cmd to the output.
func (c *owConn) send(cmd wire.Command) error {
	b, err := c.codec.AppendCommand(c.out.buf, cmd)
	if err != nil {
		return fmt.Errorf("encode %s: %w", wire.TypeName(cmd.DataStructureType()), err)
	}
	c.out.buf = b
	return nil
}
