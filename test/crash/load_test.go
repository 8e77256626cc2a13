package crash

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The load: producers publish persistent messages with publisher confirms
// (or, one of them, in AMQP transactions) to durable queues, and one
// consumer per queue acknowledges them (plain acks on even queues,
// transactional acks on odd ones). Producer p publishes to queue p, and
// every eighth message to a fanout exchange bound to every queue, so that
// some stored messages have several references.
const (
	producers = 4
	window    = 64 // unconfirmed messages in flight per producer
	prefetch  = 50
	fanout    = "crash.fanout"
)

func queueName(i int) string { return fmt.Sprintf("crash.q%d", i) }

func allQueues() []string {
	qs := make([]string, producers)
	for i := range qs {
		qs[i] = queueName(i)
	}
	return qs
}

// dial connects with a bounded handshake; the broker may be killed at any
// moment, so nothing may wait on it forever.
func dial(url string) (*amqp.Connection, error) {
	return amqp.DialConfig(url, amqp.Config{Dial: func(network, addr string) (net.Conn, error) {
		c, err := net.DialTimeout(network, addr, 5*time.Second)
		if err != nil {
			return nil, err
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		return c, nil
	}})
}

// declareTopology declares the durable queues and the fanout exchange.
func declareTopology(url string) error {
	conn, err := dial(url)
	if err != nil {
		return fmt.Errorf("declare topology: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("declare topology: %w", err)
	}
	if err := ch.ExchangeDeclare(fanout, "fanout", true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare %s: %w", fanout, err)
	}
	for _, q := range allQueues() {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare %s: %w", q, err)
		}
		if err := ch.QueueBind(q, "", fanout, false, nil); err != nil {
			return fmt.Errorf("bind %s: %w", q, err)
		}
	}
	return nil
}

// targets is where a message goes and how it is published.
func targets(k msgKey) (exchange, key string, queues []string) {
	if k.seq%8 == 7 {
		return fanout, "", allQueues()
	}
	q := queueName(k.producer)
	return "", q, []string{q}
}

func publishing(k msgKey) amqp.Publishing {
	return amqp.Publishing{
		DeliveryMode: amqp.Persistent,
		MessageId:    k.String(),
		Headers:      amqp.Table{"id": k.String()},
		Body:         bodyFor(k),
	}
}

// load runs producers and consumers until the broker dies (or ctx ends).
// It never fails: connection errors are how a kill shows up.
type load struct {
	url    string
	ledger *ledger
	round  int
	wg     sync.WaitGroup
	// published counts publishes, so the test can wait for some traffic.
	mu        sync.Mutex
	published int
}

func startLoad(ctx context.Context, url string, l *ledger, round int, seed uint64) *load {
	ld := &load{url: url, ledger: l, round: round}
	for p := 0; p < producers; p++ {
		ld.wg.Add(1)
		r := rand.New(rand.NewPCG(seed, uint64(p)))
		if p == producers-1 {
			go ld.txProducer(ctx, p, r)
		} else {
			go ld.producer(ctx, p)
		}
	}
	for i := 0; i < producers; i++ {
		ld.wg.Add(1)
		go ld.consumer(ctx, queueName(i), i%2 == 1, rand.New(rand.NewPCG(seed, uint64(100+i))))
	}
	return ld
}

func (ld *load) wait() { ld.wg.Wait() }

func (ld *load) count() int {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return ld.published
}

// producer publishes with confirms, at most window unconfirmed.
func (ld *load) producer(ctx context.Context, p int) {
	defer ld.wg.Done()
	conn, err := dial(ld.url)
	if err != nil {
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return
	}
	if err := ch.Confirm(false); err != nil {
		return
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, window+1))
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	slots := make(chan struct{}, window)
	var mu sync.Mutex
	pending := map[uint64]msgKey{}
	// Every confirm that arrived is in the ledger before the producer
	// counts as stopped (the connection's end closes confirms).
	read := make(chan struct{})
	defer func() { <-read }()
	defer conn.Close()
	go func() {
		defer close(read)
		// Confirms arrive in delivery-tag order, multiple ones expanded.
		for c := range confirms {
			mu.Lock()
			k, ok := pending[c.DeliveryTag]
			delete(pending, c.DeliveryTag)
			mu.Unlock()
			if ok {
				ld.ledger.confirmed(c.Ack, k)
			}
			<-slots
		}
	}()
	for seq := 0; ; seq++ {
		select {
		case slots <- struct{}{}:
		case <-closed:
			return
		case <-ctx.Done():
			return
		}
		k := msgKey{ld.round, p, seq}
		exchange, key, qs := targets(k)
		tag := ch.GetNextPublishSeqNo()
		mu.Lock()
		pending[tag] = k
		mu.Unlock()
		ld.ledger.published(k, qs, time.Now())
		if err := ch.PublishWithContext(ctx, exchange, key, false, false, publishing(k)); err != nil {
			return
		}
		ld.mu.Lock()
		ld.published++
		ld.mu.Unlock()
	}
}

// txProducer publishes in AMQP transactions of 1 to 10 messages; a
// commit-ok confirms the batch.
func (ld *load) txProducer(ctx context.Context, p int, r *rand.Rand) {
	defer ld.wg.Done()
	conn, err := dial(ld.url)
	if err != nil {
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return
	}
	if err := ch.Tx(); err != nil {
		return
	}
	for seq := 0; ctx.Err() == nil; {
		n := 1 + r.IntN(10)
		var batch []msgKey
		for i := 0; i < n; i++ {
			k := msgKey{ld.round, p, seq}
			seq++
			exchange, key, qs := targets(k)
			ld.ledger.published(k, qs, time.Now())
			if err := ch.PublishWithContext(ctx, exchange, key, false, false, publishing(k)); err != nil {
				return
			}
			batch = append(batch, k)
		}
		at := time.Now()
		if err := ch.TxCommit(); err != nil {
			return
		}
		ld.ledger.confirmed(true, batch...)
		ld.ledger.synced(at, fmt.Sprintf("tx commit of p%d up to %s", p, batch[len(batch)-1]))
		ld.mu.Lock()
		ld.published += n
		ld.mu.Unlock()
	}
}

// consumer acknowledges every delivery of one queue, now and then pausing
// so that a backlog builds up. With tx, acks are committed in batches of 1
// to 20 and a commit-ok makes them durable.
func (ld *load) consumer(ctx context.Context, q string, tx bool, r *rand.Rand) {
	defer ld.wg.Done()
	conn, err := dial(ld.url)
	if err != nil {
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return
	}
	if err := ch.Qos(prefetch, 0, false); err != nil {
		return
	}
	if tx {
		if err := ch.Tx(); err != nil {
			return
		}
	}
	ds, err := ch.Consume(q, "", false, false, false, false, nil)
	if err != nil {
		return
	}
	var batch []msgKey
	limit := 1 + r.IntN(20)
	for {
		var d amqp.Delivery
		var ok bool
		select {
		case d, ok = <-ds:
		case <-ctx.Done():
			return
		}
		if !ok {
			return
		}
		id, _ := d.Headers["id"].(string)
		k, ackable := ld.ledger.delivered(q, id, d.Body, d.Redelivered, time.Now())
		if !ackable {
			continue
		}
		if r.IntN(200) == 0 {
			time.Sleep(time.Duration(r.IntN(150)) * time.Millisecond)
		}
		if !tx {
			ld.ledger.acked(q, false, k)
			if d.Ack(false) != nil {
				return
			}
			continue
		}
		// A transactional ack does nothing until its commit: only the
		// commit makes the message possibly gone.
		if d.Ack(false) != nil {
			return
		}
		batch = append(batch, k)
		if len(batch) >= limit {
			ld.ledger.acked(q, false, batch...)
			at := time.Now()
			if ch.TxCommit() != nil {
				return
			}
			ld.ledger.acked(q, true, batch...)
			ld.ledger.synced(at, "tx commit of the acks of "+q+" up to "+batch[len(batch)-1].String())
			batch, limit = batch[:0], 1+r.IntN(20)
		}
	}
}
