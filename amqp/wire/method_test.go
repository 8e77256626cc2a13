package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/junctionmq/junction/message"
)

func TestBasicPublishAppendFrameMatchesTheSpecLayout(t *testing.T) {
	m := &BasicPublish{Exchange: "ex", RoutingKey: "rk", Mandatory: true}
	got, err := m.AppendFrame([]byte("prefix"), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("prefix")
	want = append(want,
		1, 0, 1, 0, 0, 0, 13, // method frame, channel 1, 13-byte payload
		0, 60, 0, 40, // basic.publish
		0, 0, // reserved-1
		2, 'e', 'x', 2, 'r', 'k',
		1,    // mandatory is bit 0, immediate bit 1
		0xCE) // frame-end
	hexEqual(t, "basic.publish frame", got, want)
}

func TestBitsPackLeastSignificantFirstInDeclarationOrder(t *testing.T) {
	// exchange.declare: passive, durable, auto-delete, internal, no-wait.
	cases := []struct {
		m    ExchangeDeclare
		bits byte
	}{
		{ExchangeDeclare{Passive: true}, 1},
		{ExchangeDeclare{Durable: true}, 2},
		{ExchangeDeclare{AutoDelete: true}, 4},
		{ExchangeDeclare{Internal: true}, 8},
		{ExchangeDeclare{NoWait: true}, 16},
		{ExchangeDeclare{Passive: true, NoWait: true}, 17},
	}
	for _, c := range cases {
		frame, err := c.m.AppendFrame(nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, _, payload := splitFrame(t, frame)
		// ids (4), reserved-1 (2), two empty short strings (2), bits, empty table (4)
		if len(payload) != 13 {
			t.Fatalf("payload is %d bytes, want 13", len(payload))
		}
		if payload[8] != c.bits {
			t.Errorf("%+v: bits octet 0x%02x, want 0x%02x", c.m, payload[8], c.bits)
		}
		back := mustDecode(t, AMQP091, payload).(*ExchangeDeclare)
		if !sameValue(*back, c.m) {
			t.Errorf("decoded %+v, want %+v", *back, c.m)
		}
	}
}

func TestEveryMethodRoundTripsInEveryVersion(t *testing.T) {
	wantCounts := map[*Protocol]int{AMQP091: 64, AMQP09: 105, AMQP08: 92}
	for _, p := range []*Protocol{AMQP091, AMQP09, AMQP08} {
		count := 0
		for i := 0; i < numMethods; i++ {
			if !p.Supports(newMethod(i)) {
				continue
			}
			count++
			for _, invert := range []bool{false, true} {
				m := newMethod(i)
				fillMethod(m, invert)
				frame := mustAppend(t, p, 7, m)
				typ, ch, payload := splitFrame(t, frame)
				if typ != FrameMethod || ch != 7 {
					t.Fatalf("%s %s: frame type %d channel %d, want 1 and 7", p, m.MethodName(), typ, ch)
				}
				back := mustDecode(t, p, payload)
				if back.MethodName() != m.MethodName() {
					t.Fatalf("%s: %s decoded as %s", p, m.MethodName(), back.MethodName())
				}
				again := mustAppend(t, p, 7, back)
				hexEqual(t, p.Name()+" "+m.MethodName()+" re-encoded", again, frame)
				if p == AMQP091 || !dropsFields(p, m) {
					if !sameValue(back, m) {
						t.Errorf("%s: %s round trip:\n got %+v\nwant %+v", p, m.MethodName(), back, m)
					}
				}
			}
		}
		if count != wantCounts[p] {
			t.Errorf("%s supports %d methods, want %d", p, count, wantCounts[p])
		}
	}
}

// dropsFields lists the methods whose canonical struct has fields the old
// version cannot carry (see the AMQP09/AMQP08 doc comments).
func dropsFields(p *Protocol, m Method) bool {
	if p != AMQP08 {
		return false
	}
	switch m.(type) {
	case *ChannelOpenOK, *FileConsume, *StreamConsume:
		return true
	}
	return false
}

func TestAppendFrameOfAHotPathMethodDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 512)
	deliver := &BasicDeliver{ConsumerTag: "ctag", DeliveryTag: 42, Exchange: "ex", RoutingKey: "rk"}
	ack := &BasicAck{DeliveryTag: 42, Multiple: true}
	allocs := testing.AllocsPerRun(100, func() {
		b, _ := deliver.AppendFrame(buf[:0], 1)
		b, _ = ack.AppendFrame(b, 1)
		_ = b
	})
	if allocs != 0 {
		t.Errorf("AppendFrame allocated %.1f times per run, want 0", allocs)
	}
}

func TestOldVersionsDecodeIntoCanonicalStructs(t *testing.T) {
	// 0-8 numbers connection.close 10/60; the struct and its fields are
	// the 0-9-1 ones.
	closeFrame := mustAppend(t, AMQP08, 0, &ConnectionClose{ReplyCode: NotFound, ReplyText: "gone", FailingClassID: 50, FailingMethodID: 10})
	_, _, payload := splitFrame(t, closeFrame)
	hexEqual(t, "0-8 connection.close ids", payload[:4], []byte{0, 10, 0, 60})
	c := mustDecode(t, AMQP08, payload).(*ConnectionClose)
	if c.ReplyCode != NotFound || c.ReplyText != "gone" || c.FailingClassID != 50 || c.FailingMethodID != 10 {
		t.Errorf("0-8 connection.close decoded as %+v", c)
	}
	// In 0-9-1, 10/60 is RabbitMQ's connection.blocked, which these
	// arguments do not fit.
	_, err := AMQP091.DecodeMethod(payload)
	if e := wireError(t, err, FrameError); !strings.Contains(e.Text, "connection.blocked") {
		t.Errorf("0-9-1 error %q should name connection.blocked", e.Text)
	}

	// 0-8's ticket is 0-9-1's reserved-1: exchange.declare with ticket 9.
	declare := []byte{0, 40, 0, 10, 0, 9, 2, 'e', 'x', 5, 't', 'o', 'p', 'i', 'c', 2, 0, 0, 0, 0}
	d := mustDecode(t, AMQP08, declare).(*ExchangeDeclare)
	if d.Reserved1 != 9 || d.Exchange != "ex" || d.Type != "topic" || !d.Durable || d.Passive {
		t.Errorf("0-8 exchange.declare decoded as %+v", d)
	}

	// connection.open's capabilities and insist are reserved-1 and -2.
	open := []byte{0, 10, 0, 40, 1, '/', 3, 'c', 'a', 'p', 1}
	o := mustDecode(t, AMQP08, open).(*ConnectionOpen)
	if o.VirtualHost != "/" || o.Reserved1 != "cap" || !o.Reserved2 {
		t.Errorf("0-8 connection.open decoded as %+v", o)
	}
}

func TestRecoverMapsByMeaningAcrossVersions(t *testing.T) {
	cases := []struct {
		p        *Protocol
		methodID uint16
		want     string
	}{
		{AMQP091, 100, "basic.recover-async"},
		{AMQP091, 110, "basic.recover"},
		{AMQP09, 100, "basic.recover-async"}, // 0-9's recover is asynchronous
		{AMQP09, 102, "basic.recover"},       // Qpid's recover-sync
		{AMQP08, 100, "basic.recover"},       // Qpid 0-8's recover has recover-ok
	}
	for _, c := range cases {
		m := mustDecode(t, c.p, []byte{0, 60, byte(c.methodID >> 8), byte(c.methodID), 1})
		if m.MethodName() != c.want {
			t.Errorf("%s 60/%d decoded as %s, want %s", c.p, c.methodID, m.MethodName(), c.want)
		}
	}
	for p, id := range map[*Protocol]uint16{AMQP091: 111, AMQP09: 101, AMQP08: 101} {
		if _, mid, ok := p.IDs(&BasicRecoverOK{}); !ok || mid != id {
			t.Errorf("%s sends basic.recover-ok as method %d (ok=%v), want %d", p, mid, ok, id)
		}
	}
}

func TestOldVersionsLackingAFieldLeaveItZero(t *testing.T) {
	// 0-8 channel.open-ok has no arguments; 0-9's carries channel-id.
	m := &ChannelOpenOK{Reserved1: []byte("id")}
	_, _, p08 := splitFrame(t, mustAppend(t, AMQP08, 1, m))
	hexEqual(t, "0-8 channel.open-ok payload", p08, []byte{0, 20, 0, 11})
	if back := mustDecode(t, AMQP08, p08).(*ChannelOpenOK); back.Reserved1 != nil {
		t.Errorf("0-8 channel.open-ok decoded Reserved1 %q, want nil", back.Reserved1)
	}
	_, _, p09 := splitFrame(t, mustAppend(t, AMQP09, 1, m))
	hexEqual(t, "0-9 channel.open-ok payload", p09, []byte{0, 20, 0, 11, 0, 0, 0, 2, 'i', 'd'})
}

func TestOldVersionsAcceptAnOmittedTrailingTable(t *testing.T) {
	// basic.consume as plain 0-8 sends it: no arguments table.
	payload := []byte{0, 60, 0, 20, 0, 0, 1, 'q', 1, 'c', 0x02}
	for _, p := range []*Protocol{AMQP08, AMQP09} {
		c := mustDecode(t, p, payload).(*BasicConsume)
		if c.Queue != "q" || c.ConsumerTag != "c" || !c.NoAck || c.Arguments != nil {
			t.Errorf("%s: decoded %+v", p, c)
		}
	}
	_, err := AMQP091.DecodeMethod(payload)
	e := wireError(t, err, FrameError)
	if e.ClassID != 60 || e.MethodID != 20 || !strings.Contains(e.Text, "arguments") {
		t.Errorf("0-9-1 error %+v should name basic.consume's arguments", e)
	}
}

func TestDecodeMethodErrorsCarryReplyCodesAndIDs(t *testing.T) {
	_, err := AMQP091.DecodeMethod([]byte{0, 60, 0})
	wireError(t, err, FrameError)

	_, err = AMQP091.DecodeMethod([]byte{0, 60, 0x03, 0xE7})
	e := wireError(t, err, NotImplemented)
	if e.ClassID != 60 || e.MethodID != 999 {
		t.Errorf("unknown method error names %d/%d, want 60/999", e.ClassID, e.MethodID)
	}

	// 0-9's message.transfer and 0-8's access.request are not 0-9-1.
	for _, ids := range [][]byte{{0, 120, 0, 10}, {0, 30, 0, 10}} {
		_, err = AMQP091.DecodeMethod(ids)
		wireError(t, err, NotImplemented)
	}

	// basic.publish whose routing key claims 5 bytes but has 1.
	_, err = AMQP091.DecodeMethod([]byte{0, 60, 0, 40, 0, 0, 0, 5, 'a'})
	e = wireError(t, err, FrameError)
	if e.ClassID != 60 || e.MethodID != 40 || !strings.Contains(e.Text, "routing-key") {
		t.Errorf("truncation error %q should name basic.publish's routing-key", e.Text)
	}
	if !errors.Is(err, errShort) {
		t.Errorf("truncation error does not wrap errShort: %v", err)
	}

	// basic.ack followed by a stray byte.
	_, err = AMQP091.DecodeMethod([]byte{0, 60, 0, 80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0xFF})
	e = wireError(t, err, FrameError)
	if !strings.Contains(e.Text, "1 unexpected bytes") {
		t.Errorf("trailing-byte error %q should say so", e.Text)
	}
}

func TestEncodingRejectsValuesTheWireCannotCarry(t *testing.T) {
	long := strings.Repeat("x", 256)
	prefix := []byte("keep")
	b, err := (&BasicPublish{RoutingKey: long}).AppendFrame(prefix, 1)
	if err == nil || !errors.Is(err, errShortstrTooLong) {
		t.Errorf("256-byte routing key: err %v, want a short-string error", err)
	}
	hexEqual(t, "dst after failed AppendFrame", b, prefix)

	b, err = AMQP091.AppendMethodFrame(prefix, 1, &QueueDeclare{Queue: "q", Arguments: message.Table{"x": 1}})
	if err == nil || !strings.Contains(err.Error(), "unsupported value type int") {
		t.Errorf("table holding an int: err %v, want an unsupported-type error", err)
	}
	hexEqual(t, "dst after failed AppendMethodFrame", b, prefix)

	b, err = AMQP08.AppendMethodFrame(prefix, 1, &ConfirmSelect{})
	if err == nil || !strings.Contains(err.Error(), "AMQP 0-8 has no such method") {
		t.Errorf("confirm.select in 0-8: err %v, want a missing-method error", err)
	}
	hexEqual(t, "dst after unsupported method", b, prefix)

	if b, err = (&BasicPublish{RoutingKey: long[:255]}).AppendFrame(nil, 1); err != nil || len(b) != 8+4+2+1+256+1 {
		t.Errorf("255-byte routing key: %d bytes, err %v; want it accepted", len(b), err)
	}
}

func TestProtocolIdentification(t *testing.T) {
	cases := []struct {
		header       string
		want         *Protocol
		major, minor uint8
	}{
		{"AMQP\x00\x00\x09\x01", AMQP091, 0, 9},
		{"AMQP\x01\x01\x00\x09", AMQP09, 0, 9},
		{"AMQP\x01\x01\x08\x00", AMQP08, 8, 0},
		{"AMQP\x01\x01\x09\x01", AMQP08, 8, 0},
	}
	for _, c := range cases {
		var h [8]byte
		copy(h[:], c.header)
		p, ok := ProtocolForHeader(h)
		if !ok || p != c.want {
			t.Errorf("header %q: got %v, %v; want %s", c.header, p, ok, c.want)
			continue
		}
		if major, minor := p.Version(); major != c.major || minor != c.minor {
			t.Errorf("%s announces version %d-%d, want %d-%d", p, major, minor, c.major, c.minor)
		}
	}
	for _, bad := range []string{"AMQP\x00\x00\x09\x00", "AMQP\x03\x01\x00\x00", "GET / HT"} {
		var h [8]byte
		copy(h[:], bad)
		if p, ok := ProtocolForHeader(h); ok {
			t.Errorf("header %q accepted as %s", bad, p)
		}
	}
	names := map[string]*Protocol{"AMQP 0-9-1": AMQP091, "AMQP 0-9": AMQP09, "AMQP 0-8": AMQP08}
	for name, p := range names {
		if p.Name() != name {
			t.Errorf("Name() = %q, want %q", p.Name(), name)
		}
		if h := p.Header(); !bytes.HasPrefix(h[:], []byte("AMQP")) {
			t.Errorf("%s header %q lacks the AMQP prefix", name, h)
		}
	}
}

func TestReplyCodesAndHardErrors(t *testing.T) {
	hard := []uint16{ConnectionForced, InvalidPath, FrameError, SyntaxError, CommandInvalid, ChannelError, UnexpectedFrame, ResourceError, NotAllowed, NotImplemented, InternalError}
	soft := []uint16{ContentTooLarge, NoRoute, NoConsumers, AccessRefused, NotFound, ResourceLocked, PreconditionFailed}
	for _, c := range hard {
		if !IsHardError(c) {
			t.Errorf("%d %s should be a hard error", c, CodeName(c))
		}
	}
	for _, c := range append(soft, ReplySuccess, 0, 999) {
		if IsHardError(c) {
			t.Errorf("%d %s should not be a hard error", c, CodeName(c))
		}
	}
	want := map[uint16]string{200: "REPLY_SUCCESS", 312: "NO_ROUTE", 404: "NOT_FOUND", 501: "FRAME_ERROR", 540: "NOT_IMPLEMENTED", 999: ""}
	for code, name := range want {
		if got := CodeName(code); got != name {
			t.Errorf("CodeName(%d) = %q, want %q", code, got, name)
		}
	}
}

func TestErrorTextFitsAShortString(t *testing.T) {
	e := &Error{Code: NotFound, Text: strings.Repeat("é", 200)} // 400 bytes
	r := e.ReplyText()
	if len(r) != 254 || !strings.HasPrefix(e.Text, r) {
		t.Errorf("ReplyText is %d bytes, want the 254-byte prefix that keeps UTF-8 whole", len(r))
	}
	if got := (&Error{Code: SyntaxError, Text: "bad", ClassID: 60, MethodID: 40}).Error(); got != "amqp 502 SYNTAX_ERROR: bad (class 60, method 40)" {
		t.Errorf("Error() = %q", got)
	}
}
