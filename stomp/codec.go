package stomp

import (
	"bytes"
	"fmt"

	"github.com/junctionmq/junction/message"
)

// Stored STOMP messages keep their SEND frame's headers (the body is the
// message body, stored once by the message encoding).
func init() {
	message.RegisterCodec(message.STOMP, message.NativeCodec{
		Encode: func(native any) ([]byte, error) {
			f, ok := native.(*Frame)
			if !ok {
				return nil, fmt.Errorf("native form is %T, not a STOMP frame", native)
			}
			// The body is stored by the message encoding; a content-length
			// left here would make the decoder look for it.
			headers := make([]Header, 0, len(f.Headers))
			for _, h := range f.Headers {
				if h.Name != "content-length" {
					headers = append(headers, h)
				}
			}
			return AppendFrame(nil, &Frame{Command: f.Command, Headers: headers}, "1.2"), nil
		},
		Decode: func(b []byte) (any, error) {
			r := NewReader(bytes.NewReader(b), Limits{MaxHeaders: 1 << 16, MaxHeaderLine: 1 << 24, MaxBody: 1 << 20})
			r.SetVersion("1.2")
			f, err := r.ReadFrame()
			if err != nil {
				return nil, err
			}
			// The encoder added content-length for the empty body.
			kept := f.Headers[:0]
			for _, h := range f.Headers {
				if h.Name != "content-length" {
					kept = append(kept, h)
				}
			}
			f.Headers, f.Body = kept, nil
			return f, nil
		},
		Props: decodeFrameProps,
	})
}
