package wire

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/junctionmq/junction/message"
)

// captured is one frame of a recorded conversation, decoded.
type captured struct {
	frame   Frame
	method  Method         // method frames
	err     error          // method frames that did not decode (lenient mode)
	header  *ContentHeader // content header frames
	props   *Properties
	summary *PropertySummary
}

// decodeCapture decodes every frame of one direction of a recording made by
// internal/capture; client streams start with the protocol header.
func decodeCapture(t *testing.T, name string) []captured {
	return decodeCaptureMode(t, name, true)
}

// decodeCaptureMode with strict false records undecodable methods in
// captured.err instead of failing.
func decodeCaptureMode(t *testing.T, name string, strict bool) []captured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "capture", name))
	if err != nil {
		t.Fatalf("read capture: %v (regenerate with amqp/wire/internal/capture)", err)
	}
	r := NewFrameReader(bytes.NewReader(data))
	if strings.HasSuffix(name, ".c2s.bin") {
		h, err := r.ReadProtocolHeader()
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := ProtocolForHeader(h); !ok || p != AMQP091 {
			t.Fatalf("%s: header %q is not 0-9-1", name, h)
		}
	}
	var out []captured
	pendingBody := map[uint16]uint64{}
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: frame %d: %v", name, len(out), err)
		}
		c := captured{frame: Frame{f.Type, f.Channel, append([]byte(nil), f.Payload...)}}
		switch f.Type {
		case FrameMethod:
			if c.method, c.err = AMQP091.DecodeMethod(f.Payload); c.err != nil && strict {
				t.Fatalf("%s: frame %d: %v", name, len(out), c.err)
			}
		case FrameHeader:
			h, err := ParseContentHeader(c.frame.Payload)
			if err != nil {
				t.Fatalf("%s: frame %d: %v", name, len(out), err)
			}
			p, err := DecodeProperties(h.RawProps)
			if err != nil {
				t.Fatalf("%s: frame %d: %v", name, len(out), err)
			}
			s, err := ScanProperties(h.RawProps)
			if err != nil {
				t.Fatalf("%s: frame %d: ScanProperties: %v", name, len(out), err)
			}
			c.header, c.props, c.summary = &h, &p, &s
			pendingBody[f.Channel] = h.BodySize
		case FrameBody:
			if uint64(len(f.Payload)) > pendingBody[f.Channel] {
				t.Fatalf("%s: frame %d: body frame beyond the announced size", name, len(out))
			}
			pendingBody[f.Channel] -= uint64(len(f.Payload))
		}
		out = append(out, c)
	}
	for ch, left := range pendingBody {
		if left != 0 {
			t.Errorf("%s: channel %d still expects %d body bytes", name, ch, left)
		}
	}
	return out
}

// find returns the decoded methods of one Go type, in stream order.
func find[T Method](frames []captured) []T {
	var out []T
	for _, c := range frames {
		if m, ok := c.method.(T); ok {
			out = append(out, m)
		}
	}
	return out
}

// headerAfter returns the content header that follows the n-th frame.
func headerAfter(t *testing.T, frames []captured, m Method) *captured {
	t.Helper()
	for i, c := range frames {
		if c.method == m {
			for _, h := range frames[i+1:] {
				if h.header != nil && h.frame.Channel == c.frame.Channel {
					return &h
				}
			}
		}
	}
	t.Fatalf("no content header after %s", m.MethodName())
	return nil
}

func sequence(frames []captured) string {
	var b strings.Builder
	for _, c := range frames {
		switch {
		case c.method != nil:
			fmt.Fprintf(&b, "  ch%d %s %+v\n", c.frame.Channel, c.method.MethodName(), c.method)
		case c.header != nil:
			fmt.Fprintf(&b, "  ch%d content-header body-size=%d flags=0x%04x\n", c.frame.Channel, c.header.BodySize, c.props.Present)
		case c.frame.Type == FrameBody:
			fmt.Fprintf(&b, "  ch%d body %d bytes\n", c.frame.Channel, len(c.frame.Payload))
		case c.frame.Type == FrameHeartbeat:
			b.WriteString("  heartbeat\n")
		}
	}
	return b.String()
}

func TestCapturedAmqp091GoConversationDecodes(t *testing.T) {
	c2s := decodeCapture(t, "amqp091-go.c2s.bin")
	s2c := decodeCapture(t, "amqp091-go.s2c.bin")
	t.Logf("client to server:\n%s", sequence(c2s))
	t.Logf("server to client:\n%s", sequence(s2c))

	start := find[*ConnectionStart](s2c)
	if len(start) != 1 || start[0].VersionMajor != 0 || start[0].VersionMinor != 9 {
		t.Fatalf("connection.start: %+v", start)
	}
	caps, ok := start[0].ServerProperties["capabilities"].(message.Table)
	if !ok || caps["publisher_confirms"] != true || caps["basic.nack"] != true || caps["connection.blocked"] != true {
		t.Errorf("server capabilities %#v", start[0].ServerProperties["capabilities"])
	}
	// The mechanism order varies between broker runs.
	if !slices.Contains(strings.Fields(string(start[0].Mechanisms)), "PLAIN") || string(start[0].Locales) != "en_US" {
		t.Errorf("mechanisms %q locales %q", start[0].Mechanisms, start[0].Locales)
	}
	tune := find[*ConnectionTuneOK](c2s)
	if len(tune) != 1 || tune[0].FrameMax != 8192 || tune[0].Heartbeat != 1 {
		t.Errorf("tune-ok %+v, want frame-max 8192 and heartbeat 1 as configured", tune)
	}

	pubs := find[*BasicPublish](c2s)
	if len(pubs) != 8 {
		t.Fatalf("%d basic.publish frames, want 8", len(pubs))
	}
	if pubs[0].Exchange != "capture.topic" || pubs[0].RoutingKey != "route.a" || pubs[3].RoutingKey != "nowhere" || !pubs[3].Mandatory {
		t.Errorf("publishes %+v %+v", pubs[0], pubs[3])
	}
	h := headerAfter(t, c2s, pubs[0])
	if h.header.BodySize != 20000 || h.props.Present != 0xFFF8 {
		t.Errorf("first publish: body %d, flags 0x%04x; want 20000 and all but cluster-id", h.header.BodySize, h.props.Present)
	}
	checkEveryTypeHeaders(t, h.props.Headers)
	if h.props.UserID != "guest" || h.props.Timestamp != time.Unix(1700000001, 0).UTC() || h.summary.Priority != 5 || string(h.summary.Expiration) != "600000" {
		t.Errorf("first publish properties %+v", h.props)
	}

	delivers := find[*BasicDeliver](s2c)
	if len(delivers) != 3 || delivers[0].ConsumerTag != "ctag-1" || delivers[0].RoutingKey != "route.a" || delivers[2].DeliveryTag != 3 {
		t.Errorf("deliveries %+v", delivers)
	}
	checkEveryTypeHeaders(t, headerAfter(t, s2c, delivers[0]).props.Headers)

	if r := find[*BasicReturn](s2c); len(r) != 1 || r[0].ReplyCode != NoRoute || r[0].ReplyText != "NO_ROUTE" {
		t.Errorf("basic.return %+v, want 312 NO_ROUTE", r)
	}
	if acks := find[*BasicAck](s2c); len(acks) < 1 {
		t.Error("no publisher confirms from the server")
	}
	if n := len(find[*BasicNack](c2s)) + len(find[*BasicReject](c2s)); n != 2 {
		t.Errorf("%d nack/reject from the client, want 2", n)
	}
	if c := find[*BasicCancel](s2c); len(c) != 1 || c[0].ConsumerTag != "ctag-2" {
		t.Errorf("server basic.cancel %+v", c)
	}
	if c := find[*ChannelClose](s2c); len(c) != 1 || c[0].ReplyCode != NotFound || c[0].FailingClassID != 50 || c[0].FailingMethodID != 10 {
		t.Errorf("server channel.close %+v, want 404 for queue.declare", c)
	}
	for _, kind := range []Method{&ConfirmSelect{}, &TxSelect{}, &TxCommit{}, &TxRollback{}, &BasicGet{}, &BasicRecover{}, &ExchangeBind{}, &ExchangeUnbind{}, &QueueUnbind{}, &QueuePurge{}, &BasicQos{}} {
		if !containsMethod(c2s, kind) {
			t.Errorf("client never sent %s", kind.MethodName())
		}
	}
	for _, kind := range []Method{&BasicGetOK{}, &BasicGetEmpty{}, &BasicRecoverOK{}, &TxCommitOK{}, &ConfirmSelectOK{}, &QueuePurgeOK{}} {
		if !containsMethod(s2c, kind) {
			t.Errorf("server never sent %s", kind.MethodName())
		}
	}
	if !containsType(c2s, FrameHeartbeat) || !containsType(s2c, FrameHeartbeat) {
		t.Error("heartbeats missing from one direction")
	}
}

func containsMethod(frames []captured, kind Method) bool {
	for _, c := range frames {
		if c.method != nil && c.method.MethodName() == kind.MethodName() {
			return true
		}
	}
	return false
}

func containsType(frames []captured, typ uint8) bool {
	for _, c := range frames {
		if c.frame.Type == typ {
			return true
		}
	}
	return false
}

// checkEveryTypeHeaders checks the table amqp091-go sent with one value of
// each type (see internal/capture/amqp091.go) decodes to the right Go types.
func checkEveryTypeHeaders(t *testing.T, h message.Table) {
	t.Helper()
	want := message.Table{
		"bool": true, "int8": int8(-8), "uint8": uint8(8), "int16": int16(-16),
		"uint16": uint16(16), "int32": int32(-32), "uint32": uint32(32),
		"int64": int64(-64), "float32": float32(3.5), "float64": 6.25,
		"decimal": message.Decimal{Scale: 2, Value: 12345}, "string": "text",
		"bytes": []byte{0, 1, 2}, "time": time.Unix(1700000000, 0).UTC(),
		"table": message.Table{"nested": "yes"}, "array": []any{int32(1), "two", true},
		"void": nil,
	}
	if !sameValue(h, want) {
		t.Errorf("headers\n got %#v\nwant %#v", h, want)
	}
}

func TestCapturedPikaConversationDecodes(t *testing.T) {
	c2s := decodeCapture(t, "pika.c2s.bin")
	s2c := decodeCapture(t, "pika.s2c.bin")
	t.Logf("client to server:\n%s", sequence(c2s))
	pubs := find[*BasicPublish](c2s)
	if len(pubs) != 2 || pubs[0].Exchange != "pika.direct" || pubs[0].RoutingKey != "pika.key" {
		t.Fatalf("publishes %+v", pubs)
	}
	h := headerAfter(t, c2s, pubs[0]).props
	want := message.Table{
		"int": int32(42), "big": int64(1 << 40), "neg": int32(-7), "str": "text",
		"bytes": []byte{0, 1}, "bool": true, "none": nil,
		"decimal": message.Decimal{Scale: 2, Value: 314},
		"time":    time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC),
		"dict":    message.Table{"nested": int32(1)}, "list": []any{int32(1), "two", false},
	}
	if !sameValue(h.Headers, want) {
		t.Errorf("pika headers\n got %#v\nwant %#v", h.Headers, want)
	}
	if d := find[*QueueDeclare](c2s); len(d) != 1 || d[0].Arguments["x-max-length"] != int32(100) {
		t.Errorf("queue.declare %+v", d)
	}
	if g := find[*BasicGetOK](s2c); len(g) != 1 || g[0].MessageCount != 1 {
		t.Errorf("basic.get-ok %+v", g)
	}
}

func TestCapturedBrokerAnswersToBadMethods(t *testing.T) {
	// RabbitMQ drops the connection on an unknown method without a close.
	s2c := decodeCapture(t, "probe-unknown.s2c.bin")
	if n := len(find[*ConnectionClose](s2c)); n != 0 {
		t.Errorf("RabbitMQ sent %d connection.close for an unknown method; the capture says none", n)
	}
	// It answers undecodable arguments with FRAME_ERROR, not SYNTAX_ERROR.
	s2c = decodeCapture(t, "probe-malformed.s2c.bin")
	c := find[*ConnectionClose](s2c)
	if len(c) != 1 || c[0].ReplyCode != FrameError || c[0].FailingClassID != 60 || c[0].FailingMethodID != 40 {
		t.Errorf("close after a truncated basic.publish: %+v", c)
	}
	c2s := decodeCaptureMode(t, "probe-malformed.c2s.bin", false)
	var bad []error
	for _, c := range c2s {
		if c.err != nil {
			bad = append(bad, c.err)
		}
	}
	if len(bad) != 1 {
		t.Fatalf("%d undecodable frames in the probe, want 1", len(bad))
	}
	e := wireError(t, bad[0], FrameError)
	if e.ClassID != 60 || e.MethodID != 40 {
		t.Errorf("our error names %d/%d, want 60/40 like RabbitMQ's", e.ClassID, e.MethodID)
	}
}
