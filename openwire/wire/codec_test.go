package wire

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func testFormat(version int, tight, cache bool) Format {
	f := Format{Version: version, TightEncoding: tight, CacheEnabled: cache, StackTraceEnabled: true,
		MaxFrameSize: 100 << 20, MaxFrameSizeEnabled: true}
	if cache {
		f.CacheSize = 1024
	}
	return f
}

func newTestCodec(t testing.TB, f Format) *Codec {
	t.Helper()
	c := NewCodec(DefaultPreferences())
	if err := c.SetFormat(f); err != nil {
		t.Fatal(err)
	}
	return c
}

// unhex parses a hex dump; spaces, newlines and "|" are ignored.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.NewReplacer(" ", "", "\n", "", "\t", "", "|", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustAppend(t testing.TB, c *Codec, cmd Command) []byte {
	t.Helper()
	b, err := c.AppendCommand(nil, cmd)
	if err != nil {
		t.Fatalf("AppendCommand(%T): %v", cmd, err)
	}
	return b
}

// checkBytes encodes cmd, compares with want, then decodes want with a
// fresh codec of the same format and compares with cmd.
func checkBytes(t *testing.T, f Format, cmd Command, want string) {
	t.Helper()
	w := unhex(t, want)
	if got := mustAppend(t, newTestCodec(t, f), cmd); !bytes.Equal(got, w) {
		t.Errorf("encoded %T:\n got % x\nwant % x", cmd, got, w)
	}
	back, n, err := newTestCodec(t, f).Unmarshal(w)
	if err != nil || n != len(w) {
		t.Fatalf("Unmarshal: n=%d err=%v", n, err)
	}
	if !reflect.DeepEqual(back, cmd) {
		t.Errorf("decoded %#v\nwant    %#v", back, cmd)
	}
}

func TestKeepAliveInfoMatchesReferenceBytes(t *testing.T) {
	checkBytes(t, testFormat(12, false, false), &KeepAliveInfo{}, "00000006 0a 00000000 00")
	checkBytes(t, testFormat(12, true, false), &KeepAliveInfo{}, "00000007 0a 0100 00000000")
}

func TestResponseMatchesReferenceBytes(t *testing.T) {
	r := &Response{CorrelationId: 5}
	checkBytes(t, testFormat(12, false, false), r, "0000000a 1e 00000000 00 00000005")
	checkBytes(t, testFormat(12, true, false), r, "0000000b 1e 0100 00000000 00000005")
}

func referenceConnectionInfo() *ConnectionInfo {
	return &ConnectionInfo{
		BaseCommand:  BaseCommand{CommandId: 1, ResponseRequired: true},
		ConnectionId: &ConnectionId{Value: "ID:h-1-2-0:1"},
		ClientId:     Str("c1"), Manageable: true, ClientMaster: true,
	}
}

func TestConnectionInfoMatchesReferenceBytes(t *testing.T) {
	checkBytes(t, testFormat(12, false, false), referenceConnectionInfo(), `
		00000025 03 00000001 01
		01 78 01 000c 49443a682d312d322d303a31
		01 0002 6331
		00 00 00
		00 01 01 00 00
		00`)
	checkBytes(t, testFormat(12, true, false), referenceConnectionInfo(), `
		0000001b 03 02 3f0c 00000001
		78 000c 49443a682d312d322d303a31
		0002 6331`)
	checkBytes(t, testFormat(12, true, true), referenceConnectionInfo(), `
		0000001d 03 02 7f18 00000001 0000
		78 000c 49443a682d312d322d303a31
		0002 6331`)
}

func TestRepeatedMessageAckReferencesCacheIndexes(t *testing.T) {
	f := testFormat(12, true, true)
	prod := &ProducerId{ConnectionId: "ID:h-1-2-0:1", Value: 1, SessionId: 1}
	ack := &MessageAck{
		Destination:   &Destination{Kind: Queue, PhysicalName: "Q"},
		ConsumerId:    &ConsumerId{ConnectionId: "ID:h-1-2-0:1", SessionId: 1, Value: 1},
		AckType:       AckStandard,
		LastMessageId: &MessageId{ProducerId: prod, ProducerSequenceId: 1},
		MessageCount:  1,
	}
	w := newTestCodec(t, f)
	first := mustAppend(t, w, ack)
	second := mustAppend(t, w, ack)
	want := unhex(t, `00000018 16 02 2002 00000000 0000 0001 0002 02 6e 0003 0001 00000001`)
	if !bytes.Equal(second, want) {
		t.Errorf("second ack:\n got % x\nwant % x", second, want)
	}
	r := newTestCodec(t, f)
	for i, frame := range [][]byte{first, second} {
		got, _, err := r.Unmarshal(frame)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, ack) {
			t.Errorf("frame %d decoded as %#v", i, got)
		}
	}
}

func TestExceptionResponseWithStackTraceMatchesReferenceBytes(t *testing.T) {
	er := &ExceptionResponse{
		Response: Response{CorrelationId: 1},
		Exception: &Throwable{Class: "java.lang.SecurityException", Message: Str("no"),
			StackTrace: []StackTraceElement{{DeclaringClass: "C", MethodName: "m", FileName: Str("F.java"), LineNumber: 3}}},
	}
	checkBytes(t, testFormat(12, false, false), er, `
		00000046 1f 00000000 00 00000001
		01 01 001b 6a6176612e6c616e672e5365637572697479457863657074696f6e
		01 0002 6e6f
		0001 01 0001 43 01 0001 6d 01 0006 462e6a617661 00000003
		00`)
}

func TestTightLongUsesSmallestUnsignedSizeClass(t *testing.T) {
	cases := []struct {
		v    int64
		bits byte // the two size-class bits after ResponseRequired
		data string
	}{
		{0, 0b000, ""},
		{0x0102, 0b100, "0102"},
		{30000, 0b100, "7530"},
		{0x12345678, 0b010, "12345678"},
		{-1, 0b110, "ffffffffffffffff"},
		{-2, 0b110, "fffffffffffffffe"},
		{1 << 40, 0b110, "0000010000000000"},
	}
	for _, c := range cases {
		ri := &RemoveInfo{LastDeliveredSequenceId: c.v}
		got := mustAppend(t, newTestCodec(t, testFormat(12, true, false)), ri)
		// size, type 12, bs N=1, bits: RR, ObjectId present, 2 size bits
		want := unhex(t, "01")
		want = append(want, c.bits<<1)
		want = append(append(want, unhex(t, "00000000")...), unhex(t, c.data)...)
		if body := got[5:]; !bytes.Equal(body, want) {
			t.Errorf("long %d: body % x, want % x", c.v, body, want)
		}
		back, _, err := newTestCodec(t, testFormat(12, true, false)).Unmarshal(got)
		if err != nil || back.(*RemoveInfo).LastDeliveredSequenceId != c.v {
			t.Errorf("long %d decoded as %v (%v)", c.v, back, err)
		}
	}
}

func TestTightStringAsciiBitOnlyForPureASCII(t *testing.T) {
	for _, c := range []struct {
		s     string
		ascii bool
		data  string
	}{
		{"", true, "0000"},
		{"ab", true, "00026162"},
		{"\x00", false, "0002c080"},
		{"é", false, "0002c3a9"},
		{"😀", false, "0006eda0bdedb880"},
	} {
		cc := &ControlCommand{Command: Str(c.s)}
		got := mustAppend(t, newTestCodec(t, testFormat(12, true, false)), cc)
		wantBits := byte(0b010) // RR 0, present 1, ascii
		if c.ascii {
			wantBits |= 0b100
		}
		if got[6] != wantBits || !bytes.Equal(got[11:], unhex(t, c.data)) {
			t.Errorf("%q: frame % x, want bits %03b data %s", c.s, got, wantBits, c.data)
		}
	}
}

func TestBooleanStreamHeaderForms(t *testing.T) {
	for _, c := range []struct {
		elems  int // nil BrokerIds in a DataArrayResponse: one bit each
		header string
	}{
		{0, "01"}, {500, "3f"}, {510, "c0 40"}, {2100, "80 0107"},
	} {
		dr := &DataArrayResponse{Data: make([]DataStructure, c.elems)}
		got := mustAppend(t, newTestCodec(t, testFormat(12, true, false)), dr)
		h := unhex(t, c.header)
		if !bytes.Equal(got[5:5+len(h)], h) {
			t.Errorf("%d elements: header % x, want % x", c.elems, got[5:5+len(h)], h)
		}
		back, _, err := newTestCodec(t, testFormat(12, true, false)).Unmarshal(got)
		if err != nil || len(back.(*DataArrayResponse).Data) != c.elems {
			t.Errorf("%d elements: decoded %v, %v", c.elems, back, err)
		}
	}
}

func TestNestedMessageCarriesMarshalAwareBitOnlyInTightMode(t *testing.T) {
	md := &MessageDispatch{Message: &ActiveMQMessage{}}
	tight := mustAppend(t, newTestCodec(t, testFormat(12, true, false)), md)
	// bits: RR, ConsumerId absent, Destination absent, Message present, marshal-aware 0, …
	if tight[6]&0b11111 != 0b01000 {
		t.Errorf("tight bits %08b: want message present then marshal-aware 0", tight[6])
	}
	loose := mustAppend(t, newTestCodec(t, testFormat(12, false, false)), md)
	// CommandId, RR, ConsumerId absent, Destination absent, Message present, type 23, CommandId…
	if !bytes.Equal(loose[5:14], unhex(t, "00000000 00 00 00 01 17")) {
		t.Errorf("loose % x", loose)
	}
}

func TestMarshalAwareEmbeddedFrameIsReadLikeJava(t *testing.T) {
	// A tight MessageDispatch whose message is sent as an embedded frame
	// (marshal-aware bit 1): size, type, its own BooleanStream, body.
	f := testFormat(12, true, false)
	msg := &ActiveMQMessage{Message: Message{BaseCommand: BaseCommand{CommandId: 7}, Priority: 4}}
	plain := mustAppend(t, newTestCodec(t, f), msg)
	// plain = size(4) type(1) bs(N, bits) data; rebuild a dispatch around it.
	n := int(plain[5])
	msgBits, msgData := plain[6:6+n], plain[6+n:]
	body := []byte{0x01, 0b011000}  // bits: RR 0, ConsumerId 0, Destination 0, Message 1, aware 1
	body = append(body, 0, 0, 0, 0) // CommandId
	body = append(body, 0x17)       // message type
	body = append(body, plain[:4]...)
	body = append(body, 0x17, byte(n))
	body = append(body, msgBits...)
	body = append(body, msgData...)
	body = append(body, 0, 0, 0, 2) // RedeliveryCounter
	frame := append(unhex(t, "00000000 15"), body...)
	frame[3] = byte(len(frame) - 4)
	got, _, err := newTestCodec(t, f).Unmarshal(frame)
	if err != nil {
		t.Fatal(err)
	}
	md := got.(*MessageDispatch)
	if md.RedeliveryCounter != 2 || !reflect.DeepEqual(md.Message, msg) {
		t.Errorf("decoded %#v", md)
	}
}

func TestReadCommandRejectsOversizeFrameBeforeReading(t *testing.T) {
	f := testFormat(12, true, false)
	f.MaxFrameSize = 1000
	c := newTestCodec(t, f)
	_, err := c.ReadCommand(bytes.NewReader(unhex(t, "7fffffff 0a")))
	var fe *FrameSizeError
	if !errors.Is(err, ErrFrameTooLarge) || !errors.As(err, &fe) || fe.Size != 0x7fffffff || fe.Max != 1000 {
		t.Errorf("err = %v", err)
	}
	if _, err := c.ReadCommand(bytes.NewReader(unhex(t, "ffffffff 0a"))); !errors.Is(err, ErrBadFrameSize) {
		t.Errorf("negative size: err = %v", err)
	}
}

func TestAppendCommandRejectsFrameOverMaxFrameSizeAndKeepsCache(t *testing.T) {
	f := testFormat(12, true, true)
	f.MaxFrameSize = 200
	w := newTestCodec(t, f)
	big := &ActiveMQTextMessage{Message: Message{ProducerId: &ProducerId{ConnectionId: "c"}, Content: make([]byte, 300)}}
	if _, err := w.AppendCommand(nil, big); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("err = %v", err)
	}
	// Had the failed frame stayed in the writer's cache, this frame would
	// refer to the ProducerId by index only, and a reader that never saw
	// the failed frame would decode a nil ProducerId.
	small := &ProducerInfo{ProducerId: &ProducerId{ConnectionId: "c"}}
	frame := mustAppend(t, w, small)
	got, _, err := newTestCodec(t, f).Unmarshal(frame)
	if err != nil || !reflect.DeepEqual(got, small) {
		t.Fatalf("decoded %#v, %v", got, err)
	}
}

func TestReadCommandReadsConsecutiveFramesAndStopsAtEOF(t *testing.T) {
	f := testFormat(12, true, true)
	w, r := newTestCodec(t, f), newTestCodec(t, f)
	var stream bytes.Buffer
	cmds := []Command{referenceConnectionInfo(), &SessionInfo{SessionId: &SessionId{ConnectionId: "ID:h-1-2-0:1", Value: 1}}, &KeepAliveInfo{}}
	for _, c := range cmds {
		if err := w.WriteCommand(&stream, c); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(&stream)
	for i, want := range cmds {
		got, err := r.ReadCommand(br)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("command %d: %#v, %v", i, got, err)
		}
	}
	if _, err := r.ReadCommand(br); err == nil || err.Error() != "EOF" {
		t.Errorf("after the last frame: %v, want EOF", err)
	}
}

func TestReadCommandReadsLargeFramesExactly(t *testing.T) {
	f := testFormat(12, true, true)
	w, r := newTestCodec(t, f), newTestCodec(t, f)
	body := bytes.Repeat([]byte("0123456789"), 300_000) // 3 MB: past the scratch buffer and the first read chunk
	big := &ActiveMQBytesMessage{Message: Message{Content: body}}
	var stream bytes.Buffer
	for _, c := range []Command{big, &KeepAliveInfo{}} {
		if err := w.WriteCommand(&stream, c); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(&stream)
	got, err := r.ReadCommand(br)
	if err != nil || !bytes.Equal(got.(*ActiveMQBytesMessage).Content, body) {
		t.Fatalf("large frame: %v", err)
	}
	if next, err := r.ReadCommand(br); err != nil || next.DataStructureType() != TypeKeepAliveInfo {
		t.Errorf("frame after the large one: %v, %v", next, err)
	}
	frame := mustAppend(t, newTestCodec(t, f), big)
	if _, err := newTestCodec(t, f).ReadCommand(bytes.NewReader(frame[:len(frame)/2])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated large frame: %v", err)
	}
}
