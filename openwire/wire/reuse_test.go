package wire

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
)

// Decoded structures outlive the frame they came from: a message kept in a
// queue must not change when the codec reads the next frames into its
// buffers. These tests read through a bufio.Reader, as connections do.

func writeFrames(t *testing.T, f Format, cmds ...Command) *bufio.Reader {
	t.Helper()
	w := newTestCodec(t, f)
	var stream bytes.Buffer
	for _, c := range cmds {
		if err := w.WriteCommand(&stream, c); err != nil {
			t.Fatal(err)
		}
	}
	return bufio.NewReader(&stream)
}

func bodyMessage(seq int64, fill byte, size int) *ActiveMQBytesMessage {
	pid := &ProducerId{ConnectionId: "ID:p", SessionId: 1, Value: 1}
	m := &ActiveMQBytesMessage{Message: Message{ProducerId: pid,
		Destination: &Destination{Kind: Queue, PhysicalName: "q"},
		MessageId:   &MessageId{ProducerId: pid, ProducerSequenceId: seq},
		Content:     bytes.Repeat([]byte{fill}, size)}}
	if err := m.SetProperties(map[string]any{"n": int32(seq)}); err != nil {
		panic(err)
	}
	return m
}

func TestXidBytesSurviveTheNextFrames(t *testing.T) {
	for _, f := range []Format{testFormat(12, true, true), testFormat(12, false, false)} {
		xid := func(g byte) *TransactionInfo {
			return &TransactionInfo{ConnectionId: &ConnectionId{Value: "ID:c"}, Type: TxBegin,
				TransactionId: &XATransactionId{FormatId: 1, GlobalTransactionId: bytes.Repeat([]byte{g}, 16), BranchQualifier: []byte{g, g}}}
		}
		br := writeFrames(t, f, xid('x'), xid('y'), bodyMessage(1, 'z', 16))
		r := newTestCodec(t, f)
		first, err := r.ReadCommand(br)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := r.ReadCommand(br); err != nil {
				t.Fatal(err)
			}
		}
		x := first.(*TransactionInfo).TransactionId.(*XATransactionId)
		if !bytes.Equal(x.GlobalTransactionId, bytes.Repeat([]byte{'x'}, 16)) || !bytes.Equal(x.BranchQualifier, []byte("xx")) {
			t.Errorf("%s: first XID changed to %q / %q", describeFormat(f), x.GlobalTransactionId, x.BranchQualifier)
		}
	}
}

func TestMessagesKeepBodyPropertiesAndIDWhenLaterFramesAreRead(t *testing.T) {
	for _, size := range []int{16, ownedFrameMin} { // body copied out; frame kept whole
		for _, f := range []Format{testFormat(12, true, true), testFormat(12, false, false)} {
			t.Run(fmt.Sprintf("%d bytes %s", size, describeFormat(f)), func(t *testing.T) { checkMessagesKept(t, f, size) })
		}
	}
}

func checkMessagesKept(t *testing.T, f Format, size int) {
	ack := &MessageAck{ConsumerId: &ConsumerId{ConnectionId: "ID:c", SessionId: 1, Value: 1}, AckType: AckStandard,
		FirstMessageId: &MessageId{ProducerSequenceId: 9}, LastMessageId: &MessageId{ProducerSequenceId: 9}, MessageCount: 1}
	br := writeFrames(t, f, bodyMessage(1, 'a', size), ack, bodyMessage(2, 'b', size), &KeepAliveInfo{}, bodyMessage(3, 'c', size))
	r := newTestCodec(t, f)
	var kept []*ActiveMQBytesMessage
	for range 5 {
		cmd, err := r.ReadCommand(br)
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := cmd.(*ActiveMQBytesMessage); ok {
			kept = append(kept, m)
		}
	}
	if len(kept) != 3 {
		t.Fatalf("%d messages decoded, want 3", len(kept))
	}
	for i, m := range kept {
		seq, fill := int64(i+1), byte('a'+i)
		if !bytes.Equal(m.Content, bytes.Repeat([]byte{fill}, size)) {
			t.Errorf("message %d: body changed to %q…", seq, m.Content[:8])
		}
		if props, err := m.Properties(); err != nil || props["n"] != int32(seq) {
			t.Errorf("message %d: properties %v, %v", seq, props, err)
		}
		if m.MessageId == nil || m.MessageId.ProducerSequenceId != seq || m.MessageId.ProducerId.ConnectionId != "ID:p" {
			t.Errorf("message %d: MessageId %+v", seq, m.MessageId)
		}
		if cap(m.Content) != len(m.Content) {
			t.Errorf("message %d: body has room to grow into the rest of the frame (cap %d, len %d)", seq, cap(m.Content), len(m.Content))
		}
	}
}

func TestAckMessageIDsAreDistinctPerFrame(t *testing.T) {
	f := testFormat(12, true, true)
	ack := func(first, last int64) *MessageAck {
		return &MessageAck{ConsumerId: &ConsumerId{ConnectionId: "ID:c", SessionId: 1, Value: 1}, AckType: AckStandard,
			FirstMessageId: &MessageId{ProducerSequenceId: first, BrokerSequenceId: first + 100},
			LastMessageId:  &MessageId{ProducerSequenceId: last, BrokerSequenceId: last + 100}, MessageCount: int32(last - first + 1)}
	}
	br := writeFrames(t, f, ack(1, 3), ack(4, 4))
	r := newTestCodec(t, f)
	a1, err := r.ReadCommand(br)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := r.ReadCommand(br)
	if err != nil {
		t.Fatal(err)
	}
	got := [][2]int64{}
	for _, cmd := range []Command{a1, a2} {
		a := cmd.(*MessageAck)
		got = append(got, [2]int64{a.FirstMessageId.ProducerSequenceId, a.LastMessageId.ProducerSequenceId})
		if a.FirstMessageId.BrokerSequenceId != a.FirstMessageId.ProducerSequenceId+100 || a.LastMessageId.BrokerSequenceId != a.LastMessageId.ProducerSequenceId+100 {
			t.Errorf("broker sequence ids %d, %d", a.FirstMessageId.BrokerSequenceId, a.LastMessageId.BrokerSequenceId)
		}
	}
	if want := [][2]int64{{1, 3}, {4, 4}}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("first/last sequence ids %v, want %v", got, want)
	}
	if a1.(*MessageAck).LastMessageId == a2.(*MessageAck).FirstMessageId {
		t.Error("two acks share one MessageId")
	}
}
