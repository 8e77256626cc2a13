package stomp_test

import (
	"net"
	"testing"
	"time"
)

// FuzzBrokerSurvivesArbitraryBytesAfterConnect sends arbitrary bytes on a
// connected STOMP session (subscribed to a queue, so acks and deliveries
// have something to work on) and checks that the broker still completes a
// CONNECT for the next client: no panic, no deadlock, whatever a peer sends.
func FuzzBrokerSurvivesArbitraryBytesAfterConnect(f *testing.F) {
	b := start(f, nil)
	seeds := [][]byte{
		encode("SEND", []byte("hello"), "destination:/queue/q"),
		encode("SEND", []byte{0, 1, 2}, "destination:/queue/q", "content-length:3"),
		encode("SEND", nil, "destination:/topic/a.b", "content-length:-5"),
		encode("SEND", nil, "destination:/queue/q", "content-length:99999999999999999999"),
		encode("SUBSCRIBE", nil, "destination:/queue/q"),
		encode("SUBSCRIBE", nil, "id:1", "destination:/topic/#", "selector:a = 'b' AND"),
		encode("SUBSCRIBE", nil, "id:2", "destination:/temp-queue/x", "ack:client", "prefetch-count:-1"),
		encode("ACK", nil, "id:session-1-1"),
		encode("NACK", nil, "id:x", "requeue:false"),
		encode("BEGIN", nil, "transaction:t"),
		append(encode("BEGIN", nil, "transaction:t"), encode("SEND", []byte("x"), "destination:/queue/q", "transaction:t")...),
		encode("COMMIT", nil, "transaction:nope"),
		encode("UNSUBSCRIBE", nil, "id:0"),
		encode("SEND", []byte("x"), `destination:/queue/a\tb`),
		encode("SEND", []byte("x"), "destination:/exchange/amq.direct/k", "expires:-1", "priority:300"),
		encode("SEND", []byte("x"), "destination:/queue/q", "reply-to:/temp-queue/r", "expiration:x"),
		encode("CONNECT", nil, "accept-version:1.2"),
		encode("DISCONNECT", nil, "receipt:r"),
		[]byte("\n\n\r\n"),
		[]byte("SEND\ndestination:/queue/q\n"),
		[]byte("lowercase\n\n\x00"),
		{0, 0, 0},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := rawDial(t, b.addr)
		// Linger 0: a reset instead of TIME_WAIT, so that many iterations do
		// not exhaust the ephemeral ports.
		_ = c.nc.(*net.TCPConn).SetLinger(0)
		c.connect()
		c.send("SUBSCRIBE", "", "id:0", "destination:/queue/q", "ack:client")
		_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.nc.Write(data)
		// Give the broker a moment to act, reading whatever it says.
		_ = c.nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		buf := make([]byte, 4096)
		for {
			if _, err := c.r.Read(buf); err != nil {
				break
			}
		}
		_ = c.nc.Close()

		next := rawDial(t, b.addr)
		_ = next.nc.(*net.TCPConn).SetLinger(0)
		next.connect()
		next.receipt("BEGIN", "", "alive", "transaction:t")
		_ = next.nc.Close()
	})
}
