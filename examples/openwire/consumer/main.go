// Command consumer prints messages from a queue or topic received over
// OpenWire, until interrupted or -n messages.
//
//	go run ./examples/openwire/consumer -url tcp://localhost:61616 -dest queue://demo
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/junctionmq/junction/client/openwire"
)

func main() {
	url := flag.String("url", "tcp://localhost:61616", "broker URL (tcp://, ssl:// or failover:(…))")
	user := flag.String("user", "", "user name")
	pass := flag.String("password", "", "password")
	dest := flag.String("dest", "queue://demo", "destination: queue://name or topic://name")
	selector := flag.String("selector", "", "JMS message selector")
	durable := flag.String("durable", "", "durable subscription name (topics; needs -client-id)")
	clientID := flag.String("client-id", "", "client ID")
	n := flag.Int("n", 0, "stop after this many messages (0: never)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := []openwire.Option{openwire.WithCredentials(*user, *pass)}
	if *clientID != "" {
		opts = append(opts, openwire.WithClientID(*clientID))
	}
	conn, err := openwire.Dial(ctx, *url, opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.CreateSession(ctx, openwire.ClientAck)
	if err != nil {
		log.Fatal(err)
	}
	d := openwire.ParseDestination(*dest)
	var cons *openwire.Consumer
	if *durable != "" {
		cons, err = sess.CreateDurableSubscriber(ctx, d, *durable, openwire.Selector(*selector))
	} else {
		cons, err = sess.CreateConsumer(ctx, d, openwire.Selector(*selector))
	}
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; *n == 0 || i < *n; i++ {
		m, err := cons.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Fatal(err)
		}
		fmt.Printf("%s %v redelivered=%v properties=%v body=%q\n", m.ID, m.Kind(), m.Redelivered(), m.Properties, m.Text())
		if err := m.Ack(ctx); err != nil {
			log.Fatal(err)
		}
	}
}
