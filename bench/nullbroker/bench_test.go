package main

import (
	"io"
	"testing"

	amqpwire "github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/openwire/wire"
)

// What the instrument itself costs per message, without sockets: a client
// stream (handshake, then blocks of messages, then goodbye) is replayed
// into the connection handler and the replies are dropped. This is CPU
// the null broker takes from the load generator on a shared machine.

// repeatReader yields prefix, block repeated n times, then suffix, in
// reads of at most readBufferSize bytes like a socket under load.
type repeatReader struct {
	prefix, block, suffix []byte
	n                     int
	cur                   []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		switch {
		case r.prefix != nil:
			r.cur, r.prefix = r.prefix, nil
		case r.n > 0:
			r.cur = r.block
			r.n--
		case r.suffix != nil:
			r.cur, r.suffix = r.suffix, nil
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

const benchBlock = 100 // messages per repeated block

func BenchmarkAMQPPublishConfirmed16B(b *testing.B) {
	// Handshake, channel 1 in confirm mode.
	var prefix []byte
	hdr := amqpwire.AMQP091.Header()
	prefix = append(prefix, hdr[:]...)
	for _, m := range []struct {
		ch uint16
		m  amqpwire.Method
	}{
		{0, &amqpwire.ConnectionStartOK{Mechanism: "PLAIN", Response: []byte("\x00guest\x00guest"), Locale: "en_US"}},
		{0, &amqpwire.ConnectionTuneOK{ChannelMax: 2047, FrameMax: amqpFrameMax}},
		{0, &amqpwire.ConnectionOpen{VirtualHost: "/"}},
		{1, &amqpwire.ChannelOpen{}},
		{1, &amqpwire.ConfirmSelect{}},
	} {
		prefix, _ = amqpwire.AMQP091.AppendMethodFrame(prefix, m.ch, m.m)
	}
	var block []byte
	body := make([]byte, 16)
	for i := 0; i < benchBlock; i++ {
		block, _ = amqpwire.AMQP091.AppendMethodFrame(block, 1, &amqpwire.BasicPublish{RoutingKey: "perf-q-0"})
		block = amqpwire.AppendContentHeaderFrame(block, 1, 60, uint64(len(body)), []byte{0, 0})
		block = amqpwire.AppendBodyFrames(block, 1, body, amqpFrameMax)
	}
	suffix, _ := amqpwire.AMQP091.AppendMethodFrame(nil, 0, &amqpwire.ConnectionClose{ReplyCode: 200})
	blocks := (b.N + benchBlock - 1) / benchBlock
	b.SetBytes(int64(len(block) / benchBlock))
	b.ReportAllocs()
	b.ResetTimer()
	if err := serveAMQP(replay{&repeatReader{prefix: prefix, block: block, suffix: suffix, n: blocks}}); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkOpenWireSend1KiB(b *testing.B) {
	for _, sync := range []bool{true, false} {
		name := "async"
		if sync {
			name = "sync"
		}
		b.Run(name, func(b *testing.B) {
			prefix, block, suffix, err := openWireStream(sync, 1024)
			if err != nil {
				b.Fatal(err)
			}
			blocks := (b.N + benchBlock - 1) / benchBlock
			b.SetBytes(int64(len(block) / benchBlock))
			b.ReportAllocs()
			b.ResetTimer()
			if err := serveOpenWire(replay{&repeatReader{prefix: prefix, block: block, suffix: suffix, n: blocks}}); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// openWireStream encodes, as the Java client would (tight, cached), a
// connection with one producer and its first message as prefix, then
// benchBlock further messages as a block that can be repeated: the
// producer and destination are by then cache references.
func openWireStream(sync bool, size int) (prefix, block, suffix []byte, err error) {
	codec := wire.NewCodec(wire.DefaultPreferences())
	if prefix, err = codec.AppendCommand(nil, codec.Local()); err != nil {
		return nil, nil, nil, err
	}
	if _, err = codec.ApplyPeer(wire.DefaultPreferences().WireFormatInfo()); err != nil {
		return nil, nil, nil, err
	}
	conn := &wire.ConnectionId{Value: "ID:bench-1"}
	prod := &wire.ProducerId{ConnectionId: conn.Value, SessionId: 1, Value: 1}
	dest := &wire.Destination{Kind: wire.Queue, PhysicalName: "perf.jms.bench"}
	content := make([]byte, size)
	msg := func(seq int64) wire.Command {
		m := &wire.ActiveMQBytesMessage{}
		m.CommandId, m.ResponseRequired = int32(seq+10), sync
		m.ProducerId, m.Destination, m.Persistent = prod, dest, sync
		m.MessageId = &wire.MessageId{ProducerId: prod, ProducerSequenceId: seq}
		m.Content = content
		return m
	}
	for _, c := range []wire.Command{
		&wire.ConnectionInfo{BaseCommand: wire.BaseCommand{CommandId: 1, ResponseRequired: true}, ConnectionId: conn},
		&wire.SessionInfo{BaseCommand: wire.BaseCommand{CommandId: 2}, SessionId: &wire.SessionId{ConnectionId: conn.Value, Value: 1}},
		&wire.ProducerInfo{BaseCommand: wire.BaseCommand{CommandId: 3, ResponseRequired: true}, ProducerId: prod, Destination: dest},
		msg(0),
	} {
		if prefix, err = codec.AppendCommand(prefix, c); err != nil {
			return nil, nil, nil, err
		}
	}
	for i := 1; i <= benchBlock; i++ {
		if block, err = codec.AppendCommand(block, msg(int64(i))); err != nil {
			return nil, nil, nil, err
		}
	}
	suffix, err = codec.AppendCommand(nil, &wire.ShutdownInfo{})
	return prefix, block, suffix, err
}
