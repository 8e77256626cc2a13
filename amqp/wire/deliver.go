package wire

import (
	"fmt"
	"slices"
)

// Delivery is one basic.deliver with its content, as the broker sends it
// to a consumer.
type Delivery struct {
	ConsumerTag string
	DeliveryTag uint64
	Redelivered bool
	Exchange    string
	RoutingKey  string
	// Props is the encoded basic properties (property flags and list).
	Props []byte
	Body  []byte
}

// AppendDelivery appends d as a basic.deliver method frame, a content
// header frame and the body frames (split by frameMax as AppendBodyFrames
// does), byte for byte what BasicDeliver.AppendFrame, AppendContentHeaderFrame
// and AppendBodyFrames produce together. It is the per-message encoder:
// it grows dst once and allocates nothing. On error (a string longer than a
// shortstr) dst is returned unchanged.
func AppendDelivery(dst []byte, channel uint16, d *Delivery, frameMax uint32) ([]byte, error) {
	switch {
	case len(d.ConsumerTag) > maxShortstr:
		return dst, fmt.Errorf("encode basic.deliver: consumer-tag: %w (%d)", errShortstrTooLong, len(d.ConsumerTag))
	case len(d.Exchange) > maxShortstr:
		return dst, fmt.Errorf("encode basic.deliver: exchange: %w (%d)", errShortstrTooLong, len(d.Exchange))
	case len(d.RoutingKey) > maxShortstr:
		return dst, fmt.Errorf("encode basic.deliver: routing-key: %w (%d)", errShortstrTooLong, len(d.RoutingKey))
	}
	// class, method, 3 shortstr lengths, delivery tag, bits
	args := 4 + 3 + 8 + 1 + len(d.ConsumerTag) + len(d.Exchange) + len(d.RoutingKey)
	size := frameOverhead + args + frameOverhead + 12 + len(d.Props) + bodyFramesSize(len(d.Body), frameMax)
	dst = slices.Grow(dst, size)

	dst = append(dst, FrameMethod, byte(channel>>8), byte(channel))
	dst = appendLong(dst, uint32(args))
	dst = append(dst, 0, 60, 0, 60)
	dst = append(dst, byte(len(d.ConsumerTag)))
	dst = append(dst, d.ConsumerTag...)
	dst = appendLonglong(dst, d.DeliveryTag)
	var bits byte
	if d.Redelivered {
		bits = 1
	}
	dst = append(dst, bits, byte(len(d.Exchange)))
	dst = append(dst, d.Exchange...)
	dst = append(dst, byte(len(d.RoutingKey)))
	dst = append(dst, d.RoutingKey...)
	dst = append(dst, FrameEnd)

	dst = AppendContentHeaderFrame(dst, channel, 60, uint64(len(d.Body)), d.Props)
	return AppendBodyFrames(dst, channel, d.Body, frameMax), nil
}

// bodyFramesSize is how many bytes AppendBodyFrames appends for a body of
// n bytes.
func bodyFramesSize(n int, frameMax uint32) int {
	if n == 0 {
		return 0
	}
	chunk := bodyChunk(frameMax)
	frames := (uint64(n) + chunk - 1) / chunk
	return n + int(frames)*frameOverhead
}
