// Command fill publishes persistent messages into a durable AMQP queue and
// leaves them there (junction-perf deletes its queues when it ends): the
// backlog that the persistence benchmarks restart a broker with.
//
//	go run ./bench/persist/fill -uri amqp://guest:guest@127.0.0.1:5672/ -count 1000000 -size 1024
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func main() {
	uri := flag.String("uri", "amqp://guest:guest@127.0.0.1:5672/", "broker URI")
	queue := flag.String("queue", "persist-backlog", "durable queue to fill")
	count := flag.Int("count", 1000000, "messages in total")
	size := flag.Int("size", 1024, "body bytes")
	producers := flag.Int("producers", 4, "connections publishing in parallel")
	inflight := flag.Int("inflight", 500, "unconfirmed messages per producer")
	flag.Parse()
	if err := run(*uri, *queue, *count, *size, *producers, *inflight); err != nil {
		fmt.Fprintln(os.Stderr, "fill:", err)
		os.Exit(1)
	}
}

func run(uri, queue string, count, size, producers, inflight int) error {
	conn, err := amqp.Dial(uri)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("channel: %w", err)
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare %s: %w", queue, err)
	}
	conn.Close()

	body := make([]byte, size)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, producers)
	start := time.Now()
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := produce(uri, queue, body, int64(count), inflight, &next); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	fmt.Printf("{\"queue\":%q,\"messages\":%d,\"size\":%d,\"seconds\":%.1f,\"msgs_per_sec\":%.0f}\n", queue, count, size, secs, float64(count)/secs)
	return nil
}

// produce publishes until next reaches count, every message confirmed.
func produce(uri, queue string, body []byte, count int64, inflight int, next *atomic.Int64) error {
	conn, err := amqp.Dial(uri)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("channel: %w", err)
	}
	if err := ch.Confirm(false); err != nil {
		return fmt.Errorf("confirm.select: %w", err)
	}
	var pending []*amqp.DeferredConfirmation
	wait := func(keep int) error {
		for len(pending) > keep {
			if ok, err := pending[0].WaitContext(context.Background()); err != nil || !ok {
				return fmt.Errorf("publish not confirmed (%v)", err)
			}
			pending = pending[1:]
		}
		return nil
	}
	msg := amqp.Publishing{DeliveryMode: amqp.Persistent, Body: body}
	for next.Add(1) <= count {
		dc, err := ch.PublishWithDeferredConfirm("", queue, false, false, msg)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		pending = append(pending, dc)
		if err := wait(inflight - 1); err != nil {
			return err
		}
	}
	return wait(0)
}
