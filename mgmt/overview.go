package mgmt

import (
	"net"
	"os"
	"strconv"
	"time"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

// nodeName is the node name RabbitMQ tools expect in many objects.
func (a *API) nodeName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return "junction@" + host
}

type listenerJSON struct {
	Node      string `json:"node"`
	Protocol  string `json:"protocol"`
	IPAddress string `json:"ip_address"`
	Port      int    `json:"port"`
}

type objectTotals struct {
	Connections int `json:"connections"`
	Channels    int `json:"channels"`
	Exchanges   int `json:"exchanges"`
	Queues      int `json:"queues"`
	Consumers   int `json:"consumers"`
}

type queueTotals struct {
	Messages                      int  `json:"messages"`
	MessagesDetails               rate `json:"messages_details"`
	MessagesReady                 int  `json:"messages_ready"`
	MessagesReadyDetails          rate `json:"messages_ready_details"`
	MessagesUnacknowledged        int  `json:"messages_unacknowledged"`
	MessagesUnacknowledgedDetails rate `json:"messages_unacknowledged_details"`
}

type exchangeType struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
}

// overview answers GET /api/overview. Message stats are the sums of the
// visible queues' counters (RabbitMQ counts publishes per channel, so a
// message routed to two queues counts once there and twice here).
func (a *API) overview(rq *request) error {
	vhosts, err := rq.visibleVHosts()
	if err != nil {
		return err
	}
	now := time.Now()
	var ot objectTotals
	var qt queueTotals
	var ms messageStats
	for _, v := range vhosts {
		ot.Exchanges += len(v.Exchanges())
		for _, q := range v.Queues() {
			j := a.queueJSON(q, now)
			ot.Queues++
			ot.Consumers += j.Consumers
			qt.Messages += j.Messages
			qt.MessagesReady += j.MessagesReady
			qt.MessagesUnacknowledged += j.MessagesUnacknowledged
			qt.MessagesDetails.Rate += j.MessagesDetails.Rate
			qt.MessagesReadyDetails.Rate += j.MessagesReadyDetails.Rate
			qt.MessagesUnacknowledgedDetails.Rate += j.MessagesUnacknowledgedDetails.Rate
			addStats(&ms, j.MessageStats)
		}
	}
	var conns []connection
	for _, c := range a.connections() {
		if rq.visibleConnection(c) {
			conns = append(conns, c)
		}
	}
	ot.Connections = len(conns)
	ot.Channels = len(a.channels(conns))
	node := a.nodeName()
	listeners := []listenerJSON{}
	if a.opts.Listeners != nil {
		for _, l := range a.opts.Listeners() {
			host, port := splitHostPort(l.Addr.String())
			if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
				host = "::"
			}
			listeners = append(listeners, listenerJSON{Node: node, Protocol: l.Protocol, IPAddress: host, Port: port})
		}
	}
	return rq.ok(map[string]any{
		"management_version":  Version,
		"rabbitmq_version":    Version,
		"product_name":        "Junction",
		"product_version":     a.opts.ProductVersion,
		"cluster_name":        node,
		"node":                node,
		"erlang_version":      "n/a",
		"rates_mode":          "basic",
		"disable_stats":       false,
		"enable_queue_totals": true,
		"exchange_types": []exchangeType{
			{"direct", "AMQP direct exchange, as per the AMQP specification", true},
			{"fanout", "AMQP fanout exchange, as per the AMQP specification", true},
			{"headers", "AMQP headers exchange, as per the AMQP specification", true},
			{"topic", "AMQP topic exchange, as per the AMQP specification", true},
		},
		"message_stats":             ms,
		"queue_totals":              qt,
		"object_totals":             ot,
		"listeners":                 listeners,
		"alarms":                    a.b.Alarms(),
		"statistics_db_event_queue": 0,
	})
}

func addStats(dst *messageStats, s messageStats) {
	dst.Publish += s.Publish
	dst.PublishDetails.Rate += s.PublishDetails.Rate
	dst.Deliver += s.Deliver
	dst.DeliverDetails.Rate += s.DeliverDetails.Rate
	dst.DeliverGet += s.DeliverGet
	dst.DeliverGetDetails.Rate += s.DeliverGetDetails.Rate
	dst.Ack += s.Ack
	dst.AckDetails.Rate += s.AckDetails.Rate
	dst.Redeliver += s.Redeliver
	dst.RedeliverDetails.Rate += s.RedeliverDetails.Rate
}

func (a *API) whoami(rq *request) error {
	tags := rq.user.Tags
	if tags == nil {
		tags = []string{}
	}
	return rq.ok(map[string]any{"name": rq.user.Name, "tags": tags})
}

// aliveness answers GET /api/aliveness-test/{vhost} as RabbitMQ does:
// declare the queue aliveness-test, publish to it and get the message
// back.
func (a *API) aliveness(rq *request) error {
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	const name = "aliveness-test"
	q, err := v.DeclareQueue(c, broker.QueueSpec{Name: name}, false)
	if err != nil {
		return err
	}
	body := "test_message_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	m := message.NewInternal(nil)
	m.RoutingKey, m.Body = name, []byte(body)
	if _, err := v.Publish(c, m, nil); err != nil {
		return err
	}
	for {
		d, _, ok := q.Get(true)
		if !ok {
			return rq.ok(map[string]string{"status": "failed", "reason": "published message not found"})
		}
		if string(d.Message.Body) == body {
			return rq.ok(map[string]string{"status": "ok"})
		}
	}
}
