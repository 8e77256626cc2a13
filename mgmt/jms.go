package mgmt

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// durableSubJSON is a JMS durable topic subscription. Junction keeps one
// as a durable queue named "clientID:subscriptionName" whose arguments
// record the topic and selector (see docs/mapping.md).
type durableSubJSON struct {
	ClientID         string `json:"client_id"`
	SubscriptionName string `json:"subscription_name"`
	Topic            string `json:"topic"`
	Selector         string `json:"selector"`
	NoLocal          bool   `json:"no_local"`
	VHost            string `json:"vhost"`
	Queue            string `json:"queue"`
	PendingMessages  int    `json:"pending_messages"`
	Consumers        int    `json:"consumers"`
	Active           bool   `json:"active"`
}

func (a *API) listDurableSubscriptions(rq *request) error {
	vhosts, err := rq.visibleVHosts()
	if err != nil {
		return err
	}
	out := []durableSubJSON{}
	for _, v := range vhosts {
		// STOMP's ActiveMQ-style durable subscriptions name their queue the
		// same way but record no topic argument: their topic is the key of
		// the queue's binding from amq.topic.
		topicOf := map[string]string{}
		for _, b := range v.Bindings() {
			if b.Queue != nil && b.Source == "amq.topic" {
				topicOf[b.Queue.Name()] = b.Key
			}
		}
		for _, q := range v.Queues() {
			spec := q.Spec()
			args := spec.Args
			topic, ok := args["x-jms-topic"].(string)
			if !ok {
				topic, ok = topicOf[q.Name()]
				if !ok || !spec.Durable || !strings.Contains(q.Name(), ":") {
					continue
				}
			}
			// The client ID is what precedes the first colon: JMS client
			// IDs chosen for durable subscriptions rarely hold one, while
			// subscription names often do.
			client, sub, _ := strings.Cut(q.Name(), ":")
			ready, unacked, consumers := q.Counts()
			sel, _ := args["x-jms-selector"].(string)
			noLocal, _ := args["x-jms-no-local"].(bool)
			out = append(out, durableSubJSON{
				ClientID: client, SubscriptionName: sub, Topic: topic, Selector: sel, NoLocal: noLocal,
				VHost: v.Name(), Queue: q.Name(), PendingMessages: ready + unacked, Consumers: consumers, Active: consumers > 0,
			})
		}
	}
	return rq.ok(out)
}

// xaJSON is a prepared XA transaction branch awaiting its outcome.
type xaJSON struct {
	FormatID        int32  `json:"format_id"`
	GlobalID        string `json:"global_transaction_id"`
	BranchQualifier string `json:"branch_qualifier"`
	XID             string `json:"xid"`
}

func (a *API) listXATransactions(rq *request) error {
	out := []xaJSON{}
	for _, id := range a.b.PreparedXIDs() {
		if !id.IsXA() {
			continue
		}
		out = append(out, xaJSON{
			FormatID: id.Format, GlobalID: hex.EncodeToString([]byte(id.Global)), BranchQualifier: hex.EncodeToString([]byte(id.Branch)),
			XID: fmt.Sprintf("%d:%x:%x", id.Format, id.Global, id.Branch),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].XID < out[j].XID })
	return rq.ok(out)
}
