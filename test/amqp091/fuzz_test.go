package amqp091_test

import (
	"net"
	"testing"
	"time"

	"github.com/junctionmq/junction/servertest"
)

// FuzzBrokerSurvivesArbitraryFramesAfterHandshake feeds arbitrary bytes to
// an in-process Junction on an open connection (channel 1 open) and checks
// that the broker still completes a handshake for the next client: no
// panic, no deadlock, whatever a peer sends.
func FuzzBrokerSurvivesArbitraryFramesAfterHandshake(f *testing.F) {
	if externalURL() != "" {
		f.Skip("fuzzes an in-process Junction only")
	}
	b := servertest.Start(f, nil)
	url := b.AMQPURL()

	publish := method(60, 40, u16(0), shortstr(""), shortstr("q"), u8(0))
	header := append(append(u16(60), u16(0)...), append(u64(4), u16(0)...)...)
	seeds := [][]byte{
		frame(frameMethod, 1, method(50, 10, u16(0), shortstr("q"), u8(0), emptyTable)),
		frame(frameMethod, 1, method(60, 999)),
		frame(frameMethod, 7, method(50, 10, u16(0), shortstr("q"), u8(0), emptyTable)),
		frame(frameHeader, 1, header),
		frame(frameBody, 1, []byte("abc")),
		append(append(frame(frameMethod, 1, publish), frame(frameHeader, 1, header)...), frame(frameBody, 1, []byte("body"))...),
		append(frame(frameMethod, 1, publish), frame(frameMethod, 1, publish)...),
		frame(frameMethod, 1, method(50, 10, u16(0), []byte{10, 'a'})),
		frame(frameHeartbeat, 1, nil),
		frame(9, 0, []byte{1, 2, 3}),
		{frameMethod, 0, 1, 0xff, 0xff, 0xff, 0xff},
		frame(frameMethod, 0, method(10, 50, u16(200), shortstr("bye"), u16(0), u16(0))),
		frame(frameMethod, 1, method(40, 10, u16(0), shortstr("x"), shortstr("topic"), u8(0), u32(7), shortstr("k"), []byte{'A'}, u32(0))),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Linger 0: a reset instead of TIME_WAIT, so that thousands of
		// iterations do not run the machine out of ephemeral ports.
		c := rawDial(t, url)
		_ = c.nc.(*net.TCPConn).SetLinger(0)
		c.handshake(url, 0, 0, 0)
		c.openChannel(1)
		_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.nc.Write(data)
		// Give the broker a moment to act on it, reading whatever it says.
		_ = c.nc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		buf := make([]byte, 4096)
		for {
			if _, err := c.r.Read(buf); err != nil {
				break
			}
		}
		_ = c.nc.Close()

		next := rawDial(t, url)
		_ = next.nc.(*net.TCPConn).SetLinger(0)
		next.handshake(url, 0, 0, 0)
		next.openChannel(1)
	})
}
