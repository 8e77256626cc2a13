package wire

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// scenarioFrames replays every connection of one captured scenario and
// returns all frames in arrival order, connection after connection.
func scenarioFrames(t *testing.T, dir string) []frame {
	t.Helper()
	var all []frame
	for _, p := range captureConns(t)[dir] {
		all = append(all, replayCapture(t, p).sequence()...)
	}
	if len(all) == 0 {
		t.Fatalf("no frames in %s", dir)
	}
	return all
}

// forEachFormat runs check on the scenario in every captured format.
func forEachFormat(t *testing.T, scenario string, check func(t *testing.T, frames []frame)) {
	dirs, _ := filepath.Glob("testdata/captures/*/" + scenario)
	if len(dirs) == 0 {
		t.Fatalf("scenario %s was not captured", scenario)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(filepath.Dir(dir)), func(t *testing.T) { check(t, scenarioFrames(t, dir)) })
	}
}

func find[T Command](frames []frame, dir string, match func(T) bool) []T {
	var out []T
	for _, f := range frames {
		if c, ok := f.cmd.(T); ok && f.dir == dir && (match == nil || match(c)) {
			out = append(out, c)
		}
	}
	return out
}

func TestCapturedBasicScenarioFields(t *testing.T) {
	forEachFormat(t, "basic", func(t *testing.T, frames []frame) {
		cis := find(frames, "C→B", func(c *ConsumerInfo) bool { return c.Selector.Valid })
		if len(cis) != 1 || cis[0].Selector.Value != "color = 'red' AND weight > 2" || !cis[0].ResponseRequired {
			t.Fatalf("selector consumers: %+v", cis)
		}
		texts := find(frames, "C→B", func(m *ActiveMQTextMessage) bool { return m.MarshalledProperties != nil })
		if len(texts) != 1 {
			t.Fatalf("%d text messages with properties", len(texts))
		}
		text, err := texts[0].Text()
		if err != nil || text != Str("hello é\x00😀") {
			t.Errorf("text %q, %v", text.Value, err)
		}
		props, err := texts[0].Properties()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"bool": true, "byte": int8(-7), "short": int16(1234), "int": int32(123456), "long": int64(1234567890123),
			"float": float32(1.5), "double": -2.25, "string": "vé\x00😀",
			"map": map[string]any{"k": int32(1)}, "list": []any{"a", int64(2)},
			"color": "red", "weight": int32(3),
		}
		if !reflect.DeepEqual(props, want) {
			t.Errorf("properties\n got %#v\nwant %#v", props, want)
		}
		if m := texts[0].GetMessage(); m.CorrelationId != Str("corr-1") || m.Type != Str("type-1") || !m.Persistent || m.Priority != 4 {
			t.Errorf("headers: correlation %v type %v persistent %v priority %d", m.CorrelationId, m.Type, m.Persistent, m.Priority)
		}

		maps := find[*ActiveMQMapMessage](frames, "C→B", nil)
		body, err := maps[0].Map()
		wantMap := map[string]any{"z": true, "b": int8(1), "c": uint16('é'), "s": int16(-2), "i": int32(3), "l": int64(4),
			"f": float32(1), "d": float64(1), "t": "text", "y": []byte{9, 8}, "n": map[string]any{"inner": "x"}, "o": []any{int32(1), "two"}}
		if err != nil || !reflect.DeepEqual(body, wantMap) {
			t.Errorf("map body %#v, %v", body, err)
		}
		streams := find[*ActiveMQStreamMessage](frames, "C→B", nil)
		vals, err := streams[0].Values()
		if err != nil || !reflect.DeepEqual(vals, []any{int32(1), "s", true, uint16('c'), 2.5, []byte{7}, nil}) {
			t.Errorf("stream body %#v, %v", vals, err)
		}
		nullText := find(frames, "C→B", func(m *ActiveMQTextMessage) bool { return !m.Persistent })
		if len(nullText) != 1 || nullText[0].Content != nil || nullText[0].Priority != 9 || nullText[0].Expiration == 0 || nullText[0].ResponseRequired {
			t.Errorf("non-persistent null text: %+v", nullText)
		}

		acks := find[*MessageAck](frames, "C→B", nil)
		dispatches := find(frames, "B→C", func(d *MessageDispatch) bool { return d.ConsumerId.SessionId != -1 })
		if len(acks) != 7 || len(dispatches) != 7 {
			t.Fatalf("%d acks for %d dispatches, want 7 each", len(acks), len(dispatches))
		}
		for i, a := range acks {
			if a.AckType != AckStandard || a.MessageCount != 1 || a.FirstMessageId == nil || a.FirstMessageId.ProducerSequenceId != a.LastMessageId.ProducerSequenceId {
				t.Errorf("ack %d: %+v", i, a)
			}
		}
		for _, d := range dispatches {
			if id := d.Message.GetMessage().MessageId; id.BrokerSequenceId == 0 {
				t.Errorf("dispatched message %s has no BrokerSequenceId", id)
			}
		}
	})
}

func TestCapturedErrorsCarryJavaExceptions(t *testing.T) {
	forEachFormat(t, "errors", func(t *testing.T, frames []frame) {
		ers := find[*ExceptionResponse](frames, "B→C", nil)
		if len(ers) != 2 {
			t.Fatalf("%d exception responses, want 2", len(ers))
		}
		classes := []string{ers[0].Exception.Class, ers[1].Exception.Class}
		if !reflect.DeepEqual(classes, []string{"javax.jms.InvalidClientIDException", "javax.jms.JMSException"}) &&
			!reflect.DeepEqual(classes, []string{"javax.jms.JMSException", "javax.jms.InvalidClientIDException"}) {
			t.Errorf("exception classes %v", classes)
		}
		for _, er := range ers {
			if !er.Exception.Message.Valid || er.CorrelationId == 0 {
				t.Errorf("exception %+v", er)
			}
			// Only the "nostack" format negotiated stack traces off.
			hasStack := len(er.Exception.StackTrace) > 0
			if strings.Contains(t.Name(), "nostack") == hasStack {
				t.Errorf("stack trace present=%v in %s", hasStack, t.Name())
			}
		}
	})
}

func TestCapturedTransactionsAndXA(t *testing.T) {
	forEachFormat(t, "tx", func(t *testing.T, frames []frame) {
		var types []TransactionType
		for _, ti := range find[*TransactionInfo](frames, "C→B", nil) {
			if _, ok := ti.TransactionId.(*LocalTransactionId); !ok {
				t.Errorf("local transaction with %T", ti.TransactionId)
			}
			types = append(types, ti.Type)
		}
		want := []TransactionType{TxBegin, TxCommitOnePhase, TxBegin, TxRollback, TxBegin, TxCommitOnePhase}
		if !reflect.DeepEqual(types, want) {
			t.Errorf("transaction operations %v, want %v", types, want)
		}
		// The client acks what it consumed (STANDARD, with the transaction)
		// before ROLLBACK as before COMMIT, and redelivers locally: a first
		// rollback sends no REDELIVERED ack (only later ones do).
		acks := find[*MessageAck](frames, "C→B", nil)
		if len(acks) != 2 {
			t.Fatalf("%d acks, want 2", len(acks))
		}
		for i, a := range acks {
			if a.AckType != AckStandard || a.TransactionId == nil || a.MessageCount != int32(i+1) {
				t.Errorf("ack %d: type %d count %d tx %v", i, a.AckType, a.MessageCount, a.TransactionId)
			}
		}
	})
	forEachFormat(t, "xa", func(t *testing.T, frames []frame) {
		ir := find[*IntegerResponse](frames, "B→C", nil)
		if len(ir) != 2 || ir[0].Result != XAOK {
			t.Errorf("prepare answers %+v", ir)
		}
		dar := find[*DataArrayResponse](frames, "B→C", nil)
		if len(dar) != 1 || len(dar[0].Data) != 1 {
			t.Fatalf("recover answers %+v", dar)
		}
		x, ok := dar[0].Data[0].(*XATransactionId)
		if !ok || x.FormatId != 0x4a4d53 || !reflect.DeepEqual(x.GlobalTransactionId, []byte{'g', 2, 0, 200}) || !reflect.DeepEqual(x.BranchQualifier, []byte{'b', 2}) {
			t.Errorf("recovered %#v", dar[0].Data[0])
		}
	})
}

func TestCapturedPullWindowAndCompression(t *testing.T) {
	forEachFormat(t, "pull", func(t *testing.T, frames []frame) {
		pulls := find[*MessagePull](frames, "C→B", nil)
		if len(pulls) < 2 || pulls[0].Timeout != -1 {
			t.Errorf("pulls %+v", pulls)
		}
		if nils := find(frames, "B→C", func(d *MessageDispatch) bool { return d.Message == nil }); len(nils) == 0 {
			t.Errorf("no null-message dispatch answering receiveNoWait")
		}
	})
	forEachFormat(t, "window", func(t *testing.T, frames []frame) {
		pi := find(frames, "C→B", func(p *ProducerInfo) bool { return p.WindowSize == 2048 })
		acks := find[*ProducerAck](frames, "B→C", nil)
		if len(pi) != 1 || len(acks) != 4 || acks[0].Size <= 0 || *acks[0].ProducerId != *pi[0].ProducerId {
			t.Errorf("producer %+v, acks %+v", pi, acks)
		}
	})
	forEachFormat(t, "compression", func(t *testing.T, frames []frame) {
		texts := find(frames, "C→B", func(m *ActiveMQTextMessage) bool { return m.Compressed })
		bytesMsgs := find(frames, "C→B", func(m *ActiveMQBytesMessage) bool { return m.Compressed })
		maps := find(frames, "C→B", func(m *ActiveMQMapMessage) bool { return m.Compressed })
		if len(texts) != 1 || len(bytesMsgs) != 1 || len(maps) != 1 {
			t.Fatalf("compressed messages: %d text, %d bytes, %d map", len(texts), len(bytesMsgs), len(maps))
		}
		if s, err := texts[0].Text(); err != nil || s.Value != "hello hello hello hello hello" {
			t.Errorf("text %q, %v", s.Value, err)
		}
		if b, err := bytesMsgs[0].Data(); err != nil || string(b) != "compressible compressible compressible" {
			t.Errorf("bytes %q, %v", b, err)
		}
		if m, err := maps[0].Map(); err != nil || m["k"] != "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" {
			t.Errorf("map %v, %v", m, err)
		}
	})
}

func TestCapturedTemporaryDestinationAdvisories(t *testing.T) {
	forEachFormat(t, "temp", func(t *testing.T, frames []frame) {
		adds := find(frames, "C→B", func(d *DestinationInfo) bool { return d.OperationType == DestinationAdd })
		if len(adds) != 2 || adds[0].Destination.Kind != TempQueue || adds[1].Destination.Kind != TempTopic {
			t.Fatalf("temp destination creations %+v", adds)
		}
		if !strings.HasPrefix(adds[0].Destination.PhysicalName, adds[0].ConnectionId.Value+":") {
			t.Errorf("temp queue %q not named after its connection %q", adds[0].Destination.PhysicalName, adds[0].ConnectionId.Value)
		}
		advisories := find(frames, "B→C", func(d *MessageDispatch) bool {
			info, ok := d.Message.GetMessage().DataStructure.(*DestinationInfo)
			return d.Message != nil && ok && info.Destination.Kind == TempQueue
		})
		if len(advisories) == 0 {
			t.Fatalf("no temp-queue advisory dispatched")
		}
		m := advisories[0].Message.GetMessage()
		if m.Type != Str("Advisory") || m.Persistent || m.Destination.PhysicalName != "ActiveMQ.Advisory.TempQueue" {
			t.Errorf("advisory message %+v", m)
		}
	})
}

func TestCapturedKeepAlivesAndBrowser(t *testing.T) {
	forEachFormat(t, "keepalive", func(t *testing.T, frames []frame) {
		if n := len(find[*KeepAliveInfo](frames, "C→B", nil)); n == 0 {
			t.Errorf("client sent no KeepAliveInfo")
		}
		if n := len(find[*KeepAliveInfo](frames, "B→C", nil)); n == 0 {
			t.Errorf("broker sent no KeepAliveInfo")
		}
	})
	forEachFormat(t, "browser", func(t *testing.T, frames []frame) {
		b := find(frames, "C→B", func(c *ConsumerInfo) bool { return c.Browser })
		if len(b) != 1 || b[0].PrefetchSize != 500 {
			t.Fatalf("browsers %+v", b)
		}
		ds := find(frames, "B→C", func(d *MessageDispatch) bool { return *d.ConsumerId == *b[0].ConsumerId })
		if len(ds) != 4 || ds[3].Message != nil {
			t.Errorf("browser got %d dispatches, want 3 and an end marker", len(ds))
		}
	})
}
