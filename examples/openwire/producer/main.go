// Command producer sends text messages to a queue or topic over OpenWire.
//
//	go run ./examples/openwire/producer -url tcp://localhost:61616 -dest queue://demo -n 10
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/junctionmq/junction/client/openwire"
)

func main() {
	url := flag.String("url", "tcp://localhost:61616", "broker URL (tcp://, ssl:// or failover:(…))")
	user := flag.String("user", "", "user name")
	pass := flag.String("password", "", "password")
	dest := flag.String("dest", "queue://demo", "destination: queue://name or topic://name")
	n := flag.Int("n", 10, "messages to send")
	persistent := flag.Bool("persistent", true, "persistent delivery (each send waits for the broker)")
	ttl := flag.Duration("ttl", 0, "time to live (0: forever)")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := openwire.Dial(ctx, *url, openwire.WithCredentials(*user, *pass))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	sess, err := conn.CreateSession(ctx, openwire.AutoAck)
	if err != nil {
		log.Fatal(err)
	}
	prod, err := sess.CreateProducer(ctx, openwire.ParseDestination(*dest),
		openwire.Persistent(*persistent), openwire.TimeToLive(*ttl))
	if err != nil {
		log.Fatal(err)
	}
	for i := range *n {
		m := openwire.NewTextMessage(fmt.Sprintf("message %d", i))
		m.Properties = map[string]any{"seq": int32(i)}
		if err := prod.Send(ctx, m); err != nil {
			log.Fatal(err)
		}
		fmt.Println("sent", m.ID)
	}
}
