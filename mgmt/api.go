package mgmt

import (
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/junctionmq/junction/amqp"
	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/mgmt/console"
	"github.com/junctionmq/junction/openwire"
	"github.com/junctionmq/junction/stomp"
)

// Version is the RabbitMQ management API version Junction answers as, in
// /api/overview's rabbitmq_version and management_version: tools check it
// to decide which fields and paths to expect.
const Version = "3.10.8"

// Options configure the API.
type Options struct {
	Broker *broker.Broker
	// The protocol servers whose connections the API lists and closes;
	// any may be nil.
	AMQP     *amqp.Server
	OpenWire *openwire.Server
	STOMP    *stomp.Server
	// Listeners reports the open protocol listeners for /api/overview.
	Listeners func() []Listener
	// AccessFile keeps users, vhosts and permissions changed through the
	// API across restarts (see LoadAccess); "" keeps them in memory only.
	AccessFile string
	// DataDir is where disk free space is measured for /metrics.
	DataDir string
	// MaxQueueLabels bounds the per-queue series of /metrics: with more
	// queues than this, only the totals are exported (0 means
	// DefaultMaxQueueLabels, negative drops per-queue series always).
	MaxQueueLabels int
	// MetricsAuth makes /metrics require the credentials of a user
	// allowed to read the API; by default it is open, as Prometheus
	// scrapers expect.
	MetricsAuth bool
	// ProductVersion is Junction's own version, reported beside Version.
	ProductVersion string
	Logger         *slog.Logger
}

// DefaultMaxQueueLabels is the per-queue series bound of /metrics.
const DefaultMaxQueueLabels = 1000

// Listener is one open protocol listener.
type Listener struct {
	Protocol string // "amqp", "openwire", "stomp", "http"
	Addr     net.Addr
}

// API is the management HTTP handler.
type API struct {
	opts  Options
	b     *broker.Broker
	log   *slog.Logger
	mux   router
	rates rateTracker

	// accessMu serialises changes to users, vhosts and permissions with
	// their saving, so the saved file is never older than memory.
	accessMu sync.Mutex

	metrics http.Handler
}

// New returns the API for a broker.
func New(opts Options) *API {
	if opts.Logger == nil {
		opts.Logger = opts.Broker.Logger()
	}
	if opts.MaxQueueLabels == 0 {
		opts.MaxQueueLabels = DefaultMaxQueueLabels
	}
	if opts.ProductVersion == "" {
		opts.ProductVersion = "0.1"
	}
	a := &API{opts: opts, b: opts.Broker, log: opts.Logger.With("component", "mgmt")}
	a.rates.samples = map[rateKey]*rateSample{}
	a.metrics = a.newMetricsHandler()
	a.routes()
	return a
}

// ServeHTTP serves the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// routes registers every endpoint with the access it needs.
func (a *API) routes() {
	h := func(pattern string, need access, fn handlerFunc) {
		a.mux.handle(pattern, a.wrap(need, fn))
	}
	// The web console: static files, no credentials needed to load them;
	// every call it makes goes through the API's basic auth.
	ui := console.Handler()
	a.mux.handle("GET /", ui)
	a.mux.handle("GET /console/{file}", ui)
	h("GET /api/overview", readAny, a.overview)
	h("GET /api/whoami", readAny, a.whoami)
	h("GET /api/aliveness-test/{vhost}", writeVHost, a.aliveness)

	h("GET /api/connections", readAny, a.listConnections)
	h("GET /api/vhosts/{vhost}/connections", readAny, a.listConnections)
	h("GET /api/connections/{name}", readAny, a.getConnection)
	h("DELETE /api/connections/{name}", writeAny, a.deleteConnection)
	h("GET /api/connections/{name}/channels", readAny, a.listChannels)
	h("GET /api/channels", readAny, a.listChannels)
	h("GET /api/vhosts/{vhost}/channels", readAny, a.listChannels)
	h("GET /api/consumers", readAny, a.listConsumers)
	h("GET /api/consumers/{vhost}", readAny, a.listConsumers)

	h("GET /api/exchanges", readAny, a.listExchanges)
	h("GET /api/exchanges/{vhost}", readAny, a.listExchanges)
	h("GET /api/exchanges/{vhost}/{name}", readAny, a.getExchange)
	h("PUT /api/exchanges/{vhost}/{name}", writeVHost, a.putExchange)
	h("DELETE /api/exchanges/{vhost}/{name}", writeVHost, a.deleteExchange)
	h("POST /api/exchanges/{vhost}/{name}/publish", writeVHost, a.publish)
	h("GET /api/exchanges/{vhost}/{name}/bindings/source", readAny, a.exchangeBindingsSource)
	h("GET /api/exchanges/{vhost}/{name}/bindings/destination", readAny, a.exchangeBindingsDestination)

	h("GET /api/queues", readAny, a.listQueues)
	h("GET /api/queues/{vhost}", readAny, a.listQueues)
	h("GET /api/queues/{vhost}/{name}", readAny, a.getQueue)
	h("PUT /api/queues/{vhost}/{name}", writeVHost, a.putQueue)
	h("DELETE /api/queues/{vhost}/{name}", writeVHost, a.deleteQueue)
	h("DELETE /api/queues/{vhost}/{name}/contents", writeVHost, a.purgeQueue)
	h("POST /api/queues/{vhost}/{name}/get", writeVHost, a.getMessages)
	h("GET /api/queues/{vhost}/{name}/bindings", readAny, a.queueBindings)

	h("GET /api/bindings", readAny, a.listBindings)
	h("GET /api/bindings/{vhost}", readAny, a.listBindings)
	h("GET /api/bindings/{vhost}/e/{source}/{kind}/{dest}", readAny, a.listBindingsBetween)
	h("POST /api/bindings/{vhost}/e/{source}/{kind}/{dest}", writeVHost, a.postBinding)
	h("GET /api/bindings/{vhost}/e/{source}/{kind}/{dest}/{props}", readAny, a.getBinding)
	h("DELETE /api/bindings/{vhost}/e/{source}/{kind}/{dest}/{props}", writeVHost, a.deleteBinding)

	h("GET /api/users", admin, a.listUsers)
	h("GET /api/users/{name}", admin, a.getUser)
	h("PUT /api/users/{name}", admin, a.putUser)
	h("DELETE /api/users/{name}", admin, a.deleteUser)
	h("GET /api/users/{name}/permissions", admin, a.userPermissions)
	h("GET /api/vhosts", readAny, a.listVHosts)
	h("GET /api/vhosts/{vhost}", readAny, a.getVHost)
	h("PUT /api/vhosts/{vhost}", admin, a.putVHost)
	h("DELETE /api/vhosts/{vhost}", admin, a.deleteVHost)
	h("GET /api/vhosts/{vhost}/permissions", admin, a.vhostPermissions)
	h("GET /api/permissions", admin, a.listPermissions)
	h("GET /api/permissions/{vhost}/{user}", admin, a.getPermission)
	h("PUT /api/permissions/{vhost}/{user}", admin, a.putPermission)
	h("DELETE /api/permissions/{vhost}/{user}", admin, a.deletePermission)

	h("GET /api/definitions", admin, a.exportDefinitions)
	h("POST /api/definitions", admin, a.importDefinitions)
	h("GET /api/definitions/{vhost}", admin, a.exportDefinitions)
	h("POST /api/definitions/{vhost}", admin, a.importDefinitions)

	h("GET /api/jms/durable-subscriptions", readAny, a.listDurableSubscriptions)
	h("GET /api/jms/durable-subscriptions/{vhost}", readAny, a.listDurableSubscriptions)
	h("GET /api/jms/xa-transactions", readAny, a.listXATransactions)

	a.mux.handle("GET /metrics", a.metrics)
}
