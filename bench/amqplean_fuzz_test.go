package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
	amqp "github.com/rabbitmq/amqp091-go"
)

// FuzzLeanConsumerFrames feeds arbitrary broker traffic to the consumer.
// It must end with an error (the stream runs out, if nothing else) and
// never panic; every body it hands out must be whole and its acks well
// formed. The seed corpus under testdata/fuzz holds deliveries captured
// from Junction and RabbitMQ (see TestCaptureLeanConsumerSeeds).
func FuzzLeanConsumerFrames(f *testing.F) {
	var stream []byte
	// Seeds stay small: the fuzzer minimises every new input, at a cost
	// that grows with its size.
	for tag, size := range []int{0, 16, 4200} {
		stream = append(stream, deliveryFrames(f, uint64(tag+1), bytes.Repeat([]byte{'z'}, size), 4096)...)
	}
	f.Add(stream, uint8(1), false)
	f.Add(stream, uint8(3), false)
	f.Add(stream, uint8(1), true)
	f.Add(append(deliveryFrames(f, 1, []byte("x"), 4096),
		methodFrame(f, 1, &wire.ChannelClose{ReplyCode: 404, ReplyText: "gone"})...), uint8(2), false)
	f.Add(append(methodFrame(f, 0, &wire.ConnectionBlocked{Reason: "mem"}), wire.AppendHeartbeat(nil)...), uint8(1), false)
	f.Fuzz(func(t *testing.T, data []byte, multiAck uint8, autoAck bool) {
		sc := &scriptConn{r: bytes.NewReader(data)}
		// Junction's and RabbitMQ's frame-max, as in the captured seeds.
		// Small buffers: allocating the client's 64 KiB per input made the
		// fuzzer's coverage flaky (GC emptying sync.Pools in between) and
		// stalled it.
		c := &leanConn{nc: sc, r: wire.NewFrameReaderSize(sc, 4096), frameMax: 131072}
		c.r.SetMaxFrameSize(c.frameMax)
		got := 0
		var tags []uint64 // of each delivery, in order
		var s *leanConsumer
		s = &leanConsumer{c: c, autoAck: autoAck, multiAck: max(int(multiAck), 1), got: func(b []byte) {
			got++
			tags = append(tags, s.tag)
			if s := len(b); s > len(data) {
				t.Fatalf("body of %d bytes from %d bytes of input", s, len(data))
			}
		}}
		err := s.run()
		if err == nil {
			t.Fatal("run returned nil at the end of the input")
		}
		if got != s.delivered {
			t.Fatalf("got %d bodies, consumer counted %d", got, s.delivered)
		}
		var out []byte
		for _, w := range sc.writes {
			out = append(out, w...)
		}
		r := wire.NewFrameReader(bytes.NewReader(out))
		var ackTags []uint64
		for {
			f, err := r.ReadFrame()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("the consumer wrote a broken frame: %v", err)
			}
			m, err := wire.AMQP091.DecodeMethod(f.Payload)
			if err != nil {
				t.Fatalf("the consumer wrote an undecodable method: %v", err)
			}
			switch m := m.(type) {
			case *wire.BasicAck:
				if autoAck || m.Multiple != (s.multiAck > 1) {
					t.Fatalf("ack %+v with autoAck=%v multiAck=%d", m, autoAck, s.multiAck)
				}
				ackTags = append(ackTags, m.DeliveryTag)
			case *wire.ChannelCloseOK, *wire.ConnectionCloseOK:
			default:
				t.Fatalf("the consumer wrote %s", m.MethodName())
			}
		}
		// The acks of a read batch go out before the next read; a batch
		// cut short by an error keeps its acks, so only a clean end of
		// input guarantees all of them.
		want := got / s.multiAck
		if autoAck {
			want = 0
		}
		if acks := len(ackTags); acks > want || (errors.Is(err, io.EOF) && acks != want) {
			t.Fatalf("%d acks for %d deliveries with multiAck %d ending in %v, want %d", acks, got, s.multiAck, err, want)
		}
		for i, tag := range ackTags {
			if want := tags[(i+1)*s.multiAck-1]; tag != want {
				t.Fatalf("ack %d names tag %d, want %d (delivery %d)", i, tag, want, (i+1)*s.multiAck)
			}
		}
	})
}

// FuzzScanDeliver checks the consumer's shortcut for basic.deliver
// against the codec: both must accept the same payloads and agree on the
// delivery tag.
func FuzzScanDeliver(f *testing.F) {
	for _, m := range []wire.Method{
		&wire.BasicDeliver{ConsumerTag: "amq.ctag-1", DeliveryTag: 77, Exchange: "ex", RoutingKey: "q"},
		&wire.BasicDeliver{DeliveryTag: 1<<63 + 1, Redelivered: true},
		&wire.BasicAck{DeliveryTag: 3},
	} {
		fr := methodFrame(f, 1, m)
		f.Add(fr[7 : len(fr)-1])
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		tag, ok := scanDeliver(p)
		m, err := wire.AMQP091.DecodeMethod(p)
		d, isDeliver := m.(*wire.BasicDeliver)
		switch {
		case ok && (err != nil || !isDeliver):
			t.Fatalf("scanDeliver accepted (tag %d) what the codec decodes as %v, %v", tag, m, err)
		case !ok && err == nil && isDeliver:
			t.Fatalf("scanDeliver refused a basic.deliver the codec decodes: %+v", d)
		case ok && d.DeliveryTag != tag:
			t.Fatalf("scanDeliver tag %d, codec %d", tag, d.DeliveryTag)
		}
	})
}

// TestCaptureLeanConsumerSeeds records what a real broker sends a lean
// consumer (deliveries of 0 B to 5,000 B, the last in two body frames, then the basic.cancel of a
// deleted queue) as a seed of FuzzLeanConsumerFrames. It runs only with
// AMQPLEAN_CAPTURE set to a seed name, against AMQPLEAN_TEST_URL or an
// in-process Junction:
//
//	AMQPLEAN_CAPTURE=junction go test -run TestCaptureLeanConsumerSeeds ./bench
//	AMQPLEAN_CAPTURE=rabbitmq AMQPLEAN_TEST_URL=amqp://guest:guest@127.0.0.1:5672/ go test  # node with frame_max = 4096 -run TestCaptureLeanConsumerSeeds ./bench
func TestCaptureLeanConsumerSeeds(t *testing.T) {
	name := os.Getenv("AMQPLEAN_CAPTURE")
	if name == "" {
		t.Skip("AMQPLEAN_CAPTURE not set")
	}
	// A small frame-max splits a 5,000-byte body over two frames and
	// keeps the seed small enough for the fuzzer to mutate and minimise
	// quickly; a RabbitMQ node needs frame_max = 4096 in its config.
	u := os.Getenv("AMQPLEAN_TEST_URL")
	if u == "" {
		u = servertest.Start(t, func(c *config.Config) { c.AMQP.FrameMax = 4096 }).AMQPURL()
	}
	const queue = "lean-capture"
	conn, err := amqp.Dial(u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(queue, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	o := &Options{URL: u}
	c, err := dialLean(o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.nc.Close()
	if _, err := leanRPC[*wire.BasicQosOK](c, &wire.BasicQos{PrefetchCount: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := leanRPC[*wire.BasicConsumeOK](c, &wire.BasicConsume{Queue: queue}); err != nil {
		t.Fatal(err)
	}
	if c.frameMax != 4096 {
		t.Fatalf("frame-max %d, want the broker configured for 4096", c.frameMax)
	}
	if c.r.Buffered() != 0 {
		t.Fatal("bytes after consume-ok before anything was published")
	}
	var captured bytes.Buffer
	c.r = wire.NewFrameReaderSize(io.TeeReader(c.nc, &captured), leanBufSize)
	c.r.SetMaxFrameSize(c.frameMax)
	sizes := []int{0, 16, 1024, 5000}
	delivered := make(chan struct{}, len(sizes))
	done := make(chan error, 1)
	go func() {
		done <- newLeanConsumer(c, &Options{MultiAck: 2}, func([]byte) { delivered <- struct{}{} }).run()
	}()
	for i, n := range sizes {
		err := ch.PublishWithContext(context.Background(), "", queue, false, false, amqp.Publishing{
			ContentType: "application/octet-stream", Headers: amqp.Table{"seq": int32(i)},
			DeliveryMode: amqp.Transient, Body: bytes.Repeat([]byte{byte('a' + i)}, n)})
		if err != nil {
			t.Fatal(err)
		}
	}
	for range sizes {
		select {
		case <-delivered:
		case <-time.After(10 * time.Second):
			t.Fatal("deliveries did not arrive")
		}
	}
	if _, err := ch.QueueDelete(queue, false, false, false); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, errConsumerCancelled) {
			t.Fatalf("consumer ended with %v, want the broker's basic.cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no basic.cancel after the queue was deleted")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzLeanConsumerFrames")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seed := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\nbyte('\\x02')\nbool(false)\n", strconv.Quote(captured.String()))
	if err := os.WriteFile(filepath.Join(dir, "capture-"+name), []byte(seed), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("captured %d bytes from %s", captured.Len(), u)
}
