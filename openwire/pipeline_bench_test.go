package openwire_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
	"github.com/junctionmq/junction/pipebench"
)

// pipelineEnv names the broker address a re-executed test binary drives
// as the clients of BenchmarkQueuePipeline1KB.
const pipelineEnv = "JUNCTION_BENCH_PIPELINE_ADDR"

func TestMain(m *testing.M) {
	if addr := os.Getenv(pipelineEnv); addr != "" {
		if err := runPipelineClients(addr, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintf(os.Stdout, "error: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// BenchmarkQueuePipeline1KB measures the broker's send → dispatch → ack
// path per message: a producer connection sends 1 KiB non-persistent
// BytesMessages asynchronously (one write per command, as the Java client
// does) to a queue; a consumer connection with prefetch 1000 receives each
// and acknowledges it by itself, as the ActiveMQ client does in
// AUTO_ACKNOWLEDGE mode. At most 500 messages are in flight, so the queue
// stays short as in a steady-state load test.
//
// The clients run in a child process (this test binary, re-executed), so
// allocs/op and B/op count the broker alone, and broker-cpu-ns/op is the
// CPU time (user + system) of this process per message; ns/op is the wall
// time per message with the clients sharing the machine.
func BenchmarkQueuePipeline1KB(b *testing.B) {
	srv := startOpenWire(b)
	pipebench.Parent(b, []string{pipelineEnv + "=" + srv.Addr("openwire").String()}, 1024)
}

// runPipelineClients is the child process of BenchmarkQueuePipeline1KB:
// it connects a producer and a consumer, says "ready", and for each count
// n read from in pushes n messages through and answers "done n".
func runPipelineClients(addr string, in io.Reader, out io.Writer) error {
	prod, err := dialBench(addr, "producer")
	if err != nil {
		return err
	}
	cons, err := dialBench(addr, "consumer")
	if err != nil {
		return err
	}
	dest := &wire.Destination{Kind: wire.Queue, PhysicalName: "bench.pipeline"}
	pid := &wire.ProducerId{ConnectionId: prod.id, SessionId: 1, Value: 1}
	cid := &wire.ConsumerId{ConnectionId: cons.id, SessionId: 1, Value: 1}
	if err := prod.sync(&wire.ProducerInfo{ProducerId: pid, Destination: dest}); err != nil {
		return err
	}
	if err := cons.sync(&wire.ConsumerInfo{ConsumerId: cid, Destination: dest, PrefetchSize: 1000}); err != nil {
		return err
	}
	// What the Java client sends for a BytesMessage without properties.
	msg := &wire.ActiveMQBytesMessage{Message: wire.Message{
		ProducerId: pid, Destination: dest, Priority: 4,
		MessageId: &wire.MessageId{ProducerId: pid},
		Content:   make([]byte, 1024), MarshalledProperties: []byte{},
	}}
	return pipebench.Child(in, out,
		func(int) error {
			prod.cmdID++
			msg.CommandId = prod.cmdID
			msg.MessageId.ProducerSequenceId++
			msg.Timestamp = time.Now().UnixMilli()
			return prod.write(msg)
		},
		func(n int, slots <-chan struct{}) error { return cons.consume(cid, n, slots) })
}

// benchConn is a raw OpenWire client connection for the benchmark.
type benchConn struct {
	nc    net.Conn
	br    *bufio.Reader
	codec *wire.Codec
	id    string
	cmdID int32
}

// dialBench connects, negotiates the wire format and registers the
// connection and session 1, as a JMS client does before creating
// producers or consumers.
func dialBench(addr, name string) (*benchConn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &benchConn{nc: nc, br: bufio.NewReaderSize(nc, 64<<10), codec: wire.NewCodec(wire.DefaultPreferences()), id: "ID:bench-" + name}
	if err := c.write(c.codec.Local()); err != nil {
		return nil, err
	}
	cmd, err := c.codec.ReadCommand(c.br)
	if err != nil {
		return nil, err
	}
	wfi, ok := cmd.(*wire.WireFormatInfo)
	if !ok {
		return nil, fmt.Errorf("%s: first command %T, want WireFormatInfo", name, cmd)
	}
	if _, err := c.codec.ApplyPeer(wfi); err != nil {
		return nil, err
	}
	if err := c.sync(&wire.ConnectionInfo{ConnectionId: &wire.ConnectionId{Value: c.id}}); err != nil {
		return nil, err
	}
	return c, c.write(&wire.SessionInfo{SessionId: &wire.SessionId{ConnectionId: c.id, Value: 1}})
}

func (c *benchConn) write(cmd wire.Command) error { return c.codec.WriteCommand(c.nc, cmd) }

// sync sends cmd with ResponseRequired and waits for its Response,
// skipping anything else (BrokerInfo, ConnectionControl).
func (c *benchConn) sync(cmd wire.Command) error {
	c.cmdID++
	cmd.SetCommandId(c.cmdID)
	cmd.SetResponseRequired(true)
	if err := c.write(cmd); err != nil {
		return err
	}
	for {
		got, err := c.codec.ReadCommand(c.br)
		if err != nil {
			return err
		}
		switch r := got.(type) {
		case *wire.Response:
			if r.CorrelationId == c.cmdID {
				return nil
			}
		case *wire.ExceptionResponse:
			if r.CorrelationId == c.cmdID {
				return fmt.Errorf("%s refused: %s", wire.TypeName(cmd.DataStructureType()), r.Exception.Message.Value)
			}
		}
	}
}

// consume receives n dispatches and acknowledges each by itself: a
// standard ack naming it as first and last message. Each receipt frees a
// slot of the producer's window.
func (c *benchConn) consume(cid *wire.ConsumerId, n int, window <-chan struct{}) error {
	ack := &wire.MessageAck{ConsumerId: cid, AckType: wire.AckStandard, MessageCount: 1}
	for got := 0; got < n; {
		cmd, err := c.codec.ReadCommand(c.br)
		if err != nil {
			return fmt.Errorf("after %d of %d messages: %w", got, n, err)
		}
		md, ok := cmd.(*wire.MessageDispatch)
		if !ok || md.Message == nil {
			continue
		}
		if len(md.Message.GetMessage().Content) != 1024 {
			return fmt.Errorf("message %d has %d content bytes, want 1024", got+1, len(md.Message.GetMessage().Content))
		}
		got++
		<-window
		c.cmdID++
		ack.CommandId = c.cmdID
		ack.Destination = md.Destination
		ack.FirstMessageId = md.Message.GetMessage().MessageId
		ack.LastMessageId = ack.FirstMessageId
		if err := c.write(ack); err != nil {
			return fmt.Errorf("ack: %w", err)
		}
	}
	return nil
}
