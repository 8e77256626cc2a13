package amqp

import (
	"encoding/binary"

	"github.com/junctionmq/junction/amqp/wire"
)

// The two methods every message costs, basic.publish and basic.ack, are
// parsed here without allocating; their layout and ids are the same in
// 0-9-1, 0-9 and 0-8. Anything unusual falls back to the generated
// decoder, which also produces the proper errors.

var (
	publishIDs = [4]byte{0, 60, 0, 40}
	ackIDs     = [4]byte{0, 60, 0, 80}
	ackMethod  = &wire.BasicAck{}
)

// fastMethod handles basic.publish and basic.ack on an open channel. It
// reports false when the generic path must handle the frame.
func (c *conn) fastMethod(f wire.Frame) (bool, error) {
	p := f.Payload
	if f.Channel == 0 || len(p) < 4 {
		return false, nil
	}
	ch := c.openChannel(f.Channel)
	if ch == nil || ch.closing || ch.publish != nil {
		return false, nil
	}
	switch [4]byte(p[:4]) {
	case publishIDs:
		args := p[4:]
		if len(args) < 3 {
			return false, nil
		}
		rest := args[2:] // reserved-1 / ticket
		exchange, rest, ok := shortstr(rest)
		if !ok {
			return false, nil
		}
		key, rest, ok := shortstr(rest)
		if !ok || len(rest) != 1 {
			return false, nil
		}
		m := &ch.pubScratch
		m.Exchange = ch.intern(&ch.lastExchange, exchange)
		m.RoutingKey = ch.intern(&ch.lastKey, key)
		m.Mandatory = rest[0]&1 != 0
		m.Immediate = rest[0]&2 != 0
		return true, c.channelResult(ch, m, ch.startPublish(m))
	case ackIDs:
		args := p[4:]
		if len(args) != 9 {
			return false, nil
		}
		tag := binary.BigEndian.Uint64(args)
		return true, c.channelResult(ch, ackMethod, ch.ack(tag, args[8]&1 != 0, ackMethod))
	}
	return false, nil
}

func shortstr(b []byte) ([]byte, []byte, bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return nil, nil, false
	}
	n := int(b[0])
	return b[1 : 1+n], b[1+n:], true
}

// intern returns a string for b, reusing the previous one when equal, so
// a producer publishing to the same exchange and key allocates nothing.
func (ch *channel) intern(last *string, b []byte) string {
	if string(b) == *last {
		return *last
	}
	*last = string(b)
	return *last
}
