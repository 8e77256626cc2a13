package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
)

// scriptConn is a net.Conn that reads a fixed byte stream and records
// every write separately.
type scriptConn struct {
	r      io.Reader
	mu     sync.Mutex
	writes [][]byte
}

func (c *scriptConn) Read(b []byte) (int, error) { return c.r.Read(b) }
func (c *scriptConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, slices.Clone(b))
	return len(b), nil
}
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// methodsIn decodes the method frames of a byte stream, failing the test
// on anything else.
func methodsIn(t *testing.T, b []byte) []wire.Method {
	t.Helper()
	r := wire.NewFrameReader(bytes.NewReader(b))
	var out []wire.Method
	for {
		f, err := r.ReadFrame()
		if err == io.EOF {
			return out
		}
		if err != nil || f.Type != wire.FrameMethod {
			t.Fatalf("frame %+v, %v; want method frames only", f, err)
		}
		m, err := wire.AMQP091.DecodeMethod(f.Payload)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		out = append(out, m)
	}
}

func methodFrame(t testing.TB, channel uint16, m wire.Method) []byte {
	t.Helper()
	b, err := wire.AMQP091.AppendMethodFrame(nil, channel, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func deliveryFrames(t testing.TB, tag uint64, body []byte, frameMax uint32) []byte {
	t.Helper()
	b, err := wire.AppendDelivery(nil, leanChannel, &wire.Delivery{ConsumerTag: "ctag-1", DeliveryTag: tag,
		RoutingKey: "perf-q-0", Props: []byte{0x10, 0x00, 1}, Body: body}, frameMax)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// consumeScript runs a consumer over stream and returns what it got and
// the error that ended it.
func consumeScript(stream []byte, o Options) (bodies []string, sc *scriptConn, err error) {
	sc = &scriptConn{r: bytes.NewReader(stream)}
	c := &leanConn{nc: sc, r: wire.NewFrameReaderSize(sc, leanBufSize), frameMax: 4096}
	c.r.SetMaxFrameSize(c.frameMax)
	err = newLeanConsumer(c, &o, func(b []byte) { bodies = append(bodies, string(b)) }).run()
	return bodies, sc, err
}

func TestLeanConsumerJoinsBodiesSplitAcrossFramesAndAcksEveryNthInOneWrite(t *testing.T) {
	var stream []byte
	var want []string
	for tag := uint64(1); tag <= 7; tag++ {
		body := bytes.Repeat([]byte{byte('a' + tag)}, int(tag)*3000) // 3,000 to 21,000 bytes: 1 to 6 frames
		want = append(want, string(body))
		stream = append(stream, deliveryFrames(t, tag, body, 4096)...)
	}
	stream = append(stream, deliveryFrames(t, 8, nil, 4096)...)
	want = append(want, "")
	got, sc, err := consumeScript(stream, Options{MultiAck: 3})
	if !errors.Is(err, io.EOF) {
		t.Fatalf("consumer ended with %v, want EOF at the end of the stream", err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d bodies (lengths %v), want %d", len(got), lengths(got), len(want))
	}
	if len(sc.writes) != 1 {
		t.Fatalf("%d writes, want the acks of the read batch in one", len(sc.writes))
	}
	acks := describe(methodsIn(t, sc.writes[0]))
	wantAcks := describe([]wire.Method{&wire.BasicAck{DeliveryTag: 3, Multiple: true}, &wire.BasicAck{DeliveryTag: 6, Multiple: true}})
	if acks != wantAcks {
		t.Fatalf("acks %v, want %v", acks, wantAcks)
	}
}

// describe names each method with its fields, for comparing sequences.
func describe(ms []wire.Method) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, fmt.Sprintf("%s %+v", m.MethodName(), m))
	}
	return strings.Join(parts, "; ")
}

func lengths(s []string) []int {
	var n []int
	for _, x := range s {
		n = append(n, len(x))
	}
	return n
}

func TestLeanConsumerWithMultiAckOneAcksEachMessageSingly(t *testing.T) {
	var stream []byte
	for tag := uint64(1); tag <= 3; tag++ {
		stream = append(stream, deliveryFrames(t, tag, []byte("hello"), 4096)...)
	}
	_, sc, _ := consumeScript(stream, Options{MultiAck: 1})
	var all []byte
	for _, w := range sc.writes {
		all = append(all, w...)
	}
	got := describe(methodsIn(t, all))
	want := describe([]wire.Method{&wire.BasicAck{DeliveryTag: 1}, &wire.BasicAck{DeliveryTag: 2}, &wire.BasicAck{DeliveryTag: 3}})
	if got != want {
		t.Fatalf("acks %s, want %s", got, want)
	}
}

func TestLeanNoAckConsumerWritesNothing(t *testing.T) {
	stream := append(deliveryFrames(t, 1, []byte("x"), 4096), deliveryFrames(t, 2, []byte("y"), 4096)...)
	got, sc, _ := consumeScript(stream, Options{AutoAck: true, MultiAck: 1})
	if !slices.Equal(got, []string{"x", "y"}) || len(sc.writes) != 0 {
		t.Fatalf("bodies %q, %d writes; want [x y] and none", got, len(sc.writes))
	}
}

func TestLeanConsumerRejectsBrokenOrUnexpectedFrames(t *testing.T) {
	d := deliveryFrames(t, 1, []byte("body!"), 4096)
	// d holds the deliver method frame (its payload: 4 ids, tag "ctag-1",
	// 8-byte tag, bits, "", "perf-q-0"), the header and one body frame.
	deliverLen := 7 + 4 + 7 + 8 + 1 + 1 + 9 + 1
	header, body := d[deliverLen:len(d)-13], d[len(d)-13:]
	badEnd := slices.Clone(d)
	badEnd[deliverLen-1] = 0xcd
	onChannel2 := slices.Clone(header)
	onChannel2[2] = 2
	overrun := wire.AppendContentHeaderFrame(nil, leanChannel, 60, 3, []byte{0, 0})
	overrun = append(d[:deliverLen:deliverLen], append(overrun, body...)...)
	for _, tc := range []struct {
		name   string
		stream []byte
		want   string
	}{
		{"body frame with no delivery", body, "content frame (type 3) without a basic.deliver"},
		{"wrong frame-end octet", badEnd, "frame-end octet is 0xcd"},
		{"header on an unopened channel", append(d[:deliverLen:deliverLen], onChannel2...), "channel 2, which was not opened"},
		{"body longer than announced", overrun, "overruns its announced 3 bytes (5)"},
		{"method between header and body", append(d[:len(d)-13:len(d)-13], methodFrame(t, 1, &wire.BasicQosOK{})...), "frame type 1 inside the body of delivery 1"},
		{"unexpected method", methodFrame(t, 1, &wire.BasicQosOK{}), "unexpected basic.qos-ok on channel 1 at a consumer"},
		{"broker cancels the consumer", methodFrame(t, 1, &wire.BasicCancel{ConsumerTag: "ctag-1"}), "consumer cancelled by broker"},
		{"header of another class", append(d[:deliverLen:deliverLen], wire.AppendContentHeaderFrame(nil, leanChannel, 50, 0, []byte{0, 0})...), "has class 50, not basic"},
		{"undecodable method", methodFrame(t, 1, &wire.BasicDeliver{ConsumerTag: "x"})[:12], "read: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := consumeScript(tc.stream, Options{AutoAck: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLeanConsumerAnswersTheBrokersChannelCloseAndReturnsItsReason(t *testing.T) {
	stream := append(deliveryFrames(t, 1, []byte("x"), 4096),
		methodFrame(t, 1, &wire.ChannelClose{ReplyCode: 404, ReplyText: "NOT_FOUND - no queue 'q'", FailingClassID: 60, FailingMethodID: 20})...)
	got, sc, err := consumeScript(stream, Options{AutoAck: true})
	var bc *brokerClose
	if !errors.As(err, &bc) || bc.code != 404 || bc.connection {
		t.Fatalf("error %v, want the channel.close 404", err)
	}
	if want := "channel closed by broker: 404 NOT_FOUND - no queue 'q' (failing method 60/20)"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
	if !slices.Equal(got, []string{"x"}) {
		t.Errorf("bodies %q, want the delivery before the close", got)
	}
	if len(sc.writes) != 1 || describe(methodsIn(t, sc.writes[0])) != "channel.close-ok &{}" {
		t.Errorf("writes %q, want one channel.close-ok", sc.writes)
	}
}

func TestScanDeliverReadsTheTagOnlyFromWellFormedDeliverPayloads(t *testing.T) {
	payload := func(m wire.Method) []byte { f := methodFrame(t, 1, m); return f[7 : len(f)-1] }
	p := payload(&wire.BasicDeliver{ConsumerTag: "c", DeliveryTag: 1<<40 + 5, Redelivered: true, Exchange: "ex", RoutingKey: "rk"})
	if tag, ok := scanDeliver(p); !ok || tag != 1<<40+5 {
		t.Fatalf("scanDeliver = %d, %v; want %d, true", tag, ok, uint64(1<<40+5))
	}
	for name, bad := range map[string][]byte{
		"basic.ack":        payload(&wire.BasicAck{DeliveryTag: 1}),
		"truncated":        p[:len(p)-1],
		"trailing byte":    append(slices.Clone(p), 0),
		"empty":            nil,
		"only the ids":     p[:4],
		"tag cut short":    p[:10],
		"routing key lost": p[:len(p)-3],
	} {
		if tag, ok := scanDeliver(bad); ok {
			t.Errorf("%s: scanDeliver accepted it (tag %d)", name, tag)
		}
	}
}

func TestConfirmTrackerCountsEachPublishOnceWhateverTheAckOrder(t *testing.T) {
	var tr confirmTracker
	steps := []struct {
		tag      uint64
		multiple bool
		want     uint64
	}{
		{3, false, 1}, // out of order: 3 alone
		{3, false, 0}, // repeated
		{2, true, 2},  // 1 and 2; 3 was settled already
		{5, false, 1},
		{4, false, 1}, // fills the gap, low moves past 5
		{5, true, 0},  // nothing left up to 5
		{9, true, 4},  // 6..9
		{1, true, 0},  // old
		{99, true, 1}, // clamped to the last written publish, 10
		{11, false, 0},
	}
	for i, s := range steps {
		if got := tr.settle(s.tag, s.multiple, 10); got != s.want {
			t.Fatalf("step %d: settle(%d, multiple=%v) = %d, want %d", i, s.tag, s.multiple, got, s.want)
		}
	}
	if len(tr.done) != 0 || tr.low != 11 {
		t.Fatalf("tracker left low=%d done=%v, want 11 and empty", tr.low, tr.done)
	}
}

// pipeServer is the broker end of a net.Pipe to a publisher.
func pipePublisher(t *testing.T, o *Options, sent func()) (*leanPublisher, net.Conn) {
	t.Helper()
	client, server := net.Pipe()
	t.Cleanup(func() { client.Close(); server.Close() })
	c := &leanConn{nc: client, r: wire.NewFrameReaderSize(client, leanBufSize), frameMax: 4096}
	if o.QueuePrefix == "" {
		o.QueuePrefix, o.Queues, o.MultiAck = "perf-q", 1, 1
	}
	return newLeanPublisher(c, o, 0, sent), server
}

// publishesIn reads n publishes (method, header, body) from r.
func publishesIn(t *testing.T, r *wire.FrameReader, n int) (keys, bodies []string, modes []uint8) {
	t.Helper()
	for range n {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("read publish: %v", err)
		}
		m, err := wire.AMQP091.DecodeMethod(f.Payload)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		pub, ok := m.(*wire.BasicPublish)
		if !ok || f.Channel != leanChannel {
			t.Fatalf("got %s on channel %d, want basic.publish on 1", m.MethodName(), f.Channel)
		}
		f, err = r.ReadFrame()
		if err != nil || f.Type != wire.FrameHeader {
			t.Fatalf("header: %+v %v", f, err)
		}
		h, _ := wire.ParseContentHeader(f.Payload)
		props, err := wire.DecodeProperties(h.RawProps)
		if err != nil {
			t.Fatal(err)
		}
		var body []byte
		for uint64(len(body)) < h.BodySize {
			f, err = r.ReadFrame()
			if err != nil || f.Type != wire.FrameBody {
				t.Fatalf("body: %+v %v", f, err)
			}
			body = append(body, f.Payload...)
		}
		keys, bodies, modes = append(keys, pub.Exchange+"/"+pub.RoutingKey), append(bodies, string(body)), append(modes, props.DeliveryMode)
	}
	return keys, bodies, modes
}

func TestLeanProducerHoldsPublishesWhileTheConnectionIsBlocked(t *testing.T) {
	var sent int
	p, server := pipePublisher(t, &Options{Count: 3, Persistent: true}, func() { sent++ })
	go p.read()
	if _, err := server.Write(methodFrame(t, 0, &wire.ConnectionBlocked{Reason: "low on memory"})); err != nil {
		t.Fatal(err)
	}
	// The pipe hands this over only once the reader came back for more,
	// that is after it handled connection.blocked.
	if _, err := server.Write(wire.AppendHeartbeat(nil)); err != nil {
		t.Fatal(err)
	}
	msgs := []string{"one", "two", "three"}
	done := make(chan error, 1)
	go func() {
		i := 0
		done <- p.run(context.Background(), func() []byte { i++; return []byte(msgs[i-1]) })
	}()
	r := wire.NewFrameReader(server)
	_ = server.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if f, err := r.ReadFrame(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read %+v, %v while blocked; want nothing", f, err)
	}
	_ = server.SetReadDeadline(time.Time{})
	if _, err := server.Write(methodFrame(t, 0, &wire.ConnectionUnblocked{})); err != nil {
		t.Fatal(err)
	}
	keys, bodies, modes := publishesIn(t, r, 3)
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !slices.Equal(bodies, msgs) || !slices.Equal(keys, []string{"/perf-q-0", "/perf-q-0", "/perf-q-0"}) || !slices.Equal(modes, []uint8{2, 2, 2}) {
		t.Fatalf("publishes %q to %q with delivery modes %v; want %q to /perf-q-0, mode 2", bodies, keys, modes, msgs)
	}
	if sent != 3 {
		t.Errorf("sent() called %d times, want 3", sent)
	}
}

func TestLeanProducerWaitsForConfirmsAndCountsOnlyAcks(t *testing.T) {
	var mu sync.Mutex
	sent := 0
	p, server := pipePublisher(t, &Options{Count: 4, Confirm: 2}, func() { mu.Lock(); sent++; mu.Unlock() })
	go p.read()
	done := make(chan error, 1)
	go func() { done <- p.run(context.Background(), func() []byte { return []byte("m") }) }()
	r := wire.NewFrameReader(server)
	// The window of 2 lets exactly 2 out before any confirm.
	publishesIn(t, r, 2)
	_ = server.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if f, err := r.ReadFrame(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read %+v, %v with the window full; want nothing", f, err)
	}
	_ = server.SetReadDeadline(time.Time{})
	server.Write(methodFrame(t, 1, &wire.BasicNack{DeliveryTag: 1}))
	publishesIn(t, r, 1)
	server.Write(methodFrame(t, 1, &wire.BasicAck{DeliveryTag: 2}))
	publishesIn(t, r, 1)
	server.Write(methodFrame(t, 1, &wire.BasicAck{DeliveryTag: 4, Multiple: true}))
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if sent != 3 || p.acks.Load() != 3 || p.nacks.Load() != 1 {
		t.Fatalf("sent %d, acks %d, nacks %d; want 3, 3, 1", sent, p.acks.Load(), p.nacks.Load())
	}
}

// countingConn accepts writes and counts them; reads wait for Close.
type countingConn struct {
	scriptConn
	closed chan struct{}
	once   sync.Once
}

func (c *countingConn) Read([]byte) (int, error) { <-c.closed; return 0, io.EOF }
func (c *countingConn) Close() error             { c.once.Do(func() { close(c.closed) }); return nil }

func TestLeanFlatOutProducerBatchesManyPublishesPerWrite(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rate      int
		maxWrites int
	}{
		// 20,000 publishes of ~80 bytes are ~1.6 MB: about 25 buffers.
		{"flat out", 0, 20000 / 50},
		// A fixed-rate run sends every message at once.
		{"fixed rate", 1000, 20000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := &countingConn{closed: make(chan struct{})}
			c := &leanConn{nc: cc, r: wire.NewFrameReader(cc), frameMax: 131072}
			o := &Options{Count: 20000, Rate: tc.rate, QueuePrefix: "perf-q", Queues: 1}
			n := 0
			p := newLeanPublisher(c, o, 0, func() { n++ })
			go p.read()
			defer func() { cc.Close(); <-p.readDone }()
			body := make([]byte, 16)
			if err := p.run(context.Background(), func() []byte { return body }); err != nil {
				t.Fatal(err)
			}
			if n != 20000 {
				t.Fatalf("sent() %d times, want 20000", n)
			}
			w := len(cc.writes)
			if w > tc.maxWrites || (tc.rate > 0 && w != 20000) {
				t.Fatalf("%d writes for 20,000 publishes, want at most %d (exactly 20,000 at a fixed rate)", w, tc.maxWrites)
			}
			for i, b := range cc.writes[:w-1] {
				if tc.rate == 0 && len(b) > leanBufSize+200 {
					t.Fatalf("write %d is %d bytes, over the %d-byte buffer plus one publish", i, len(b), leanBufSize)
				}
			}
		})
	}
}

// BenchmarkLeanConsumerDelivery measures the consumer's share of one
// 16-byte delivery: frame parsing, assembly and the multiple ack.
func BenchmarkLeanConsumerDelivery(b *testing.B) {
	var batch []byte
	const perBatch = 1000
	for tag := uint64(1); tag <= perBatch; tag++ {
		batch = append(batch, deliveryFrames(b, tag, make([]byte, 16), 131072)...)
	}
	rd := bytes.NewReader(batch)
	sc := &scriptConn{r: rd}
	c := &leanConn{nc: discardConn{sc}, r: wire.NewFrameReaderSize(sc, leanBufSize), frameMax: 131072}
	s := newLeanConsumer(c, &Options{MultiAck: 100}, func([]byte) {})
	b.ReportAllocs()
	b.SetBytes(int64(len(batch) / perBatch))
	for i := 0; i < b.N; i++ {
		if i%perBatch == 0 {
			rd.Reset(batch)
		}
		for d := s.delivered; s.delivered == d; {
			f, err := c.r.ReadFrame()
			if err != nil {
				b.Fatal(err)
			}
			if err := s.frame(f); err != nil {
				b.Fatal(err)
			}
		}
		if len(s.acks) > 0 && c.r.Buffered() == 0 {
			if err := s.flushAcks(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// discardConn drops writes, for benchmarks that would otherwise keep
// them all.
type discardConn struct{ *scriptConn }

func (discardConn) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkLeanPublisherEncode measures the producer's share of one
// 16-byte publish: encoding into the batch and its part of a write.
func BenchmarkLeanPublisherEncode(b *testing.B) {
	sc := &scriptConn{r: bytes.NewReader(nil)}
	c := &leanConn{nc: discardConn{sc}, r: wire.NewFrameReader(sc), frameMax: 131072}
	p := newLeanPublisher(c, &Options{QueuePrefix: "perf-q", Queues: 1}, 0, func() {})
	body := make([]byte, 16)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := p.encode(body); err != nil {
			b.Fatal(err)
		}
		if len(p.buf) >= leanBufSize {
			if err := p.flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
