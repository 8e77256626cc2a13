package bench

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/junctionmq/junction/amqp/wire"
)

// leanAckFlushAt bounds the acks a consumer holds back while the broker
// keeps its read buffer full (possible without a prefetch limit).
const leanAckFlushAt = 16 << 10

// errConsumerCancelled is a basic.cancel from the broker (queue deleted).
var errConsumerCancelled = errors.New("consumer cancelled by broker")

// assembly states of a consumer.
const (
	wantMethod = iota
	wantHeader
	wantBody
)

// leanConsumer turns the frames of channel 1 into deliveries and
// acknowledges them in batches.
type leanConsumer struct {
	c        *leanConn
	autoAck  bool
	multiAck int
	got      func(body []byte)

	state int
	tag   uint64 // delivery tag of the message being assembled
	size  uint64 // its announced body size
	body  []byte // its body so far, when it spans frames; reused
	n     int    // deliveries since the last ack
	acks  []byte // encoded basic.acks not yet written
	// delivered counts completed deliveries (for tests).
	delivered int
}

func newLeanConsumer(c *leanConn, o *Options, got func([]byte)) *leanConsumer {
	return &leanConsumer{c: c, autoAck: o.AutoAck, multiAck: max(o.MultiAck, 1), got: got,
		acks: make([]byte, 0, leanAckFlushAt+64)}
}

// run reads until the connection fails or the broker closes it. The acks
// of a read batch go out once the read buffer is drained, just before a
// read that would block.
func (s *leanConsumer) run() error {
	for {
		if len(s.acks) > 0 && (s.c.r.Buffered() == 0 || len(s.acks) >= leanAckFlushAt) {
			if err := s.flushAcks(); err != nil {
				return err
			}
		}
		f, err := s.c.r.ReadFrame()
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if err := s.frame(f); err != nil {
			return err
		}
	}
}

func (s *leanConsumer) flushAcks() error {
	s.c.wmu.Lock()
	_, err := s.c.nc.Write(s.acks)
	s.c.wmu.Unlock()
	s.acks = s.acks[:0]
	if err != nil {
		return fmt.Errorf("write acks: %w", err)
	}
	return nil
}

// frame advances the assembly by one frame: basic.deliver, then its
// content header, then body frames until the announced size is reached.
func (s *leanConsumer) frame(f wire.Frame) error {
	if f.Type == wire.FrameHeartbeat {
		if f.Channel != 0 {
			return fmt.Errorf("heartbeat frame on channel %d", f.Channel)
		}
		return nil
	}
	if f.Channel != leanChannel && !(f.Channel == 0 && f.Type == wire.FrameMethod) {
		return fmt.Errorf("frame type %d on channel %d, which was not opened", f.Type, f.Channel)
	}
	switch s.state {
	case wantMethod:
		if f.Type != wire.FrameMethod {
			return fmt.Errorf("content frame (type %d) without a basic.deliver", f.Type)
		}
		if tag, ok := scanDeliver(f.Payload); ok && f.Channel == leanChannel {
			s.tag, s.state = tag, wantHeader
			return nil
		}
		return s.method(f)
	case wantHeader:
		if f.Type != wire.FrameHeader {
			return fmt.Errorf("frame type %d where the content header of delivery %d belongs", f.Type, s.tag)
		}
		h, err := wire.ParseContentHeader(f.Payload)
		if err != nil {
			return fmt.Errorf("content header of delivery %d: %w", s.tag, err)
		}
		if h.ClassID != 60 {
			return fmt.Errorf("content header of delivery %d has class %d, not basic (60)", s.tag, h.ClassID)
		}
		if h.BodySize == 0 {
			return s.complete(nil)
		}
		s.size, s.body, s.state = h.BodySize, s.body[:0], wantBody
		return nil
	default:
		if f.Type != wire.FrameBody {
			return fmt.Errorf("frame type %d inside the body of delivery %d (%d of %d bytes read)", f.Type, s.tag, len(s.body), s.size)
		}
		have := uint64(len(s.body)) + uint64(len(f.Payload))
		switch {
		case have > s.size:
			return fmt.Errorf("body of delivery %d overruns its announced %d bytes (%d)", s.tag, s.size, have)
		case have < s.size:
			s.body = append(s.body, f.Payload...)
			return nil
		case len(s.body) == 0:
			// The whole body in one frame: hand out the read buffer
			// itself, which stays valid until the next read.
			return s.complete(f.Payload)
		}
		s.body = append(s.body, f.Payload...)
		return s.complete(s.body)
	}
}

// complete hands a delivery to got and queues its acknowledgement.
func (s *leanConsumer) complete(body []byte) error {
	s.state = wantMethod
	s.delivered++
	s.got(body)
	if s.autoAck {
		return nil
	}
	if s.n++; s.n < s.multiAck {
		return nil
	}
	s.n = 0
	ack := wire.BasicAck{DeliveryTag: s.tag, Multiple: s.multiAck > 1}
	var err error
	if s.acks, err = ack.AppendFrame(s.acks, leanChannel); err != nil {
		return fmt.Errorf("encode basic.ack: %w", err)
	}
	return nil
}

// method handles a method frame other than basic.deliver.
func (s *leanConsumer) method(f wire.Frame) error {
	m, err := wire.AMQP091.DecodeMethod(f.Payload)
	if err != nil {
		return fmt.Errorf("decode method on channel %d: %w", f.Channel, err)
	}
	if err := s.c.control(f.Channel, m); err != nil {
		return err
	}
	switch m := m.(type) {
	case *wire.ConnectionBlocked, *wire.ConnectionUnblocked:
		return nil // a consumer publishes nothing
	case *wire.BasicCancel:
		return fmt.Errorf("%w (consumer tag %q)", errConsumerCancelled, m.ConsumerTag)
	}
	return fmt.Errorf("unexpected %s on channel %d at a consumer", m.MethodName(), f.Channel)
}

// scanDeliver reads the delivery tag of a basic.deliver payload without
// decoding its strings: the consumer needs nothing else, and decoding the
// whole method would allocate twice per message. ok is false for
// any other payload, malformed ones included, which then go to the full
// decoder and its error.
func scanDeliver(p []byte) (tag uint64, ok bool) {
	// class 60, method 60, consumer-tag, delivery-tag, redelivered,
	// exchange, routing-key.
	if len(p) < 4+1 || p[0] != 0 || p[1] != 60 || p[2] != 0 || p[3] != 60 {
		return 0, false
	}
	i := 5 + int(p[4])
	if len(p) < i+8+1+1 {
		return 0, false
	}
	tag = binary.BigEndian.Uint64(p[i:])
	i += 8 + 1 // delivery tag, the redelivered bit
	i += 1 + int(p[i])
	if len(p) < i+1 {
		return 0, false
	}
	i += 1 + int(p[i])
	// Like the codec: reserved bits of the flags octet are ignored, and
	// bytes after the routing key are an error.
	return tag, i == len(p)
}
