package config

// Metrics configures the Prometheus endpoint /metrics on the HTTP
// listener.
type Metrics struct {
	// MaxQueueLabels bounds the per-queue series (labels vhost, queue):
	// with more queues than this, only the totals are exported, so a
	// broker with many short-lived queues cannot overwhelm Prometheus
	// (default 1000; -1 never exports per-queue series).
	MaxQueueLabels int `toml:"max_queue_labels"`
	// RequireAuth makes /metrics require the basic-auth credentials of a
	// management user; by default it is open, as scrapers expect.
	RequireAuth bool `toml:"require_auth"`
}

// DefaultMaxQueueLabels is the default of Metrics.MaxQueueLabels.
const DefaultMaxQueueLabels = 1000
