package message

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// Messages are stored in the journal in this encoding (version 1):
//
//	u8 version, u8 origin, u8 flags (1 persistent, 2 has priority,
//	4 properties follow), u8 priority, varint expiresAt,
//	str exchange, str routing key, str group id,
//	bytes raw, bytes native, [properties], bytes body
//
// where str and bytes are a uvarint length and the bytes. The native form
// is encoded by its protocol's registered codec; decoded properties are
// stored only for broker-made (Internal) messages, whose properties have
// no raw form.
//
// Version 2 adds varint arrivedAt after expiresAt: when the broker took
// the message in (Unix ms), from which a queue's message TTL runs again
// after a restart. An older Junction refuses a version 2 record rather
// than misreading it.

// NativeCodec is how a protocol stores its native message form and
// decodes its properties lazily.
type NativeCodec struct {
	Encode func(native any) ([]byte, error)
	Decode func(b []byte) (any, error)
	Props  func(*Message) (*Properties, error)
}

var (
	codecsMu sync.RWMutex
	codecs   = map[Protocol]NativeCodec{}
)

// RegisterCodec installs a protocol's codec; protocol packages call it
// from init.
func RegisterCodec(p Protocol, c NativeCodec) {
	codecsMu.Lock()
	codecs[p] = c
	codecsMu.Unlock()
}

func codecFor(p Protocol) (NativeCodec, bool) {
	codecsMu.RLock()
	defer codecsMu.RUnlock()
	c, ok := codecs[p]
	return c, ok
}

const (
	encodingVersion        = 1
	encodingVersionArrived = 2 // with arrivedAt
)

// nativeOrigin is the protocol a native form belongs to; an Internal
// (derived) message keeps its source's native form.
func (m *Message) nativeOrigin() Protocol {
	if m.nativeProto != Internal {
		return m.nativeProto
	}
	return m.Origin
}

// Encode serialises m for storage.
func Encode(m *Message) ([]byte, error) { return EncodeArrived(m, 0) }

// EncodeArrived is Encode recording that the broker took m in at
// arrivedAt (Unix ms; 0 records nothing), for Meta.ArrivedAt.
func EncodeArrived(m *Message, arrivedAt int64) ([]byte, error) {
	var native []byte
	if m.Native != nil {
		c, ok := codecFor(m.nativeOrigin())
		if !ok || c.Encode == nil {
			return nil, fmt.Errorf("encode message: no codec for %s native form", m.nativeOrigin())
		}
		var err error
		if native, err = c.Encode(m.Native); err != nil {
			return nil, fmt.Errorf("encode %s native form: %w", m.nativeOrigin(), err)
		}
	}
	flags := byte(0)
	if m.Persistent {
		flags |= 1
	}
	if m.HasPriority {
		flags |= 2
	}
	storeProps := m.Origin == Internal
	if storeProps {
		flags |= 4
	}
	b := make([]byte, 0, 32+len(m.Exchange)+len(m.RoutingKey)+len(m.Raw)+len(native)+len(m.Body))
	version := byte(encodingVersion)
	if arrivedAt != 0 {
		version = encodingVersionArrived
	}
	b = append(b, version, byte(m.Origin), flags, m.Priority)
	b = binary.AppendVarint(b, m.ExpiresAt)
	if arrivedAt != 0 {
		b = binary.AppendVarint(b, arrivedAt)
	}
	b = appendBytes(b, []byte(m.Exchange))
	b = appendBytes(b, []byte(m.RoutingKey))
	b = appendBytes(b, []byte(m.GroupID))
	b = appendBytes(b, m.Raw)
	b = append(b, byte(m.nativeOrigin()))
	b = appendBytes(b, native)
	if storeProps {
		var err error
		if b, err = appendProperties(b, m.Props()); err != nil {
			return nil, fmt.Errorf("encode properties: %w", err)
		}
	}
	b = appendBytes(b, m.Body)
	return b, nil
}

// stored is an encoded message split into its fields, pointing into the
// encoding: Decode builds a Message from it, DecodeMeta only reads it.
type stored struct {
	origin, flags, priority byte
	expiresAt, arrivedAt    int64
	exchange, routingKey    []byte
	groupID, raw            []byte
	nativeProto             Protocol
	native                  []byte
	props                   *Properties // only when stored (flags&4)
	body                    []byte
}

func splitStored(b []byte) (stored, error) {
	d := decoder{b: b}
	version := d.byte()
	if d.err == nil && version != encodingVersion && version != encodingVersionArrived {
		return stored{}, fmt.Errorf("decode message: unknown encoding version %d", version)
	}
	st := stored{origin: d.byte(), flags: d.byte(), priority: d.byte(), expiresAt: d.varint()}
	if version == encodingVersionArrived {
		st.arrivedAt = d.varint()
	}
	st.exchange, st.routingKey, st.groupID, st.raw = d.bytes(), d.bytes(), d.bytes(), d.bytes()
	st.nativeProto = Protocol(d.byte())
	st.native = d.bytes()
	if st.flags&4 != 0 && d.err == nil {
		st.props = d.properties()
	}
	st.body = d.bytes()
	if d.err != nil {
		return stored{}, fmt.Errorf("decode message: %w", d.err)
	}
	return st, nil
}

// Decode reverses Encode. The result shares memory with b.
func Decode(b []byte) (*Message, error) {
	st, err := splitStored(b)
	if err != nil {
		return nil, err
	}
	m := &Message{Origin: Protocol(st.origin), Priority: st.priority, ExpiresAt: st.expiresAt,
		Exchange: string(st.exchange), RoutingKey: string(st.routingKey), GroupID: string(st.groupID),
		Body: st.body, nativeProto: st.nativeProto}
	m.Persistent, m.HasPriority = st.flags&1 != 0, st.flags&2 != 0
	if len(st.raw) > 0 {
		m.Raw = st.raw
	}
	if len(st.native) > 0 {
		c, ok := codecFor(m.nativeProto)
		if !ok || c.Decode == nil {
			return nil, fmt.Errorf("decode message: no codec for %s native form", m.nativeProto)
		}
		n, err := c.Decode(st.native)
		if err != nil {
			return nil, fmt.Errorf("decode %s native form: %w", m.nativeProto, err)
		}
		m.Native = n
	}
	if st.props != nil {
		m.props.Store(st.props)
	} else if c, ok := codecFor(m.Origin); ok {
		m.decode = c.Props
	}
	return m, nil
}

// Meta is what a queue needs to index a stored message whose body it
// leaves on disk.
type Meta struct {
	Priority  byte
	ExpiresAt int64
	// ArrivedAt is when the broker took the message in (Unix ms), 0 when
	// not recorded (see EncodeArrived).
	ArrivedAt int64
	GroupID   string
	BodySize  int
}

// DecodeMeta reads Meta from an encoded message without building the
// message: recovery indexes a backlog of millions this way and decodes
// only the bodies it keeps in memory. It checks less than Decode does (a
// native form is not parsed), so a message it accepts may still fail to
// decode later.
func DecodeMeta(b []byte) (Meta, error) {
	st, err := splitStored(b)
	if err != nil {
		return Meta{}, err
	}
	return Meta{Priority: st.priority, ExpiresAt: st.expiresAt, ArrivedAt: st.arrivedAt, GroupID: string(st.groupID), BodySize: len(st.body)}, nil
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errTruncated = errors.New("truncated")

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errTruncated
	}
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}
