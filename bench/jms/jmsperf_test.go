// Package jms holds the tests of JmsPerf, the JMS load generator that
// bench/compare runs over ActiveMQ's Java client: they run it against an
// in-process Junction and check where its messages went.
package jms

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
	"github.com/junctionmq/junction/test/javatest"
)

var perf = &javatest.Program{Name: "jms-bench-test", Sources: "*.java", Jars: javatest.BrokerJars,
	Runtime: []string{javatest.SLF4JSimple}}

// summary is the part of JmsPerf's JSON line these tests read.
type summary struct {
	Producers int  `json:"producers"`
	Consumers int  `json:"consumers"`
	Queues    int  `json:"queues"`
	Topic     bool `json:"topic"`
	Published int  `json:"published"`
	Consumed  int  `json:"consumed"`
	// The totals over the whole run, read after -drain has let the
	// consumers take what was still on its way.
	PublishedTotal int `json:"published_total"`
	ConsumedTotal  int `json:"consumed_total"`
}

// runPerf runs JmsPerf against a fresh Junction for one second at a
// modest fixed rate, with -drain, so that its totals count every message
// that arrived however far the consumers lagged on a busy machine.
func runPerf(t *testing.T, args ...string) (*servertest.Broker, summary) {
	t.Helper()
	env := perf.Env(t)
	b := servertest.Start(t, func(c *config.Config) { c.Listeners.OpenWire = "127.0.0.1:0" })
	addr := b.Addr("openwire")
	if addr == nil {
		t.Skip("this Junction build has no OpenWire listener")
	}
	full := append([]string{"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "JmsPerf",
		"-url", "tcp://" + addr.String(), "-duration", "1", "-rate", "2000", "-drain", "-quiet"}, args...)
	cmd := env.Command(full...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("JmsPerf %q: %v\n%s%s", args, err, out, stderr)
	}
	var s summary
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("JmsPerf summary %q: %v", out, err)
	}
	if s.Published < 500 {
		t.Fatalf("JmsPerf published %d messages in 1 s at 2,000 msgs/s, want at least 500: %s", s.Published, out)
	}
	// The totals span the whole run, so they hold at least the window's
	// counts; a JmsPerf without them would make every comparison of totals
	// below hold trivially.
	if s.PublishedTotal < s.Published || s.ConsumedTotal < s.Consumed {
		t.Fatalf("JmsPerf totals published %d, consumed %d are below its window's %d and %d: %s",
			s.PublishedTotal, s.ConsumedTotal, s.Published, s.Consumed, out)
	}
	return b, s
}

func TestQueuesPutProducerAndConsumerIOnQueueIModN(t *testing.T) {
	t.Parallel()
	b, s := runPerf(t, "-producers", "2", "-consumers", "2", "-queues", "2", "-queue", "perf.spread")
	if s.Queues != 2 || s.Topic {
		t.Errorf("summary says queues %d, topic %v; want 2, false", s.Queues, s.Topic)
	}
	vh, _ := b.Broker().VHost("/")
	if _, ok := vh.Queue("perf.spread"); ok {
		t.Error("queue perf.spread exists; with -queues 2 only perf.spread.0 and perf.spread.1 should")
	}
	var published, delivered uint64
	for i := range 2 {
		name := fmt.Sprintf("perf.spread.%d", i)
		q, ok := vh.Queue(name)
		if !ok {
			t.Fatalf("queue %s does not exist", name)
		}
		st := q.Stats()
		// Each queue has one producer at half the rate, about 1,000
		// messages, and its own consumer, which takes them all.
		if st.Published < 250 || st.Delivered != st.Published {
			t.Errorf("queue %s: published %d, delivered %d; want at least 250, all delivered", name, st.Published, st.Delivered)
		}
		published += st.Published
		delivered += st.Delivered
	}
	if published != uint64(s.PublishedTotal) || delivered != uint64(s.ConsumedTotal) {
		t.Errorf("queues received %d messages and delivered %d; JmsPerf counted %d sent and %d received",
			published, delivered, s.PublishedTotal, s.ConsumedTotal)
	}
}

func TestTopicGivesEveryConsumerEveryMessage(t *testing.T) {
	t.Parallel()
	_, s := runPerf(t, "-topic", "-consumers", "3", "-queue", "perf.fan")
	if !s.Topic || s.Consumers != 3 {
		t.Errorf("summary says topic %v, consumers %d; want true, 3", s.Topic, s.Consumers)
	}
	// Every message sent reaches all three subscribers; a queue instead of
	// a topic would give one copy of each.
	if want := 3 * s.PublishedTotal; s.ConsumedTotal != want {
		t.Errorf("published %d in all, consumed %d; want 3 × %d = %d",
			s.PublishedTotal, s.ConsumedTotal, s.PublishedTotal, want)
	}
}
