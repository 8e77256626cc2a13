package stomp

import (
	"testing"

	"github.com/junctionmq/junction/message"
)

func TestStoredSTOMPMessageKeepsHeaders(t *testing.T) {
	f := &Frame{Command: "SEND", Headers: []Header{{"destination", "/queue/a"}, {"content-length", "4"}, {"color", "red:blue"}, {"content-type", "text/plain"}}, Body: []byte("b\x00dy")}
	m := message.New(message.STOMP, nil, decodeFrameProps)
	m.Native, m.Body = f, f.Body
	b, err := message.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := message.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Body) != "b\x00dy" || got.Props().Headers["color"] != "red:blue" || got.Props().ContentType != "text/plain" {
		t.Fatalf("body %q props %+v", got.Body, got.Props())
	}
}
