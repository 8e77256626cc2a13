package server_test

import (
	"context"
	"fmt"
	"log/slog"

	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/server"
	"github.com/junctionmq/junction/store/journal"
)

// startStoreServer starts a broker with cfg's [store] settings on a fresh
// data directory, AMQP only, and returns it with a confirming channel.
func startStoreServer(t *testing.T, st config.Store) (*server.Server, *amqp.Channel) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Listeners = config.Listeners{AMQP: "127.0.0.1:0"}
	cfg.Store = st
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	conn, err := amqp.Dial(fmt.Sprintf("amqp://guest:guest@%s/", srv.Addr("amqp")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare("durable-q", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	return srv, ch
}

// publishPaced publishes n persistent messages gap apart without waiting,
// then waits for every confirm and fails on a nack.
func publishPaced(t *testing.T, ch *amqp.Channel, n, size int, gap time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pending := make([]*amqp.DeferredConfirmation, 0, n)
	body := make([]byte, size)
	for i := range n {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", "durable-q", false, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body})
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		pending = append(pending, dc)
		time.Sleep(gap)
	}
	for i, dc := range pending {
		ok, err := dc.WaitContext(ctx)
		if err != nil || !ok {
			t.Fatalf("confirm %d: ok=%v err=%v", i, ok, err)
		}
	}
}

func TestStoreSyncIntervalBatchesFsyncsAndStillConfirmsEveryMessage(t *testing.T) {
	srv, ch := startStoreServer(t, config.Store{Sync: config.Sync{Interval: 200 * time.Millisecond}})
	before := srv.Broker().Store().Stats().Journal.Fsyncs
	start := time.Now()
	// 100 publishes 10 ms apart: with sync "always" each would get an fsync of
	// its own; at most one per 200 ms they share about six.
	publishPaced(t, ch, 100, 64, 10*time.Millisecond)
	elapsed := time.Since(start)
	fsyncs := srv.Broker().Store().Stats().Journal.Fsyncs - before
	if limit := uint64(elapsed/(200*time.Millisecond)) + 3; fsyncs > limit {
		t.Fatalf("%d fsyncs in %v with sync every 200ms, want at most %d", fsyncs, elapsed, limit)
	}
	if fsyncs == 0 {
		t.Fatal("no fsync covered the confirmed messages")
	}
	if got := srv.Broker().Store().Stats().Refs; got != 100 {
		t.Fatalf("store holds %d queued messages, want 100", got)
	}
}

func TestStoreSegmentSizeSetsTheJournalFileSize(t *testing.T) {
	srv, ch := startStoreServer(t, config.Store{SegmentSize: 1 << 20})
	// 3.2 MB of bodies cannot fit in fewer than four 1 MiB segments.
	publishPaced(t, ch, 50, 64<<10, 0)
	if n := srv.Broker().Store().Stats().Journal.Segments; n < 4 {
		t.Fatalf("%d journal segments after 3.2 MB with segment_size 1MiB, want at least 4", n)
	}
}

// publishToAckingConsumer attaches a consumer that acks each delivery at
// once, then publishes n persistent messages one at a time (each waits for
// its confirm, so the queue is empty and the consumer waiting whenever a
// message arrives) and returns the journal's counters before and after.
func publishToAckingConsumer(t *testing.T, srv *server.Server, ch *amqp.Channel, n int) (before, after journal.Stats) {
	t.Helper()
	conn, err := amqp.Dial(fmt.Sprintf("amqp://guest:guest@%s/", srv.Addr("amqp")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	cch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	deliveries, err := cch.Consume("durable-q", "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for d := range deliveries {
			d.Ack(false)
		}
	}()
	before = srv.Broker().Store().Stats().Journal
	for range n {
		publishPaced(t, ch, 1, 64, 0)
	}
	st := srv.Broker().Store().Stats()
	if st.Refs != 0 {
		t.Fatalf("store still references %d messages after their acks, want none", st.Refs)
	}
	return before, st.Journal
}

func TestPersistentMessagesAConsumerAcksAtOnceAreNeverWritten(t *testing.T) {
	// A long linger makes the outcome certain on a slow machine: every
	// message waits for its consumer's ack rather than for the disk.
	srv, ch := startStoreServer(t, config.Store{Linger: config.Duration{Duration: time.Second}})
	const n = 20
	before, after := publishToAckingConsumer(t, srv, ch, n)
	// Each message and the record of its delivery.
	if erased := after.Erased - before.Erased; erased != 2*n {
		t.Fatalf("%d records erased before reaching the disk, want %d: every message and its delivery record", erased, 2*n)
	}
	if fsyncs := after.Fsyncs - before.Fsyncs; fsyncs != 0 {
		t.Fatalf("%d fsyncs for messages that were consumed before reaching the disk, want none", fsyncs)
	}
}

func TestWithLingerOffEveryPersistentMessageIsWrittenEvenIfConsumedAtOnce(t *testing.T) {
	srv, ch := startStoreServer(t, config.Store{}) // linger 0: off
	const n = 10
	before, after := publishToAckingConsumer(t, srv, ch, n)
	if erased := after.Erased - before.Erased; erased != 0 {
		t.Fatalf("%d records erased with linger off, want none", erased)
	}
	if appends := after.Appends - before.Appends; appends < 2*n {
		t.Fatalf("%d journal appends for %d consumed messages, want at least a message and an ack record each", appends, n)
	}
}
