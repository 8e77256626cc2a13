package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-stomp/stomp/v3"
)

// fillSTOMP queues count persistent messages of size bytes on /queue/queue
// over producers connections, in transactions of batch messages each
// committed with a receipt. ActiveMQ stores a transaction with one journal
// sync, where a receipt per SEND costs one sync each (under 1,000 msgs/s
// here, against tens of thousands), and the receipt of the last commit
// says every message before it is stored. It returns messages per second.
func fillSTOMP(ctx context.Context, addr, queue string, count, size, producers, batch int) (float64, error) {
	body := make([]byte, size)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, producers)
	start := time.Now()
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fillOne(ctx, addr, "/queue/"+queue, body, int64(count), batch, &next); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(count) / time.Since(start).Seconds(), nil
}

func fillOne(ctx context.Context, addr, dest string, body []byte, count int64, batch int, next *atomic.Int64) error {
	conn, err := stomp.Dial("tcp", addr, stomp.ConnOpt.Login("guest", "guest"),
		stomp.ConnOpt.HeartBeat(0, 0), stomp.ConnOpt.Logger(quietLogger{}))
	if err != nil {
		return fmt.Errorf("fill: connect %s: %w", addr, err)
	}
	defer conn.Disconnect()
	for ctx.Err() == nil {
		n := next.Add(int64(batch)) - int64(batch)
		if n >= count {
			return nil
		}
		tx, err := conn.BeginWithError()
		if err != nil {
			return fmt.Errorf("fill: begin: %w", err)
		}
		for i := n; i < min(n+int64(batch), count); i++ {
			if err := tx.Send(dest, "", body, stomp.SendOpt.Header("persistent", "true")); err != nil {
				return fmt.Errorf("fill: send %d: %w", i, err)
			}
		}
		if err := tx.CommitWithReceipt(); err != nil {
			return fmt.Errorf("fill: commit: %w", err)
		}
	}
	return ctx.Err()
}

// quietLogger drops go-stomp's log lines: closing a connection with an
// open subscription, as firstSTOMP does on purpose, logs an error.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any)   {}
func (quietLogger) Infof(string, ...any)    {}
func (quietLogger) Warningf(string, ...any) {}
func (quietLogger) Errorf(string, ...any)   {}
func (quietLogger) Debug(string)            {}
func (quietLogger) Info(string)             {}
func (quietLogger) Warning(string)          {}
func (quietLogger) Error(string)            {}
