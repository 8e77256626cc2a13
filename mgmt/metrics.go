package mgmt

import (
	"net/http"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/junctionmq/junction/store/journal"
)

// collector computes every junction_* series at scrape time from the
// broker's own state: no counters are kept twice and nothing runs
// between scrapes.
type collector struct {
	a *API

	queueReady, queueUnacked, queueConsumers                     *prometheus.Desc
	queuePublished, queueDelivered, queueAcked, queueRedelivered *prometheus.Desc
	queues, ready, unacked, consumers                            *prometheus.Desc
	published, delivered, acked, redelivered                     *prometheus.Desc
	queueLabelsDropped                                           *prometheus.Desc
	connections, channels                                        *prometheus.Desc
	memory, diskFree, alarm                                      *prometheus.Desc
	fsync, journalDisk, journalSegments                          *prometheus.Desc
	storedMessages, storedBytes                                  *prometheus.Desc
}

func newCollector(a *API) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("junction_"+name, help, labels, nil)
	}
	q := []string{"vhost", "queue"}
	return &collector{
		a:                  a,
		queueReady:         d("queue_messages_ready", "Messages ready for delivery in a queue.", q...),
		queueUnacked:       d("queue_messages_unacked", "Messages delivered and not yet acknowledged in a queue.", q...),
		queueConsumers:     d("queue_consumers", "Consumers of a queue.", q...),
		queuePublished:     d("queue_messages_published_total", "Messages enqueued on a queue.", q...),
		queueDelivered:     d("queue_messages_delivered_total", "Deliveries from a queue (consumers and gets).", q...),
		queueAcked:         d("queue_messages_acked_total", "Messages acknowledged on a queue.", q...),
		queueRedelivered:   d("queue_messages_redelivered_total", "Redeliveries from a queue.", q...),
		queues:             d("queues", "Queues in all vhosts."),
		ready:              d("messages_ready", "Messages ready for delivery in all queues."),
		unacked:            d("messages_unacked", "Unacknowledged messages in all queues."),
		consumers:          d("consumers", "Consumers of all queues."),
		published:          d("messages_published_total", "Messages enqueued, summed over queues."),
		delivered:          d("messages_delivered_total", "Deliveries, summed over queues."),
		acked:              d("messages_acked_total", "Acknowledgements, summed over queues."),
		redelivered:        d("messages_redelivered_total", "Redeliveries, summed over queues."),
		queueLabelsDropped: d("queue_series_dropped", "1 when there are more queues than metrics.max_queue_labels and per-queue series are left out."),
		connections:        d("connections", "Open client connections.", "protocol"),
		channels:           d("channels", "Open channels (AMQP channels, OpenWire sessions, one per STOMP connection).", "protocol"),
		memory:             d("memory_used_bytes", "Memory the Go runtime holds from the OS, less what it returned (what the memory alarm watches)."),
		diskFree:           d("disk_free_bytes", "Free space on the data directory's file system."),
		alarm:              d("alarm", "1 while a resource alarm blocks publishers.", "resource"),
		fsync:              d("journal_fsync_seconds", "Latency of the store journal's fsyncs."),
		journalDisk:        d("journal_disk_bytes", "Bytes the store journal's segment files occupy."),
		journalSegments:    d("journal_segments", "Segment files of the store journal."),
		storedMessages:     d("store_messages", "Message bodies held by the store."),
		storedBytes:        d("store_message_bytes", "Body bytes of the messages held by the store."),
	}
}

// Describe sends nothing: the collector is unchecked, since which series
// exist depends on the queues of the moment.
func (c *collector) Describe(chan<- *prometheus.Desc) {}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	a := c.a
	total := 0
	for _, v := range a.b.VHosts() {
		total += len(v.Queues())
	}
	perQueue := a.opts.MaxQueueLabels >= 0 && total <= a.opts.MaxQueueLabels
	var nq, nready, nunacked, ncons int
	var pub, del, ack, red uint64
	for _, v := range a.b.VHosts() {
		for _, q := range v.Queues() {
			ready, unacked, consumers := q.Counts()
			st := q.Stats()
			nq++
			nready += ready
			nunacked += unacked
			ncons += consumers
			pub += st.Published
			del += st.Delivered
			ack += st.Acked
			red += st.Redelivered
			if perQueue {
				l := []string{v.Name(), q.Name()}
				gauge(c.queueReady, float64(ready), l...)
				gauge(c.queueUnacked, float64(unacked), l...)
				gauge(c.queueConsumers, float64(consumers), l...)
				counter(c.queuePublished, st.Published, l...)
				counter(c.queueDelivered, st.Delivered, l...)
				counter(c.queueAcked, st.Acked, l...)
				counter(c.queueRedelivered, st.Redelivered, l...)
			}
		}
	}
	gauge(c.queues, float64(nq))
	gauge(c.ready, float64(nready))
	gauge(c.unacked, float64(nunacked))
	gauge(c.consumers, float64(ncons))
	counter(c.published, pub)
	counter(c.delivered, del)
	counter(c.acked, ack)
	counter(c.redelivered, red)
	dropped := 0.0
	if !perQueue {
		dropped = 1
	}
	gauge(c.queueLabelsDropped, dropped)

	conns := a.connections()
	byProto := map[string]int{"amqp": 0, "openwire": 0, "stomp": 0}
	chansByProto := map[string]int{"amqp": 0, "openwire": 0, "stomp": 0}
	for _, cn := range conns {
		byProto[cn.kind]++
		chansByProto[cn.kind] += cn.Channels
	}
	for _, p := range sortedKeys(byProto) {
		gauge(c.connections, float64(byProto[p]), p)
		gauge(c.channels, float64(chansByProto[p]), p)
	}

	gauge(c.memory, float64(memoryUsed()))
	if dir := a.opts.DataDir; dir != "" {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err == nil {
			gauge(c.diskFree, float64(st.Bavail*uint64(st.Bsize)))
		}
	}
	active := map[string]bool{}
	for _, name := range a.b.Alarms() {
		active[name] = true
	}
	for _, r := range []string{"disk", "memory"} {
		v := 0.0
		if active[r] {
			v = 1
		}
		gauge(c.alarm, v, r)
	}

	if s := a.b.Store(); s != nil {
		st := s.Stats()
		j := st.Journal
		buckets := map[float64]uint64{}
		var cum uint64
		for i, le := range journal.FsyncBuckets {
			cum += j.FsyncHist[i]
			buckets[le.Seconds()] = cum
		}
		ch <- prometheus.MustNewConstHistogram(c.fsync, j.Fsyncs, j.FsyncTotal.Seconds(), buckets)
		gauge(c.journalDisk, float64(j.DiskBytes))
		gauge(c.journalSegments, float64(j.Segments))
		gauge(c.storedMessages, float64(st.Messages))
		gauge(c.storedBytes, float64(st.MessageBytes))
	}
}

// newMetricsHandler serves /metrics: Junction's series plus the Go
// runtime's and the process's (resident memory, file descriptors, CPU).
func (a *API) newMetricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(a), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: nil, Timeout: 30 * time.Second})
	if !a.opts.MetricsAuth {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := a.authenticate(r); err != nil {
			writeError(w, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}
