// Command requestreply runs a small echo service on a queue and calls it
// over a temporary reply queue, matching replies by JMSCorrelationID.
//
//	go run ./examples/openwire/requestreply -url tcp://localhost:61616 -n 3
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/junctionmq/junction/client/openwire"
)

func main() {
	url := flag.String("url", "tcp://localhost:61616", "broker URL")
	user := flag.String("user", "", "user name")
	pass := flag.String("password", "", "password")
	service := flag.String("service", "echo.requests", "request queue")
	n := flag.Int("n", 3, "requests to make")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	creds := openwire.WithCredentials(*user, *pass)

	// The service, on its own connection.
	srv, err := openwire.Dial(ctx, *url, creds)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ss, err := srv.CreateSession(ctx, openwire.AutoAck)
	if err != nil {
		log.Fatal(err)
	}
	requests, err := ss.CreateConsumer(ctx, openwire.Queue(*service))
	if err != nil {
		log.Fatal(err)
	}
	replier, err := ss.CreateProducer(ctx, openwire.Destination{}) // anonymous: replies go to ReplyTo
	if err != nil {
		log.Fatal(err)
	}
	requests.Listen(func(req *openwire.Message) {
		resp := openwire.NewTextMessage(strings.ToUpper(req.Text()))
		resp.CorrelationID = req.ID
		if err := replier.SendTo(ctx, req.ReplyTo, resp, openwire.Persistent(false)); err != nil {
			log.Print(err)
		}
	})

	// The client.
	cli, err := openwire.Dial(ctx, *url, creds)
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	cs, err := cli.CreateSession(ctx, openwire.AutoAck)
	if err != nil {
		log.Fatal(err)
	}
	replyTo, err := cli.CreateTempQueue(ctx)
	if err != nil {
		log.Fatal(err)
	}
	replies, err := cs.CreateConsumer(ctx, replyTo)
	if err != nil {
		log.Fatal(err)
	}
	prod, err := cs.CreateProducer(ctx, openwire.Queue(*service), openwire.Persistent(false))
	if err != nil {
		log.Fatal(err)
	}
	for i := range *n {
		req := openwire.NewTextMessage(fmt.Sprintf("hello %d", i))
		req.ReplyTo = replyTo
		if err := prod.Send(ctx, req); err != nil {
			log.Fatal(err)
		}
		resp, err := replies.Receive(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q -> %q (correlated: %v)\n", req.Text(), resp.Text(), resp.CorrelationID == req.ID)
	}
}
