package amqp_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/junctionmq/junction/pipebench"
	"github.com/junctionmq/junction/servertest"
	amqp091 "github.com/rabbitmq/amqp091-go"
)

// The child process of a pipeline benchmark learns what to do from these
// variables: the broker's URL, the body size, and whether the consumer
// acknowledges each message itself.
const (
	pipelineURLEnv  = "JUNCTION_BENCH_AMQP_PIPELINE_URL"
	pipelineSizeEnv = "JUNCTION_BENCH_AMQP_PIPELINE_SIZE"
	pipelineAckEnv  = "JUNCTION_BENCH_AMQP_PIPELINE_ACK"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(pipelineURLEnv); url != "" {
		size, err := strconv.Atoi(os.Getenv(pipelineSizeEnv))
		if err == nil {
			err = runPipelineClients(url, size, os.Getenv(pipelineAckEnv) == "1", os.Stdin, os.Stdout)
		}
		if err != nil {
			fmt.Fprintf(os.Stdout, "error: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// BenchmarkQueuePipeline16B measures the broker's publish → route →
// enqueue → dispatch → deliver path per message: an amqp091-go producer
// publishes 16 B transient messages without confirms to a queue through
// the default exchange, and an amqp091-go consumer on another connection
// receives them with auto-ack (no-ack). At most 500 messages are in
// flight, so the queue stays short as in a steady-state load test.
//
// The clients run in a child process (this test binary, re-executed), so
// allocs/op and B/op count the broker alone, and broker-cpu-ns/op is the
// CPU time (user + system) of this process per message; ns/op is the wall
// time per message with the clients sharing the machine.
func BenchmarkQueuePipeline16B(b *testing.B) { benchPipeline(b, 16, false) }

// BenchmarkQueuePipeline1KB is BenchmarkQueuePipeline16B with 1 KiB
// bodies.
func BenchmarkQueuePipeline1KB(b *testing.B) { benchPipeline(b, 1024, false) }

// BenchmarkQueuePipeline16BAck is BenchmarkQueuePipeline16B with a
// consumer that acknowledges each message by itself (basic.ack, multiple
// false) under a prefetch of 1000, the other common consuming path.
func BenchmarkQueuePipeline16BAck(b *testing.B) { benchPipeline(b, 16, true) }

func benchPipeline(b *testing.B, size int, ack bool) {
	srv := servertest.Start(b, nil)
	pipebench.Parent(b, []string{
		pipelineURLEnv + "=" + srv.AMQPURL(),
		pipelineSizeEnv + "=" + strconv.Itoa(size),
		pipelineAckEnv + "=" + map[bool]string{false: "0", true: "1"}[ack],
	}, size)
}

// runPipelineClients is the child process of the pipeline benchmarks: it
// connects a producer and a consumer, says "ready", and for each count n
// read from in pushes n messages through and answers "done n".
func runPipelineClients(url string, size int, ack bool, in io.Reader, out io.Writer) error {
	const queue = "bench.pipeline"
	prodConn, err := amqp091.Dial(url)
	if err != nil {
		return fmt.Errorf("producer connection: %w", err)
	}
	defer prodConn.Close()
	consConn, err := amqp091.Dial(url)
	if err != nil {
		return fmt.Errorf("consumer connection: %w", err)
	}
	defer consConn.Close()
	prod, err := prodConn.Channel()
	if err != nil {
		return fmt.Errorf("producer channel: %w", err)
	}
	cons, err := consConn.Channel()
	if err != nil {
		return fmt.Errorf("consumer channel: %w", err)
	}
	if _, err := cons.QueueDeclare(queue, false, false, false, false, nil); err != nil {
		return fmt.Errorf("declare %s: %w", queue, err)
	}
	if ack {
		if err := cons.Qos(1000, 0, false); err != nil {
			return fmt.Errorf("qos: %w", err)
		}
	}
	deliveries, err := cons.Consume(queue, "bench", !ack, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", queue, err)
	}
	pub := amqp091.Publishing{ContentType: "application/octet-stream", Body: make([]byte, size)}
	return pipebench.Child(in, out,
		func(int) error { return prod.PublishWithContext(context.Background(), "", queue, false, false, pub) },
		func(n int, slots <-chan struct{}) error { return consumePipeline(deliveries, n, size, ack, slots) })
}

// consumePipeline receives n deliveries, checks each body's size, acks
// each when asked to, and frees a slot of the producer's window per
// receipt.
func consumePipeline(deliveries <-chan amqp091.Delivery, n, size int, ack bool, window <-chan struct{}) error {
	for got := range n {
		d, ok := <-deliveries
		if !ok {
			return fmt.Errorf("deliveries closed after %d of %d messages", got, n)
		}
		if len(d.Body) != size {
			return fmt.Errorf("message %d has %d body bytes, want %d", got+1, len(d.Body), size)
		}
		if ack {
			if err := d.Ack(false); err != nil {
				return fmt.Errorf("ack message %d: %w", got+1, err)
			}
		}
		<-window
	}
	return nil
}
