package mgmt

import (
	"strings"
	"time"

	"github.com/junctionmq/junction/broker"
)

// queueJSON is a queue as GET /api/queues returns it (RabbitMQ's field
// names; fields Junction has no equivalent for are left out).
type queueJSON struct {
	Name                          string         `json:"name"`
	VHost                         string         `json:"vhost"`
	Durable                       bool           `json:"durable"`
	AutoDelete                    bool           `json:"auto_delete"`
	Exclusive                     bool           `json:"exclusive"`
	Arguments                     map[string]any `json:"arguments"`
	Node                          string         `json:"node"`
	State                         string         `json:"state"`
	Type                          string         `json:"type"`
	Policy                        *string        `json:"policy"`
	ExclusiveConsumerTag          *string        `json:"exclusive_consumer_tag"`
	Consumers                     int            `json:"consumers"`
	Messages                      int            `json:"messages"`
	MessagesDetails               rate           `json:"messages_details"`
	MessagesReady                 int            `json:"messages_ready"`
	MessagesReadyDetails          rate           `json:"messages_ready_details"`
	MessagesUnacknowledged        int            `json:"messages_unacknowledged"`
	MessagesUnacknowledgedDetails rate           `json:"messages_unacknowledged_details"`
	MessageBytesReady             int64          `json:"message_bytes_ready"`
	MessageStats                  messageStats   `json:"message_stats"`
}

// messageStats is RabbitMQ's message_stats object for a queue.
type messageStats struct {
	Publish           uint64 `json:"publish"`
	PublishDetails    rate   `json:"publish_details"`
	Deliver           uint64 `json:"deliver"`
	DeliverDetails    rate   `json:"deliver_details"`
	DeliverGet        uint64 `json:"deliver_get"`
	DeliverGetDetails rate   `json:"deliver_get_details"`
	Ack               uint64 `json:"ack"`
	AckDetails        rate   `json:"ack_details"`
	Redeliver         uint64 `json:"redeliver"`
	RedeliverDetails  rate   `json:"redeliver_details"`
}

func (a *API) queueJSON(q *broker.Queue, now time.Time) queueJSON {
	spec := q.Spec()
	ready, unacked, consumers := q.Counts()
	st := q.Stats()
	r := a.rates.observe(q, st, [3]int{ready + unacked, ready, unacked}, now)
	typ := "classic"
	return queueJSON{
		Name: spec.Name, VHost: q.VHost().Name(), Durable: spec.Durable, AutoDelete: spec.AutoDelete, Exclusive: spec.Exclusive,
		Arguments: tableJSON(spec.Args), Node: a.nodeName(), State: "running", Type: typ,
		Consumers: consumers, Messages: ready + unacked, MessagesDetails: rate{r.Messages},
		MessagesReady: ready, MessagesReadyDetails: rate{r.Ready},
		MessagesUnacknowledged: unacked, MessagesUnacknowledgedDetails: rate{r.Unacked},
		MessageBytesReady: q.ReadyBytes(),
		MessageStats: messageStats{
			Publish: st.Published, PublishDetails: rate{r.Publish},
			Deliver: st.Delivered, DeliverDetails: rate{r.Deliver},
			DeliverGet: st.Delivered, DeliverGetDetails: rate{r.Deliver},
			Ack: st.Acked, AckDetails: rate{r.Ack},
			Redeliver: st.Redelivered, RedeliverDetails: rate{r.Redeliver},
		},
	}
}

// visibleVHosts returns the vhosts a listing covers: the {vhost} of the
// path, or every vhost the user may see.
func (rq *request) visibleVHosts() ([]*broker.VHost, error) {
	if name := rq.r.PathValue("vhost"); name != "" {
		v, ok := rq.api.b.VHost(name)
		if !ok {
			return nil, errNotFound()
		}
		return []*broker.VHost{v}, nil
	}
	var out []*broker.VHost
	for _, v := range rq.api.b.VHosts() {
		if rq.canSee(v.Name()) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (a *API) listQueues(rq *request) error {
	vhosts, err := rq.visibleVHosts()
	if err != nil {
		return err
	}
	now := time.Now()
	out := []queueJSON{}
	alive := map[*broker.Queue]bool{}
	for _, v := range vhosts {
		for _, q := range v.Queues() {
			alive[q] = true
			out = append(out, a.queueJSON(q, now))
		}
	}
	if rq.r.PathValue("vhost") == "" && rq.seesAll() {
		a.rates.forget(alive)
	}
	return rq.ok(out)
}

// queue finds the {vhost}/{name} queue of the path.
func (rq *request) queue() (*broker.Queue, error) {
	v, ok := rq.api.b.VHost(rq.r.PathValue("vhost"))
	if !ok {
		return nil, errNotFound()
	}
	q, ok := v.Queue(rq.r.PathValue("name"))
	if !ok {
		return nil, errNotFound()
	}
	return q, nil
}

func (a *API) getQueue(rq *request) error {
	q, err := rq.queue()
	if err != nil {
		return err
	}
	return rq.ok(a.queueJSON(q, time.Now()))
}

// queueBody is the body of PUT /api/queues/{vhost}/{name}.
type queueBody struct {
	Durable    *bool          `json:"durable"`
	AutoDelete bool           `json:"auto_delete"`
	Arguments  map[string]any `json:"arguments"`
	Type       string         `json:"type"`
}

func (a *API) putQueue(rq *request) error {
	var body queueBody
	if err := rq.decodeBody(&body); err != nil {
		return err
	}
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	args, err := tableFromJSON(body.Arguments)
	if err != nil {
		return errBadRequest(err.Error())
	}
	name := rq.r.PathValue("name")
	if name == "" || strings.HasPrefix(name, "amq.") {
		return errBadRequest("queue name '" + name + "' contains reserved prefix 'amq.*'")
	}
	durable := body.Durable != nil && *body.Durable
	_, existed := v.Queue(name)
	if _, err := v.DeclareQueue(c, broker.QueueSpec{Name: name, Durable: durable, AutoDelete: body.AutoDelete, Args: args}, false); err != nil {
		return err
	}
	return rq.created(!existed)
}

func (a *API) deleteQueue(rq *request) error {
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	name := rq.r.PathValue("name")
	if _, ok := v.Queue(name); !ok {
		return errNotFound()
	}
	if _, err := v.DeleteQueue(c, name, rq.boolParam("if-unused"), rq.boolParam("if-empty")); err != nil {
		return err
	}
	return rq.noContent()
}

func (a *API) purgeQueue(rq *request) error {
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	if _, err := v.PurgeQueue(c, rq.r.PathValue("name")); err != nil {
		return err
	}
	return rq.noContent()
}
