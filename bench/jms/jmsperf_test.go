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
}

// runPerf runs JmsPerf against a fresh Junction for one second at a
// modest fixed rate, so that little is in flight when the counts are read.
func runPerf(t *testing.T, args ...string) (*servertest.Broker, summary) {
	t.Helper()
	env := perf.Env(t)
	b := servertest.Start(t, func(c *config.Config) { c.Listeners.OpenWire = "127.0.0.1:0" })
	addr := b.Addr("openwire")
	if addr == nil {
		t.Skip("this Junction build has no OpenWire listener")
	}
	full := append([]string{"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "JmsPerf",
		"-url", "tcp://" + addr.String(), "-duration", "1", "-rate", "2000", "-quiet"}, args...)
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
	var published uint64
	for i := range 2 {
		name := fmt.Sprintf("perf.spread.%d", i)
		q, ok := vh.Queue(name)
		if !ok {
			t.Fatalf("queue %s does not exist", name)
		}
		st := q.Stats()
		// Each queue has one producer at half the rate, about 1,000
		// messages, and its own consumer, which takes them all but any
		// that reach the broker after JmsPerf closed the consumers (it
		// closes them before the producers).
		if st.Published < 250 || st.Delivered+20 < st.Published {
			t.Errorf("queue %s: published %d, delivered %d; want at least 250, all delivered but a few", name, st.Published, st.Delivered)
		}
		published += st.Published
	}
	if published < uint64(s.Published) {
		t.Errorf("queues received %d messages, JmsPerf counted %d sent", published, s.Published)
	}
}

func TestTopicGivesEveryConsumerEveryMessage(t *testing.T) {
	t.Parallel()
	_, s := runPerf(t, "-topic", "-consumers", "3", "-queue", "perf.fan")
	if !s.Topic || s.Consumers != 3 {
		t.Errorf("summary says topic %v, consumers %d; want true, 3", s.Topic, s.Consumers)
	}
	// Every message sent reaches all three subscribers. The two counts are
	// read one after the other while messages flow, and a producer counts
	// a send after it returns, so they may be a few messages apart either
	// way; a queue instead of a topic would give about one copy each.
	if want := 3 * s.Published; s.Consumed < want-3*40 || s.Consumed > want+3*40 {
		t.Errorf("published %d, consumed %d; want within 120 of 3 × %d = %d",
			s.Published, s.Consumed, s.Published, want)
	}
}
