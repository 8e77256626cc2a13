package broker

import (
	"fmt"
	"regexp"

	"github.com/junctionmq/junction/message"
)

// Policy sets queue arguments by name pattern, the role of RabbitMQ's
// policies and ActiveMQ's destination policies: operators set TTLs,
// limits and dead-letter targets in one place instead of in every client.
// Of the policies matching a queue, the one with the highest Priority
// applies (the first configured among equals).
type Policy struct {
	Name     string
	VHost    string         // "" matches every vhost
	Pattern  *regexp.Regexp // matched against the queue name
	Priority int
	// Args are queue arguments by their x- names (x-message-ttl,
	// x-expires, x-max-length, x-max-length-bytes, x-overflow,
	// x-dead-letter-exchange, x-dead-letter-routing-key, x-max-priority).
	Args message.Table
}

// Validate checks the policy's arguments as a queue declaration would.
func (p *Policy) Validate() error {
	if p.Pattern == nil {
		return fmt.Errorf("policy %q: no pattern", p.Name)
	}
	if _, err := parseQueueArgs("(policy "+p.Name+")", p.Args); err != nil {
		return fmt.Errorf("policy %q: %w", p.Name, err)
	}
	return nil
}

// minWins are the limits where, as in RabbitMQ, the lower of a queue's own
// argument and its policy's applies; for every other key the queue's own
// argument wins.
var minWins = map[string]bool{"x-message-ttl": true, "x-expires": true, "x-max-length": true, "x-max-length-bytes": true}

// policyFor returns the policy applying to queue name in vhost, or nil.
func (b *Broker) policyFor(vhost, name string) *Policy {
	var best *Policy
	for i := range b.policies {
		p := &b.policies[i]
		if (p.VHost == "" || p.VHost == vhost) && p.Pattern.MatchString(name) && (best == nil || p.Priority > best.Priority) {
			best = p
		}
	}
	return best
}

// effectiveArgs merges the applying policy into a queue's own arguments.
// The queue keeps its own arguments for declaration equivalence and the
// store; only its behaviour follows the merge.
func (b *Broker) effectiveArgs(vhost, name string, own message.Table) message.Table {
	p := b.policyFor(vhost, name)
	if p == nil {
		return own
	}
	merged := make(message.Table, len(own)+len(p.Args))
	for k, v := range p.Args {
		merged[k] = v
	}
	for k, v := range own {
		if pv, ok := p.Args[k]; ok && minWins[k] {
			a, aok := IntValue(v)
			b, bok := IntValue(pv)
			if aok && bok && b < a {
				continue
			}
		}
		merged[k] = v
	}
	return merged
}

// PolicyName returns the name of the policy applying to a queue ("" for
// none), for management.
func (q *Queue) PolicyName() string {
	if p := q.vhost.broker.policyFor(q.vhost.name, q.name); p != nil {
		return p.Name
	}
	return ""
}
