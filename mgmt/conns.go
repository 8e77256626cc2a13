package mgmt

import (
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// connection is one protocol connection, whatever its protocol.
type connection struct {
	Name             string         `json:"name"`
	Node             string         `json:"node"`
	Protocol         string         `json:"protocol"`
	User             string         `json:"user"`
	VHost            string         `json:"vhost"`
	Host             string         `json:"host"`
	Port             int            `json:"port"`
	PeerHost         string         `json:"peer_host"`
	PeerPort         int            `json:"peer_port"`
	Channels         int            `json:"channels"`
	ConnectedAt      int64          `json:"connected_at"`
	ClientProperties map[string]any `json:"client_properties"`
	UserProvidedName string         `json:"user_provided_name,omitempty"`
	AuthMechanism    string         `json:"auth_mechanism"`
	Timeout          int            `json:"timeout"`
	FrameMax         uint32         `json:"frame_max"`
	State            string         `json:"state"`
	Type             string         `json:"type"`
	SSL              bool           `json:"ssl"`

	brokerClient uint64
	kind         string // "amqp", "openwire", "stomp": which server closes it
}

// Protocol names in the connections' "protocol" field.
const (
	protoAMQP     = "AMQP 0-9-1"
	protoOpenWire = "OpenWire"
	protoSTOMP    = "STOMP"
)

func splitHostPort(s string) (string, int) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return s, 0
	}
	p, _ := strconv.Atoi(port)
	return host, p
}

// localOf takes the local address from a connection name, which every
// protocol forms as "peer -> local".
func localOf(name string) (string, int) {
	if i := strings.LastIndex(name, " -> "); i >= 0 {
		return splitHostPort(name[i+4:])
	}
	return "", 0
}

// connections gathers every protocol's open connections, sorted by name.
func (a *API) connections() []connection {
	var out []connection
	node := a.nodeName()
	add := func(c connection, peer string, at time.Time) {
		c.Node, c.State, c.Type, c.AuthMechanism = node, "running", "network", "PLAIN"
		c.PeerHost, c.PeerPort = splitHostPort(peer)
		c.Host, c.Port = localOf(c.Name)
		c.ConnectedAt = at.UnixMilli()
		if c.ClientProperties == nil {
			c.ClientProperties = map[string]any{}
		}
		if n, ok := c.ClientProperties["connection_name"].(string); ok {
			c.UserProvidedName = n
		}
		out = append(out, c)
	}
	if s := a.opts.AMQP; s != nil {
		chans := map[string]int{}
		for _, ch := range s.Channels() {
			chans[ch.Connection]++
		}
		for _, ci := range s.Connections() {
			proto := ci.Protocol
			if proto == "" || strings.HasPrefix(proto, "AMQP 0-9-1") {
				proto = protoAMQP
			}
			add(connection{
				Name: ci.Name, Protocol: proto, User: ci.User, VHost: ci.VHost, Channels: chans[ci.Name],
				ClientProperties: tableJSON(ci.ClientProperties), Timeout: int(ci.Heartbeat / time.Second), FrameMax: ci.FrameMax,
				brokerClient: ci.BrokerClient, kind: "amqp",
			}, ci.Peer, ci.ConnectedAt)
		}
	}
	if s := a.opts.OpenWire; s != nil {
		for _, ci := range s.Connections() {
			props := map[string]any{"product": "ActiveMQ OpenWire", "version": ci.Version}
			if ci.ClientID != "" {
				props["client_id"], props["connection_name"] = ci.ClientID, ci.ClientID
			}
			vhost := ci.VHost
			if vhost == "" {
				vhost = "/"
			}
			add(connection{
				Name: ci.Name, Protocol: protoOpenWire, User: ci.User, VHost: vhost, Channels: ci.Sessions,
				ClientProperties: props, brokerClient: ci.BrokerClient, kind: "openwire",
			}, ci.Peer, ci.ConnectedAt)
		}
	}
	if s := a.opts.STOMP; s != nil {
		for _, ci := range s.Connections() {
			props := map[string]any{"version": ci.Version}
			if ci.ClientID != "" {
				props["client_id"], props["connection_name"] = ci.ClientID, ci.ClientID
			}
			// RabbitMQ's STOMP plugin runs each connection on one channel.
			add(connection{
				Name: ci.Name, Protocol: protoSTOMP + " " + ci.Version, User: ci.User, VHost: ci.VHost, Channels: 1,
				ClientProperties: props, brokerClient: ci.BrokerClient, kind: "stomp",
			}, ci.Peer, ci.ConnectedAt)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// visibleConnection says whether the user may see a connection: everyone
// with monitoring sees all, management users their own (as RabbitMQ).
func (rq *request) visibleConnection(c connection) bool {
	if v := rq.r.PathValue("vhost"); v != "" && c.VHost != v {
		return false
	}
	return rq.seesAll() || c.User == rq.user.Name
}

func (a *API) listConnections(rq *request) error {
	out := []connection{}
	for _, c := range a.connections() {
		if rq.visibleConnection(c) {
			out = append(out, c)
		}
	}
	return rq.ok(out)
}

func (rq *request) findConnection() (connection, error) {
	name := rq.r.PathValue("name")
	for _, c := range rq.api.connections() {
		if c.Name == name && (rq.seesAll() || c.User == rq.user.Name) {
			return c, nil
		}
	}
	return connection{}, errNotFound()
}

func (a *API) getConnection(rq *request) error {
	c, err := rq.findConnection()
	if err != nil {
		return err
	}
	return rq.ok(c)
}

// deleteConnection closes a connection with the X-Reason header's text
// (RabbitMQ's default otherwise), which the client sees: AMQP as
// connection.close 320 CONNECTION_FORCED, OpenWire as a ConnectionError,
// STOMP as an ERROR frame.
func (a *API) deleteConnection(rq *request) error {
	c, err := rq.findConnection()
	if err != nil {
		return err
	}
	if !rq.isAdmin() && c.User != rq.user.Name {
		return errUnauthorized("Not administrator user")
	}
	reason := rq.r.Header.Get("X-Reason")
	if reason == "" {
		reason = "Closed via management plugin"
	}
	var closed bool
	switch c.kind {
	case "amqp":
		closed = a.opts.AMQP.CloseConnection(c.Name, reason)
	case "openwire":
		closed = a.opts.OpenWire.CloseConnection(c.Name, reason)
	case "stomp":
		closed = a.opts.STOMP.CloseConnection(c.Name, reason)
	}
	if !closed {
		return errNotFound()
	}
	return rq.noContent()
}

// channelJSON is a channel as GET /api/channels returns it.
type channelJSON struct {
	Name                   string            `json:"name"`
	Number                 int               `json:"number"`
	Node                   string            `json:"node"`
	User                   string            `json:"user"`
	VHost                  string            `json:"vhost"`
	ConnectionDetails      connectionDetails `json:"connection_details"`
	ConsumerCount          int               `json:"consumer_count"`
	MessagesUnacknowledged int               `json:"messages_unacknowledged"`
	State                  string            `json:"state"`
	// AMQP channel settings, as RabbitMQ shows them; zero elsewhere.
	PrefetchCount       int  `json:"prefetch_count"`
	GlobalPrefetchCount int  `json:"global_prefetch_count"`
	Confirm             bool `json:"confirm"`
	Transactional       bool `json:"transactional"`
}

type connectionDetails struct {
	Name     string `json:"name"`
	PeerHost string `json:"peer_host"`
	PeerPort int    `json:"peer_port"`
}

func channelName(conn string, n int) string { return conn + " (" + strconv.Itoa(n) + ")" }

// channels lists AMQP channels as they are, and one channel per STOMP
// connection and per OpenWire session count, as RabbitMQ's STOMP plugin
// shows them.
func (a *API) channels(conns []connection) []channelJSON {
	byName := map[string]connection{}
	for _, c := range conns {
		byName[c.Name] = c
	}
	consumersOf := a.consumerCounts()
	var out []channelJSON
	mk := func(c connection, n int) channelJSON {
		return channelJSON{
			Name: channelName(c.Name, n), Number: n, Node: c.Node, User: c.User, VHost: c.VHost, State: "running",
			ConnectionDetails: connectionDetails{Name: c.Name, PeerHost: c.PeerHost, PeerPort: c.PeerPort},
		}
	}
	if s := a.opts.AMQP; s != nil {
		for _, ch := range s.Channels() {
			c, ok := byName[ch.Connection]
			if !ok {
				continue
			}
			j := mk(c, int(ch.Number))
			j.ConsumerCount, j.MessagesUnacknowledged = len(ch.ConsumerTags), ch.Unacked
			j.PrefetchCount, j.GlobalPrefetchCount = ch.PrefetchCount, ch.GlobalPrefetchCount
			j.Confirm, j.Transactional = ch.Confirm, ch.Transactional
			out = append(out, j)
		}
	}
	for _, c := range conns {
		if c.kind == "amqp" {
			continue
		}
		j := mk(c, 1)
		j.ConsumerCount = consumersOf[c.brokerClient]
		out = append(out, j)
	}
	return out
}

func (a *API) listChannels(rq *request) error {
	var conns []connection
	name := rq.r.PathValue("name")
	for _, c := range a.connections() {
		if rq.visibleConnection(c) && (name == "" || c.Name == name) {
			conns = append(conns, c)
		}
	}
	if name != "" && len(conns) == 0 {
		return errNotFound()
	}
	out := a.channels(conns)
	if out == nil {
		out = []channelJSON{}
	}
	return rq.ok(out)
}

// consumerCounts counts consumers by broker client.
func (a *API) consumerCounts() map[uint64]int {
	out := map[uint64]int{}
	for _, v := range a.b.VHosts() {
		for _, q := range v.Queues() {
			for _, c := range q.Consumers() {
				if cl := c.Client(); cl != nil {
					out[cl.ID]++
				}
			}
		}
	}
	return out
}

// consumerJSON is a consumer as GET /api/consumers returns it.
type consumerJSON struct {
	ConsumerTag    string         `json:"consumer_tag"`
	Queue          queueRef       `json:"queue"`
	ChannelDetails channelDetails `json:"channel_details"`
	AckRequired    bool           `json:"ack_required"`
	Exclusive      bool           `json:"exclusive"`
	PrefetchCount  int            `json:"prefetch_count"`
	Arguments      map[string]any `json:"arguments"`
	Active         bool           `json:"active"`
	ActivityStatus string         `json:"activity_status"`
}

type queueRef struct {
	Name  string `json:"name"`
	VHost string `json:"vhost"`
}

type channelDetails struct {
	Name           string `json:"name"`
	Number         int    `json:"number"`
	ConnectionName string `json:"connection_name"`
	PeerHost       string `json:"peer_host"`
	PeerPort       int    `json:"peer_port"`
	User           string `json:"user"`
	Node           string `json:"node"`
}

func (a *API) listConsumers(rq *request) error {
	vhosts, err := rq.visibleVHosts()
	if err != nil {
		return err
	}
	conns := a.connections()
	byClient := map[uint64]connection{}
	for _, c := range conns {
		byClient[c.brokerClient] = c
	}
	// AMQP consumers live on a channel: find it by consumer tag.
	type tagKey struct {
		conn, tag string
	}
	channelOf := map[tagKey]int{}
	if s := a.opts.AMQP; s != nil {
		for _, ch := range s.Channels() {
			for _, t := range ch.ConsumerTags {
				channelOf[tagKey{ch.Connection, t}] = int(ch.Number)
			}
		}
	}
	out := []consumerJSON{}
	for _, v := range vhosts {
		for _, q := range v.Queues() {
			for _, c := range q.Consumers() {
				j := consumerJSON{
					ConsumerTag: c.Tag(), Queue: queueRef{q.Name(), v.Name()}, AckRequired: !c.NoAck(),
					Exclusive: c.Exclusive(), Arguments: tableJSON(c.Args()), Active: true, ActivityStatus: "up",
				}
				if l := c.Limit(); l != nil {
					j.PrefetchCount, _ = l.Limits()
				}
				var conn connection
				if cl := c.Client(); cl != nil {
					conn = byClient[cl.ID]
				}
				if conn.Name != "" {
					n, ok := channelOf[tagKey{conn.Name, c.Tag()}]
					if !ok {
						n = 1
					}
					j.ChannelDetails = channelDetails{
						Name: channelName(conn.Name, n), Number: n, ConnectionName: conn.Name,
						PeerHost: conn.PeerHost, PeerPort: conn.PeerPort, User: conn.User, Node: conn.Node,
					}
				}
				out = append(out, j)
			}
		}
	}
	return rq.ok(out)
}
