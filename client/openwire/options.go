package openwire

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
)

// Option configures Dial.
type Option func(*options)

type options struct {
	user, password string
	clientID       string
	tls            *tls.Config
	prefs          wire.Preferences
	onError        func(error)
	prefetch       Prefetch
	maxRedeliver   int
	failover       bool
	reconnect      ReconnectPolicy
	closeTimeout   time.Duration
	connectionID   string // tests only: a fixed ConnectionId
}

// Prefetch holds the default consumer prefetch sizes, those of the Java
// client's ActiveMQPrefetchPolicy.
type Prefetch struct {
	Queue, Topic, DurableTopic, Browser int
}

// ReconnectPolicy is the reconnect behaviour of a failover: URL, with the
// Java FailoverTransport's defaults and parameter names.
type ReconnectPolicy struct {
	InitialDelay time.Duration // initialReconnectDelay, 10ms
	MaxDelay     time.Duration // maxReconnectDelay, 30s
	Exponential  bool          // useExponentialBackOff, true
	Multiplier   float64       // backOffMultiplier, 2
	// MaxAttempts bounds reconnect rounds (over all URLs) after a failure;
	// -1 is unlimited (maxReconnectAttempts).
	MaxAttempts int
	// StartupMaxAttempts bounds the rounds of the first connect; -1 is
	// unlimited, bounded only by Dial's context (startupMaxReconnectAttempts).
	StartupMaxAttempts int
	Randomize          bool // randomize, true: try the URLs in random order
}

func defaultOptions() options {
	p := wire.DefaultPreferences()
	p.ProviderName = "Junction Go client"
	p.MaxFrameSize = 0 // like the Java client: no limit of our own
	return options{
		prefs:        p,
		prefetch:     Prefetch{Queue: 1000, Topic: 32767, DurableTopic: 100, Browser: 500},
		maxRedeliver: 6,
		reconnect: ReconnectPolicy{
			InitialDelay: 10 * time.Millisecond, MaxDelay: 30 * time.Second, Exponential: true,
			Multiplier: 2, MaxAttempts: -1, StartupMaxAttempts: -1, Randomize: true,
		},
		closeTimeout: 15 * time.Second,
	}
}

// WithCredentials sets the user name and password sent in ConnectionInfo.
func WithCredentials(user, password string) Option {
	return func(o *options) { o.user, o.password = user, password }
}

// WithClientID sets the JMS client ID, which durable subscriptions need.
// Without it the connection uses a generated one, as Java does.
func WithClientID(id string) Option { return func(o *options) { o.clientID = id } }

// WithTLS sets the TLS configuration of ssl:// URLs.
func WithTLS(cfg *tls.Config) Option { return func(o *options) { o.tls = cfg } }

// WithWireFormat adjusts the wire format advertised to the broker (tight
// encoding, cache, version, inactivity, …). The broker's own preferences
// then decide, as in Java.
func WithWireFormat(f func(*wire.Preferences)) Option { return func(o *options) { f(&o.prefs) } }

// WithMaxInactivity sets MaxInactivityDuration; 0 disables keep-alives and
// the read-inactivity check.
func WithMaxInactivity(d time.Duration) Option {
	return func(o *options) { o.prefs.MaxInactivityDuration = d }
}

// WithErrorHandler receives asynchronous errors: ConnectionError commands
// from the broker, link failures and reconnects that gave up. It must not
// block.
func WithErrorHandler(f func(error)) Option { return func(o *options) { o.onError = f } }

// WithPrefetch sets the default prefetch sizes of new consumers.
func WithPrefetch(p Prefetch) Option { return func(o *options) { o.prefetch = p } }

// WithMaxRedeliveries sets how often a rolled-back or recovered message is
// redelivered before the client poisons it (sends it to the broker's dead
// letter queue); -1 is unlimited. The Java default is 6.
func WithMaxRedeliveries(n int) Option { return func(o *options) { o.maxRedeliver = n } }

// WithReconnect replaces the reconnect policy. It only matters for
// failover: URLs.
func WithReconnect(p ReconnectPolicy) Option { return func(o *options) { o.reconnect = p } }

// parseURL splits a broker URL into the transport URLs to try and applies
// its query options. Accepted forms: tcp://h:p?opts, ssl://h:p?opts,
// failover:(tcp://a:1,tcp://b:2)?opts and failover:tcp://a:1,tcp://b:2.
func parseURL(raw string, o *options) ([]*url.URL, error) {
	rest, isFailover := strings.CutPrefix(raw, "failover:")
	if !isFailover {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("parse broker URL: %w", err)
		}
		if err := applyQuery(u.Query(), o); err != nil {
			return nil, fmt.Errorf("broker URL %s: %w", u.Redacted(), err)
		}
		u.RawQuery = ""
		return []*url.URL{u}, nil
	}
	o.failover = true
	list, query := rest, ""
	if strings.HasPrefix(rest, "(") {
		end := strings.LastIndex(rest, ")")
		if end < 0 {
			return nil, fmt.Errorf("parse failover URL %q: missing )", raw)
		}
		list, query = rest[1:end], strings.TrimPrefix(rest[end+1:], "?")
	} else if i := strings.LastIndex(rest, "?"); i >= 0 {
		list, query = rest[:i], rest[i+1:]
	}
	var urls []*url.URL
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		u, err := url.Parse(part)
		if err != nil {
			return nil, fmt.Errorf("parse failover member %q: %w", part, err)
		}
		if err := applyQuery(u.Query(), o); err != nil {
			return nil, fmt.Errorf("failover member %s: %w", u.Redacted(), err)
		}
		u.RawQuery = ""
		urls = append(urls, u)
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("parse failover URL %q: no broker URLs", raw)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("parse failover options %q: %w", query, err)
	}
	if err := applyQuery(q, o); err != nil {
		return nil, fmt.Errorf("failover URL: %w", err)
	}
	return urls, nil
}

// applyQuery understands the URL options of the Java client that matter
// here; unknown ones are ignored, as the Java factory ignores them too
// unless strict.
func applyQuery(q url.Values, o *options) error {
	for key, vals := range q {
		v := vals[len(vals)-1]
		var err error
		switch key {
		case "jms.userName", "jms.user":
			o.user = v
		case "jms.password":
			o.password = v
		case "jms.clientID":
			o.clientID = v
		case "jms.prefetchPolicy.all":
			var n int
			n, err = strconv.Atoi(v)
			o.prefetch = Prefetch{Queue: n, Topic: n, DurableTopic: n, Browser: n}
		case "jms.prefetchPolicy.queuePrefetch":
			o.prefetch.Queue, err = strconv.Atoi(v)
		case "jms.prefetchPolicy.topicPrefetch":
			o.prefetch.Topic, err = strconv.Atoi(v)
		case "jms.redeliveryPolicy.maximumRedeliveries":
			o.maxRedeliver, err = strconv.Atoi(v)
		case "wireFormat.tightEncodingEnabled":
			o.prefs.TightEncoding, err = strconv.ParseBool(v)
		case "wireFormat.cacheEnabled":
			o.prefs.CacheEnabled, err = strconv.ParseBool(v)
		case "wireFormat.cacheSize":
			var n int64
			n, err = strconv.ParseInt(v, 10, 32)
			o.prefs.CacheSize = int32(n)
		case "wireFormat.stackTraceEnabled":
			o.prefs.StackTraceEnabled, err = strconv.ParseBool(v)
		case "wireFormat.version":
			o.prefs.Version, err = strconv.Atoi(v)
		case "wireFormat.maxInactivityDuration":
			o.prefs.MaxInactivityDuration, err = millis(v)
		case "wireFormat.maxInactivityDurationInitalDelay":
			o.prefs.MaxInactivityDurationInitialDelay, err = millis(v)
		case "wireFormat.maxFrameSize":
			o.prefs.MaxFrameSize, err = strconv.ParseInt(v, 10, 64)
		case "initialReconnectDelay":
			o.reconnect.InitialDelay, err = millis(v)
		case "maxReconnectDelay":
			o.reconnect.MaxDelay, err = millis(v)
		case "useExponentialBackOff":
			o.reconnect.Exponential, err = strconv.ParseBool(v)
		case "backOffMultiplier":
			o.reconnect.Multiplier, err = strconv.ParseFloat(v, 64)
		case "maxReconnectAttempts":
			o.reconnect.MaxAttempts, err = strconv.Atoi(v)
		case "startupMaxReconnectAttempts":
			o.reconnect.StartupMaxAttempts, err = strconv.Atoi(v)
		case "randomize":
			o.reconnect.Randomize, err = strconv.ParseBool(v)
		}
		if err != nil {
			return fmt.Errorf("option %s=%q: %w", key, v, err)
		}
	}
	return nil
}

func millis(v string) (time.Duration, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	return time.Duration(n) * time.Millisecond, err
}
