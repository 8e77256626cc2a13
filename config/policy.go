package config

import (
	"fmt"
	"regexp"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

// Policy sets queue arguments for every queue whose name matches Pattern
// (a Go regular expression, unanchored, as RabbitMQ's): TTLs, limits,
// dead-letter targets and priorities for queues clients declare without
// them. Of the policies matching a queue, the highest Priority applies. A
// queue's own arguments win, except that the lower of two TTLs, expiries
// or length limits applies.
type Policy struct {
	Name     string `toml:"name"`
	VHost    string `toml:"vhost"` // empty: every vhost
	Pattern  string `toml:"pattern"`
	Priority int    `toml:"priority"`

	MessageTTL           *Duration `toml:"message_ttl"`
	Expires              *Duration `toml:"expires"`
	MaxLength            *int64    `toml:"max_length"`
	MaxLengthBytes       *Size     `toml:"max_length_bytes"`
	Overflow             string    `toml:"overflow"` // drop-head, reject-publish, reject-publish-dlx
	DeadLetterExchange   *string   `toml:"dead_letter_exchange"`
	DeadLetterRoutingKey *string   `toml:"dead_letter_routing_key"`
	MaxPriority          *int64    `toml:"max_priority"`
}

// BrokerPolicies compiles the configured policies for the broker.
func (c *Config) BrokerPolicies() ([]broker.Policy, error) {
	out := make([]broker.Policy, 0, len(c.Policies))
	for i, p := range c.Policies {
		if p.Name == "" {
			return nil, fmt.Errorf("policies[%d]: name is empty", i)
		}
		re, err := regexp.Compile(p.Pattern)
		if err != nil {
			return nil, fmt.Errorf("policy %q: pattern: %w", p.Name, err)
		}
		args := message.Table{}
		if p.MessageTTL != nil {
			args["x-message-ttl"] = p.MessageTTL.Milliseconds()
		}
		if p.Expires != nil {
			args["x-expires"] = p.Expires.Milliseconds()
		}
		if p.MaxLength != nil {
			args["x-max-length"] = *p.MaxLength
		}
		if p.MaxLengthBytes != nil {
			args["x-max-length-bytes"] = int64(*p.MaxLengthBytes)
		}
		if p.Overflow != "" {
			args["x-overflow"] = p.Overflow
		}
		if p.DeadLetterExchange != nil {
			args["x-dead-letter-exchange"] = *p.DeadLetterExchange
		}
		if p.DeadLetterRoutingKey != nil {
			args["x-dead-letter-routing-key"] = *p.DeadLetterRoutingKey
		}
		if p.MaxPriority != nil {
			args["x-max-priority"] = *p.MaxPriority
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("policy %q sets nothing", p.Name)
		}
		bp := broker.Policy{Name: p.Name, VHost: p.VHost, Pattern: re, Priority: p.Priority, Args: args}
		if err := bp.Validate(); err != nil {
			return nil, err
		}
		out = append(out, bp)
	}
	return out, nil
}
