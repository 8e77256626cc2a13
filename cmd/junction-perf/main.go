// Command junction-perf is Junction's load generator (in the spirit of
// RabbitMQ PerfTest). It prints per-second rates and ends with one JSON
// line: published and consumed msgs/s and latency percentiles.
//
//	junction-perf -uri amqp://guest:guest@localhost:5672/ -size 1024 -duration 20s
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"github.com/junctionmq/junction/bench"
)

func main() {
	var o bench.Options
	flag.StringVar(&o.URL, "uri", "amqp://guest:guest@127.0.0.1:5672/", "broker URI")
	flag.StringVar(&o.Protocol, "protocol", "amqp", "protocol: amqp (amqp091-go), amqp-lean (a minimal AMQP 0-9-1 client of our own: one channel, PLAIN, no TLS), stomp (stomp://user:pass@host:port/) or openwire (tcp://host:61616)")
	flag.IntVar(&o.Producers, "producers", 1, "producers (one connection each)")
	flag.IntVar(&o.Consumers, "consumers", 1, "consumers (one connection each)")
	flag.IntVar(&o.Queues, "queues", 1, "queues (producers and consumers spread over them)")
	flag.StringVar(&o.QueuePrefix, "queue-prefix", "perf-q", "queue name prefix")
	flag.IntVar(&o.Size, "size", 16, "message body size in bytes (min 8)")
	flag.BoolVar(&o.Persistent, "persistent", false, "persistent messages on durable queues")
	flag.IntVar(&o.Confirm, "confirm", 0, "publisher confirms with this many in flight per producer (0 = off)")
	flag.IntVar(&o.Prefetch, "prefetch", 0, "consumer prefetch (0 = unlimited)")
	flag.BoolVar(&o.AutoAck, "autoack", false, "consume without acknowledgements")
	flag.IntVar(&o.MultiAck, "multi-ack", 1, "acknowledge every N messages with multiple=true")
	flag.DurationVar(&o.Duration, "duration", 10*time.Second, "run time")
	flag.DurationVar(&o.Warmup, "warmup", 0, "run this long first without counting (the figures cover -duration after it)")
	flag.IntVar(&o.Count, "count", 0, "messages per producer (0 = until -duration)")
	flag.IntVar(&o.Rate, "rate", 0, "total publish rate in msgs/s (0 = as fast as possible)")
	flag.BoolVar(&o.Fanout, "fanout", false, "fan out: every consumer gets its own queue bound to one fanout exchange")
	flag.IntVar(&o.Idle, "idle-connections", 0, "also hold this many idle connections")
	quiet := flag.Bool("quiet", false, "print only the final JSON line")
	cpuProfile := flag.String("cpuprofile", "", "write the load generator's own CPU profile to this file (to tell client cost from broker cost)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "junction-perf: cpu profile:", err)
			os.Exit(2)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if !*quiet {
		o.Out = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := bench.Run(ctx, o)
	fmt.Println(res.JSON())
	if err != nil {
		fmt.Fprintln(os.Stderr, "junction-perf:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}
