package openwire

import (
	"context"
	"fmt"
)

// Browser looks at the messages of a queue without consuming them
// (a JMS QueueBrowser).
type Browser struct {
	c *Consumer
}

// CreateBrowser starts browsing queue; Selector narrows it.
func (s *Session) CreateBrowser(ctx context.Context, queue Destination, opts ...ConsumerOption) (*Browser, error) {
	if queue.IsTopic() {
		return nil, fmt.Errorf("browse %v: only queues can be browsed", queue)
	}
	c, err := s.subscribe(ctx, queue, "", true, s.conn.o.prefetch.Browser, opts)
	if err != nil {
		return nil, fmt.Errorf("browse: %w", err)
	}
	return &Browser{c: c}, nil
}

// Next returns the next message of the snapshot, or io.EOF after the
// last one.
func (b *Browser) Next(ctx context.Context) (*Message, error) {
	return b.c.receive(ctx, nil)
}

// Close ends the browse.
func (b *Browser) Close() error { return b.c.Close() }
