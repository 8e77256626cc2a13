package wire

import (
	"testing"
	"time"

	"github.com/junctionmq/junction/message"
)

// typicalHeaders is a headers table of the kind applications send.
func typicalHeaders() message.Table {
	return message.Table{
		"x-trace-id":    "3f2a9c1e-7b44-4d0a-9e0f-5a1c2b3d4e5f",
		"x-retry-count": int32(2),
		"x-first-seen":  time.Unix(1700000000, 0).UTC(),
		"tenant":        "acme",
		"priority-hint": true,
		"x-death":       []any{message.Table{"queue": "orders", "count": int64(1)}},
	}
}

func BenchmarkReadFramePublishSequence(b *testing.B) {
	stream := publishSequence(b, make([]byte, 1024))
	r := NewFrameReader(&loopReader{data: stream})
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 3; j++ { // method, header, body
			if _, err := r.ReadFrame(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkDecodeMethodBasicPublish(b *testing.B) {
	frame, err := (&BasicPublish{Exchange: "amq.topic", RoutingKey: "orders.eu.created", Mandatory: true}).AppendFrame(nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	payload := frame[frameHeaderSize : len(frame)-1]
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := AMQP091.DecodeMethod(payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBasicDeliverAppendFrame(b *testing.B) {
	m := &BasicDeliver{ConsumerTag: "amq.ctag-Xb3sJk2A9qPz", DeliveryTag: 1, Exchange: "amq.topic", RoutingKey: "orders.eu.created"}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.DeliveryTag++
		var err error
		if buf, err = m.AppendFrame(buf[:0], 1); err != nil {
			b.Fatal(err)
		}
	}
}

func benchProps(b *testing.B) []byte {
	p := Properties{ContentType: "application/json", Headers: typicalHeaders(), DeliveryMode: 2,
		Priority: 4, MessageID: "m-123456", Expiration: "60000", Timestamp: time.Unix(1700000000, 0)}
	p.MarkNonZero()
	raw, err := p.Append(nil)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

func BenchmarkScanProperties(b *testing.B) {
	raw := benchProps(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ScanProperties(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeProperties(b *testing.B) {
	raw := benchProps(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := DecodeProperties(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTable(b *testing.B) {
	raw, err := AppendTable(nil, typicalHeaders())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := DecodeTable(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendTable(b *testing.B) {
	t := typicalHeaders()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = AppendTable(buf[:0], t); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPropertiesAppend(b *testing.B) {
	p, err := DecodeProperties(benchProps(b))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if buf, err = p.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
