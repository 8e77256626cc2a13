package amqp

import "github.com/junctionmq/junction/message"

// AMQP messages are stored with their raw basic-properties bytes; decoding
// properties after a restart uses the same lazy decoder as at publish.
func init() {
	message.RegisterCodec(message.AMQP, message.NativeCodec{Props: decodeProps})
}
