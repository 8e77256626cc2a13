package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// genericDelivery is the reference encoding of a delivery: the generated
// method encoder followed by the content helpers.
func genericDelivery(t *testing.T, dst []byte, channel uint16, d *Delivery, frameMax uint32) []byte {
	t.Helper()
	dst, err := (&BasicDeliver{ConsumerTag: d.ConsumerTag, DeliveryTag: d.DeliveryTag, Redelivered: d.Redelivered, Exchange: d.Exchange, RoutingKey: d.RoutingKey}).AppendFrame(dst, channel)
	if err != nil {
		t.Fatal(err)
	}
	dst = AppendContentHeaderFrame(dst, channel, 60, uint64(len(d.Body)), d.Props)
	return AppendBodyFrames(dst, channel, d.Body, frameMax)
}

func TestAppendDeliveryMatchesTheGenericEncodersByteForByte(t *testing.T) {
	props, err := (&Properties{ContentType: "text/plain", DeliveryMode: 2, Present: FlagContentType | FlagDeliveryMode}).Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		d        Delivery
		frameMax uint32
	}{
		{"small", Delivery{ConsumerTag: "ctag-1", DeliveryTag: 7, Exchange: "amq.direct", RoutingKey: "k", Props: props, Body: []byte("hello")}, 131072},
		{"redelivered, empty names", Delivery{ConsumerTag: "c", DeliveryTag: 1 << 40, Redelivered: true, Props: []byte{0, 0}, Body: []byte("x")}, 0},
		{"empty body", Delivery{ConsumerTag: "c", DeliveryTag: 2, RoutingKey: "q", Props: []byte{0, 0}}, 4096},
		{"body split by frame-max", Delivery{ConsumerTag: "c", DeliveryTag: 3, RoutingKey: "q", Props: props, Body: bytes.Repeat([]byte("0123456789"), 1000)}, 4096},
		{"frame-max too small", Delivery{ConsumerTag: "c", DeliveryTag: 4, RoutingKey: "q", Props: props, Body: bytes.Repeat([]byte("z"), 5000)}, 5},
		{"longest shortstrs", Delivery{ConsumerTag: strings.Repeat("t", 255), DeliveryTag: 5, Exchange: strings.Repeat("e", 255), RoutingKey: strings.Repeat("r", 255), Props: props, Body: []byte("b")}, 131072},
	}
	for _, c := range cases {
		prefix := []byte{0xAA, 0xBB}
		want := genericDelivery(t, bytes.Clone(prefix), 3, &c.d, c.frameMax)
		got, err := AppendDelivery(bytes.Clone(prefix), 3, &c.d, c.frameMax)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: AppendDelivery wrote\n% x\nwant\n% x", c.name, got, want)
		}
	}
}

func TestAppendDeliveryRefusesOverlongShortstrsAndAppendsNothing(t *testing.T) {
	long := strings.Repeat("x", 256)
	for _, d := range []Delivery{
		{ConsumerTag: long},
		{Exchange: long},
		{RoutingKey: long},
	} {
		got, err := AppendDelivery([]byte{1, 2}, 1, &d, 0)
		if !errors.Is(err, errShortstrTooLong) {
			t.Errorf("%+v: error %v, want errShortstrTooLong", d, err)
		}
		if !bytes.Equal(got, []byte{1, 2}) {
			t.Errorf("%+v: buffer became % x, want it unchanged", d, got)
		}
	}
}

func TestAppendDeliveryDoesNotAllocateIntoARoomyBuffer(t *testing.T) {
	d := Delivery{ConsumerTag: "ctag", DeliveryTag: 1, RoutingKey: "q", Props: []byte{0, 0}, Body: make([]byte, 16)}
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		d.DeliveryTag++
		if _, err := AppendDelivery(buf[:0], 1, &d, 131072); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendDelivery allocated %.2f times per delivery, want 0", allocs)
	}
}

// FuzzAppendDelivery checks the hand-written delivery encoder against the
// generated one for any names, tag, properties, body and frame-max.
func FuzzAppendDelivery(f *testing.F) {
	f.Add("ctag", uint64(1), false, "", "q", []byte{0, 0}, []byte("hello"), uint32(131072))
	f.Add("c", uint64(1<<63), true, "amq.topic", "a.b.c", []byte{0x80, 0, 4, 't', 'e', 'x', 't'}, bytes.Repeat([]byte("x"), 5000), uint32(4096))
	f.Add(strings.Repeat("t", 256), uint64(0), false, "", "", []byte{}, []byte{}, uint32(0))
	f.Add("c", uint64(9), false, "x", strings.Repeat("k", 255), []byte{0, 0}, []byte("ab"), uint32(9))
	f.Fuzz(func(t *testing.T, ctag string, tag uint64, redelivered bool, exchange, key string, props, body []byte, frameMax uint32) {
		if len(body) > 1<<16 {
			return
		}
		frameMax %= 1 << 17 // keep split bodies to a manageable number of frames
		d := Delivery{ConsumerTag: ctag, DeliveryTag: tag, Redelivered: redelivered, Exchange: exchange, RoutingKey: key, Props: props, Body: body}
		got, err := AppendDelivery([]byte{7}, 5, &d, frameMax)
		want, wantErr := (&BasicDeliver{ConsumerTag: ctag, DeliveryTag: tag, Redelivered: redelivered, Exchange: exchange, RoutingKey: key}).AppendFrame([]byte{7}, 5)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("AppendDelivery error %v, generated encoder error %v", err, wantErr)
		}
		if err != nil {
			if !bytes.Equal(got, []byte{7}) {
				t.Fatalf("failed AppendDelivery left % x, want the buffer unchanged", got)
			}
			return
		}
		want = AppendContentHeaderFrame(want, 5, 60, uint64(len(body)), props)
		want = AppendBodyFrames(want, 5, body, frameMax)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendDelivery wrote\n% x\nwant\n% x", got, want)
		}
	})
}
