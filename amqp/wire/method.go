package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Method is a decoded AMQP method. Every generated struct implements it;
// the unexported methodIndex keeps other types out so Protocol can look up
// per-version encoders by index.
type Method interface {
	// ClassID and MethodID are the ids in AMQP 0-9-1, or for a method
	// 0-9-1 lacks, in the newest version that defines it. Protocol.IDs
	// gives the ids a given version puts on the wire.
	ClassID() uint16
	MethodID() uint16
	MethodName() string // "basic.publish"
	HasContent() bool   // a content header and body frames follow
	methodIndex() int
}

// methodEncoder is one version's wire ids and argument encoder for a
// method struct.
type methodEncoder struct {
	classID, methodID uint16
	appendArgs        func(dst []byte, m Method) ([]byte, error)
}

// appendMethodHeader starts a method frame; finishFrame fills in the size
// once the arguments are appended.
func appendMethodHeader(dst []byte, channel, classID, methodID uint16) []byte {
	return append(dst, FrameMethod, byte(channel>>8), byte(channel), 0, 0, 0, 0,
		byte(classID>>8), byte(classID), byte(methodID>>8), byte(methodID))
}

// finishFrame patches the payload size of the frame that starts at
// dst[start] and appends the frame-end octet.
func finishFrame(dst []byte, start int, m Method) ([]byte, error) {
	size := len(dst) - start - frameHeaderSize
	if uint64(size) > math.MaxUint32 {
		return dst[:start], fmt.Errorf("encode %s: payload of %d bytes exceeds a frame", m.MethodName(), size)
	}
	binary.BigEndian.PutUint32(dst[start+3:], uint32(size))
	return append(dst, FrameEnd), nil
}
