package stomp

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/junctionmq/junction/broker"
)

// destination is a parsed STOMP destination:
//
//	/queue/NAME          queue NAME (created on first use, as in ActiveMQ and RabbitMQ)
//	/amq/queue/NAME      an existing queue NAME (never created)
//	/topic/NAME          routing key NAME on amq.topic; "*" one word, ">" or "#" the rest
//	/temp-queue/NAME     a queue private to this connection
//	/exchange/EX/KEY     exchange EX with routing or binding key KEY
type destination struct {
	kind     string // "queue", "amq-queue", "topic", "temp-queue", "exchange"
	name     string // queue or topic name, or exchange
	key      string // routing/binding key for "exchange"
	original string
}

func parseDestination(s string) (destination, error) {
	d := destination{original: s}
	switch {
	case strings.HasPrefix(s, "/queue/"):
		d.kind, d.name = "queue", s[len("/queue/"):]
	case strings.HasPrefix(s, "/amq/queue/"):
		d.kind, d.name = "amq-queue", s[len("/amq/queue/"):]
	case strings.HasPrefix(s, "/topic/"):
		d.kind, d.name = "topic", s[len("/topic/"):]
	case strings.HasPrefix(s, "/temp-queue/"):
		d.kind, d.name = "temp-queue", s[len("/temp-queue/"):]
	case strings.HasPrefix(s, "/exchange/"):
		d.kind = "exchange"
		rest := s[len("/exchange/"):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			d.name, d.key = rest[:i], rest[i+1:]
		} else {
			d.name = rest
		}
	default:
		return d, errorf("Unknown destination %q: use /queue/, /topic/, /temp-queue/, /exchange/ or /amq/queue/", s)
	}
	if d.name == "" {
		return d, errorf("destination %q names nothing", s)
	}
	return d, nil
}

// bindingKey turns a topic pattern into an AMQP binding key: ActiveMQ's
// ">" becomes "#"; RabbitMQ's "#" and the shared "*" stay.
func bindingKey(name string) string {
	if !strings.Contains(name, ">") {
		return name
	}
	words := strings.Split(name, ".")
	for i, w := range words {
		if w == ">" {
			words[i] = "#"
		}
	}
	return strings.Join(words, ".")
}

// tempQueue returns the real queue behind this connection's
// /temp-queue/NAME, creating it: exclusive, deleted with the connection.
func (c *conn) tempQueue(name string) (string, error) {
	c.mu.Lock()
	real, ok := c.temps[name]
	c.mu.Unlock()
	if ok {
		return real, nil
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	real = "stomp-temp-" + hex.EncodeToString(b[:]) + "-" + name
	if _, err := c.vhost.DeclareQueue(c.client, broker.QueueSpec{Name: real, Exclusive: true, AutoDelete: false}, false); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.temps[name] = real
	c.mu.Unlock()
	return real, nil
}

// route returns the exchange and routing key a SEND to d uses, creating
// what STOMP creates on first use.
func (c *conn) route(d destination) (exchange, key string, err error) {
	switch d.kind {
	case "queue":
		if _, err := c.vhost.EnsureQueue(c.client, d.name); err != nil {
			return "", "", err
		}
		return "", d.name, nil
	case "amq-queue":
		return "", d.name, nil
	case "topic":
		return "amq.topic", d.name, nil
	case "temp-queue":
		real, err := c.tempQueue(d.name)
		return "", real, err
	}
	return d.name, d.key, nil
}

// render shows a message's exchange and routing key as a STOMP destination.
func render(exchange, key string) string {
	switch exchange {
	case "":
		return "/queue/" + key
	case "amq.topic":
		return "/topic/" + key
	}
	if key == "" {
		return "/exchange/" + exchange
	}
	return "/exchange/" + exchange + "/" + key
}
