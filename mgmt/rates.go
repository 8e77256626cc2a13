package mgmt

import (
	"sync"
	"time"

	"github.com/junctionmq/junction/broker"
)

// rateTracker turns cumulative queue counters into the per-second rates of
// RabbitMQ's *_details objects. Rates are computed lazily, when a queue is
// listed: a queue's sample is replaced once it is older than rateWindow,
// and the rate is the change over that window, so nothing runs between
// requests.
type rateTracker struct {
	mu      sync.Mutex
	samples map[rateKey]*rateSample
}

type rateKey struct {
	q *broker.Queue
}

type rateSample struct {
	at    time.Time
	stats broker.QueueStats
	depth [3]int // messages, ready, unacked
	rates queueRates
}

// queueRates are per-second rates over the last window.
type queueRates struct {
	Publish, Deliver, Ack, Redeliver float64
	Messages, Ready, Unacked         float64
}

const rateWindow = 5 * time.Second

// observe records a queue's current figures and returns its rates.
func (t *rateTracker) observe(q *broker.Queue, st broker.QueueStats, depth [3]int, now time.Time) queueRates {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := rateKey{q}
	s := t.samples[k]
	if s == nil {
		if len(t.samples) > 100000 {
			// Queues come and go; forget everything rather than grow.
			clear(t.samples)
		}
		t.samples[k] = &rateSample{at: now, stats: st, depth: depth}
		return queueRates{}
	}
	dt := now.Sub(s.at).Seconds()
	if now.Sub(s.at) < rateWindow {
		return s.rates
	}
	per := func(cur, old uint64) float64 {
		if cur < old {
			return 0
		}
		return float64(cur-old) / dt
	}
	r := queueRates{
		Publish:   per(st.Published, s.stats.Published),
		Deliver:   per(st.Delivered, s.stats.Delivered),
		Ack:       per(st.Acked, s.stats.Acked),
		Redeliver: per(st.Redelivered, s.stats.Redelivered),
		Messages:  float64(depth[0]-s.depth[0]) / dt,
		Ready:     float64(depth[1]-s.depth[1]) / dt,
		Unacked:   float64(depth[2]-s.depth[2]) / dt,
	}
	*s = rateSample{at: now, stats: st, depth: depth, rates: r}
	return r
}

// forget drops samples of queues that no longer exist.
func (t *rateTracker) forget(alive map[*broker.Queue]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.samples {
		if !alive[k.q] {
			delete(t.samples, k)
		}
	}
}

// rate is RabbitMQ's {"rate": x} details object.
type rate struct {
	Rate float64 `json:"rate"`
}
