package mgmt

import (
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/servertest"
)

func scrape(t *testing.T, b *servertest.Broker, user, pass string) (int, map[string]*dto.MetricFamily) {
	t.Helper()
	req, err := http.NewRequest("GET", b.HTTPURL()+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return 200, fams
}

// value finds the sample of a family with the given labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	t.Helper()
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestMetricsReportQueueDepthAndCountersAfterPublishing(t *testing.T) {
	b := start(t, nil)
	g := guest(t, b)
	c := dial(t, b, "metrics")
	ch, err := c.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare("depth", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		g.must(200, "POST", "/api/exchanges/%2F/amq.default/publish", obj{"routing_key": "depth", "payload": "m", "payload_encoding": "string", "properties": obj{"delivery_mode": 2}})
	}
	g.must(200, "POST", "/api/queues/%2F/depth/get", obj{"count": 2, "ackmode": "ack_requeue_false", "encoding": "auto"})

	code, fams := scrape(t, b, "", "")
	if code != 200 {
		t.Fatalf("/metrics without credentials: %d, want 200 (open by default)", code)
	}
	want := []struct {
		name   string
		labels []string
		v      float64
	}{
		{"junction_queue_messages_ready", []string{"vhost", "/", "queue", "depth"}, 3},
		{"junction_queue_messages_unacked", []string{"vhost", "/", "queue", "depth"}, 0},
		{"junction_queue_consumers", []string{"vhost", "/", "queue", "depth"}, 0},
		{"junction_queue_messages_published_total", []string{"vhost", "/", "queue", "depth"}, 5},
		{"junction_queue_messages_delivered_total", []string{"vhost", "/", "queue", "depth"}, 2},
		{"junction_queue_messages_acked_total", []string{"vhost", "/", "queue", "depth"}, 2},
		{"junction_messages_ready", nil, 3},
		{"junction_queues", nil, 1},
		{"junction_connections", []string{"protocol", "amqp"}, 1},
		{"junction_connections", []string{"protocol", "stomp"}, 0},
		{"junction_channels", []string{"protocol", "amqp"}, 1},
		{"junction_alarm", []string{"resource", "memory"}, 0},
		{"junction_queue_series_dropped", nil, 0},
	}
	for _, w := range want {
		got, ok := value(t, fams, w.name, w.labels...)
		if !ok || got != w.v {
			t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.v)
		}
	}
	for _, name := range []string{"junction_memory_used_bytes", "junction_disk_free_bytes", "junction_journal_disk_bytes", "go_goroutines", "process_resident_memory_bytes"} {
		if v, ok := value(t, fams, name); !ok || v <= 0 {
			t.Errorf("%s = %v (present %v), want a positive value", name, v, ok)
		}
	}
	// Five persistent messages were stored, each with an fsync before
	// the publish answered.
	if n, ok := value(t, fams, "junction_journal_fsync_seconds"); !ok || n < 1 {
		t.Errorf("journal fsync histogram count = %v (present %v), want at least 1", n, ok)
	}
	if f := fams["junction_journal_fsync_seconds"]; f != nil && f.GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("junction_journal_fsync_seconds is a %v, want a histogram", f.GetType())
	}
}

func TestMetricsDropPerQueueSeriesAboveTheLabelBound(t *testing.T) {
	b := start(t, func(c *config.Config) { c.Metrics.MaxQueueLabels = 2 })
	g := guest(t, b)
	for _, q := range []string{"a", "b", "c"} {
		g.must(201, "PUT", "/api/queues/%2F/"+q, obj{"durable": false})
		g.must(200, "POST", "/api/exchanges/%2F/amq.default/publish", obj{"routing_key": q, "payload": "m", "payload_encoding": "string", "properties": obj{}})
	}
	_, fams := scrape(t, b, "", "")
	if f := fams["junction_queue_messages_ready"]; f != nil && len(f.Metric) > 0 {
		t.Fatalf("per-queue series exported for 3 queues with max_queue_labels 2: %v", f)
	}
	if v, _ := value(t, fams, "junction_messages_ready"); v != 3 {
		t.Fatalf("junction_messages_ready = %v, want 3", v)
	}
	if v, _ := value(t, fams, "junction_queue_series_dropped"); v != 1 {
		t.Fatalf("junction_queue_series_dropped = %v, want 1", v)
	}
}

func TestMetricsCanRequireCredentials(t *testing.T) {
	b := start(t, func(c *config.Config) { c.Metrics.RequireAuth = true })
	if code, _ := scrape(t, b, "", ""); code != 401 {
		t.Fatalf("/metrics without credentials: %d, want 401", code)
	}
	if code, fams := scrape(t, b, "mon", "mon"); code != 200 || fams["junction_queues"] == nil {
		t.Fatalf("/metrics as monitoring user: %d", code)
	}
}
