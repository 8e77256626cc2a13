package main

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"

	amqpwire "github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/openwire/wire"
)

// replay is a connection whose client sends input and then hangs up;
// replies are dropped.
type replay struct{ io.Reader }

func (replay) Write(p []byte) (int, error) { return len(p), nil }

// FuzzAMQPConn feeds arbitrary client bytes to an AMQP connection: it must
// end (the input runs out) without panicking, whatever arrives.
func FuzzAMQPConn(f *testing.F) {
	for _, seed := range amqpSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = serveAMQP(replay{bytes.NewReader(in)})
	})
}

// FuzzOpenWireConn does the same for OpenWire.
func FuzzOpenWireConn(f *testing.F) {
	for _, tight := range []bool{true, false} {
		seed, err := openWireSession(tight)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	f.Add([]byte{0, 0, 0, 1, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		_ = serveOpenWire(replay{bytes.NewReader(in)})
	})
}

// amqpSeeds are a complete client session (handshake, confirms, publishes
// with and without body frames, declarations, close) and a few cut-down
// variants.
func amqpSeeds(tb testing.TB) [][]byte {
	hdr := amqpwire.AMQP091.Header()
	s := append([]byte(nil), hdr[:]...)
	add := func(ch uint16, m amqpwire.Method) {
		b, err := amqpwire.AMQP091.AppendMethodFrame(s, ch, m)
		if err != nil {
			tb.Fatal(err)
		}
		s = b
	}
	add(0, &amqpwire.ConnectionStartOK{Mechanism: "PLAIN", Response: []byte("\x00guest\x00guest"), Locale: "en_US"})
	add(0, &amqpwire.ConnectionTuneOK{ChannelMax: 2047, FrameMax: amqpFrameMax, Heartbeat: 0})
	add(0, &amqpwire.ConnectionOpen{VirtualHost: "/"})
	handshake := len(s)
	add(1, &amqpwire.ChannelOpen{})
	add(1, &amqpwire.QueueDeclare{Queue: ""})
	add(1, &amqpwire.BasicQos{PrefetchCount: 10})
	add(1, &amqpwire.BasicConsume{Queue: "q"})
	add(1, &amqpwire.ConfirmSelect{})
	for _, body := range [][]byte{[]byte("0123456789abcdef"), nil, bytes.Repeat([]byte{1}, 5000)} {
		add(1, &amqpwire.BasicPublish{RoutingKey: "q"})
		s = amqpwire.AppendContentHeaderFrame(s, 1, 60, uint64(len(body)), []byte{0x10, 0, 2})
		s = amqpwire.AppendBodyFrames(s, 1, body, 4096)
	}
	s = amqpwire.AppendHeartbeat(s)
	add(1, &amqpwire.TxSelect{})
	add(1, &amqpwire.BasicCancel{ConsumerTag: "amq.ctag-nullbroker-1"})
	add(1, &amqpwire.ChannelClose{ReplyCode: 200})
	add(0, &amqpwire.ConnectionClose{ReplyCode: 200})
	return [][]byte{s, s[:handshake], s[:len(s)-20], []byte("AMQP\x01\x01\x08\x00")}
}

// openWireSession is what a client sends in a short session: its
// WireFormatInfo, then in the negotiated format (tight or loose, cached)
// a connection, session, producer, consumer, two messages (one
// synchronous), a keep-alive and the goodbyes.
func openWireSession(tight bool) ([]byte, error) {
	prefs := wire.DefaultPreferences()
	prefs.TightEncoding = tight
	codec := wire.NewCodec(prefs)
	out, err := codec.AppendCommand(nil, codec.Local())
	if err != nil {
		return nil, err
	}
	if _, err := codec.ApplyPeer(wire.DefaultPreferences().WireFormatInfo()); err != nil {
		return nil, err
	}
	conn := &wire.ConnectionId{Value: "ID:fuzz-1"}
	sess := &wire.SessionId{ConnectionId: conn.Value, Value: 1}
	prod := &wire.ProducerId{ConnectionId: conn.Value, SessionId: 1, Value: 1}
	dest := &wire.Destination{Kind: wire.Queue, PhysicalName: "ceiling"}
	msg := func(id int32, sync bool, seq int64) wire.Command {
		m := &wire.ActiveMQBytesMessage{}
		m.CommandId, m.ResponseRequired = id, sync
		m.ProducerId, m.Destination = prod, dest
		m.MessageId = &wire.MessageId{ProducerId: prod, ProducerSequenceId: seq}
		m.Persistent = sync
		m.Content = []byte("0123456789abcdef")
		return m
	}
	cmds := []wire.Command{
		&wire.ConnectionInfo{BaseCommand: wire.BaseCommand{CommandId: 1, ResponseRequired: true}, ConnectionId: conn,
			UserName: wire.Str("guest"), Password: wire.Str("guest")},
		&wire.SessionInfo{BaseCommand: wire.BaseCommand{CommandId: 2}, SessionId: sess},
		&wire.ProducerInfo{BaseCommand: wire.BaseCommand{CommandId: 3, ResponseRequired: true}, ProducerId: prod,
			Destination: dest, WindowSize: 1 << 20},
		&wire.ConsumerInfo{BaseCommand: wire.BaseCommand{CommandId: 4, ResponseRequired: true},
			ConsumerId: &wire.ConsumerId{ConnectionId: conn.Value, SessionId: 1, Value: 1}, Destination: dest, PrefetchSize: 1000},
		msg(5, true, 1),
		msg(6, false, 2),
		&wire.KeepAliveInfo{BaseCommand: wire.BaseCommand{CommandId: 7, ResponseRequired: true}},
		&wire.TransactionInfo{BaseCommand: wire.BaseCommand{CommandId: 8, ResponseRequired: true}, ConnectionId: conn,
			TransactionId: &wire.LocalTransactionId{ConnectionId: conn, Value: 1}, Type: wire.TxBegin},
		&wire.RemoveInfo{BaseCommand: wire.BaseCommand{CommandId: 9, ResponseRequired: true}, ObjectId: prod},
		&wire.RemoveInfo{BaseCommand: wire.BaseCommand{CommandId: 10, ResponseRequired: true}, ObjectId: conn, LastDeliveredSequenceId: -1},
		&wire.ShutdownInfo{BaseCommand: wire.BaseCommand{CommandId: 11}},
	}
	for _, c := range cmds {
		if out, err = codec.AppendCommand(out, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func TestOpenWireSeedSessionIsAnsweredInFullAndEndsCleanly(t *testing.T) {
	for _, tight := range []bool{true, false} {
		in, err := openWireSession(tight)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		rw := struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(in), &out}
		if err := serveOpenWire(rw); err != nil {
			t.Fatalf("tight=%v: serveOpenWire: %v", tight, err)
		}
		// Decode what the broker sent, as the client would.
		prefs := wire.DefaultPreferences()
		prefs.TightEncoding = tight
		codec := wire.NewCodec(prefs)
		var got []string
		for out.Len() > 0 {
			cmd, err := codec.ReadCommand(&out)
			if err != nil {
				t.Fatalf("tight=%v: read reply %d: %v", tight, len(got)+1, err)
			}
			if wfi, ok := cmd.(*wire.WireFormatInfo); ok {
				if _, err := codec.ApplyPeer(wfi); err != nil {
					t.Fatal(err)
				}
			}
			got = append(got, describeReply(cmd))
		}
		want := []string{"WireFormatInfo", "BrokerInfo", "Response 1", "Response 3", "Response 4", "Response 5",
			"ProducerAck", "KeepAliveInfo", "Response 8", "Response 9", "Response 10"}
		if len(got) != len(want) {
			t.Fatalf("tight=%v: replies %q, want %q", tight, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("tight=%v: replies %q, want %q", tight, got, want)
			}
		}
	}
}

func describeReply(cmd wire.Command) string {
	if r, ok := cmd.(*wire.Response); ok {
		return "Response " + strconv.Itoa(int(r.CorrelationId))
	}
	return wire.TypeName(cmd.DataStructureType())
}

func TestAMQPSeedSessionEndsWithACleanClose(t *testing.T) {
	seeds := amqpSeeds(t)
	if err := serveAMQP(replay{bytes.NewReader(seeds[0])}); err != nil {
		t.Fatalf("full session: %v", err)
	}
	// Cut short, the session ends with the client gone, which is not an
	// error worth reporting either; a cut inside a frame is.
	if err := serveAMQP(replay{bytes.NewReader(seeds[1])}); err != nil {
		t.Fatalf("session ending after the handshake: %v", err)
	}
	if err := serveAMQP(replay{bytes.NewReader(seeds[2])}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("session cut inside a frame: %v, want io.ErrUnexpectedEOF", err)
	}
}
