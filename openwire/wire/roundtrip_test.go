package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
)

// typesIn returns the type IDs defined in a protocol version.
func typesIn(version int) []byte {
	var ids []byte
	for t := range typeInfo {
		if s := typeInfo[t].since; s != 0 && int(s) <= version {
			ids = append(ids, byte(t))
		}
	}
	return ids
}

func TestVersionsDefineTheTypesOfJavasMarshallerFactories(t *testing.T) {
	// Marshaller counts of activemq 5.17.2 openwire/vN/MarshallerFactory,
	// which registers exactly one marshaller per concrete type.
	want := map[int]int{1: 53, 2: 54, 3: 56, 4: 56, 5: 56, 6: 56, 7: 56, 8: 56, 9: 56, 10: 56, 11: 56, 12: 57}
	for v := 1; v <= MaxVersion; v++ {
		if got := len(typesIn(v)); got != want[v] {
			t.Errorf("version %d defines %d types, Java %d", v, got, want[v])
		}
	}
	for _, c := range []struct {
		t     byte
		since int
	}{{TypeMessagePull, 2}, {TypeProducerAck, 3}, {TypeActiveMQBlobMessage, 3}, {TypeBrokerSubscriptionInfo, 12}} {
		if int(typeInfo[c.t].since) != c.since {
			t.Errorf("%s since v%d, want v%d", TypeName(c.t), typeInfo[c.t].since, c.since)
		}
	}
}

// TestEveryTypeRoundTripsInEveryVersionAndFormat encodes random instances
// of every type of every version 1–12 — commands as frames, other
// structures wrapped in a DataResponse — in every combination of tight or
// loose, cache on or off, stack traces on or off, and decodes the stream
// with a second codec: everything must come back equal, in order.
func TestEveryTypeRoundTripsInEveryVersionAndFormat(t *testing.T) {
	for v := 1; v <= MaxVersion; v++ {
		for _, tight := range []bool{false, true} {
			for _, cache := range []bool{false, true} {
				for _, stack := range []bool{false, true} {
					name := fmt.Sprintf("v%d/tight=%v/cache=%v/stack=%v", v, tight, cache, stack)
					t.Run(name, func(t *testing.T) {
						f := testFormat(v, tight, cache)
						f.StackTraceEnabled = stack
						roundTrip(t, f, uint64(v*8)+b2u(tight)*4+b2u(cache)*2+b2u(stack))
					})
				}
			}
		}
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func roundTrip(t *testing.T, f Format, seed uint64) {
	w, r := newTestCodec(t, f), newTestCodec(t, f)
	fl := newFiller(seed, f.Version, f.StackTraceEnabled)
	var stream bytes.Buffer
	var sent []Command
	for _, typ := range typesIn(f.Version) {
		for range 6 {
			ds := newDataStructure(typ)
			fillAny(fl, ds)
			cmd, ok := ds.(Command)
			if !ok {
				cmd = &DataResponse{Data: ds}
			}
			if err := w.WriteCommand(&stream, cmd); err != nil {
				t.Fatalf("encode %s: %v", TypeName(typ), err)
			}
			sent = append(sent, cmd)
		}
	}
	br := bufio.NewReader(&stream)
	for i, want := range sent {
		got, err := r.ReadCommand(br)
		if err != nil {
			t.Fatalf("command %d (%T): %v", i, want, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("command %d (%T) changed:\n got %#v\nwant %#v", i, want, got, want)
		}
	}
	if _, err := r.ReadCommand(br); !errors.Is(err, io.EOF) {
		t.Errorf("after %d commands: %v, want EOF", len(sent), err)
	}
}

func TestFieldsNewerThanTheVersionAreNotSent(t *testing.T) {
	ci := &ConsumerInfo{ClientId: Str("c"), Selector: Str("a > 1"), NetworkConsumerPath: []*ConsumerId{}}
	for _, c := range []struct {
		version  int
		clientID bool
		netPath  bool
	}{{3, false, false}, {4, false, true}, {9, false, true}, {10, true, true}} {
		f := testFormat(c.version, false, false)
		got, _, err := newTestCodec(t, f).Unmarshal(mustAppend(t, newTestCodec(t, f), ci))
		if err != nil {
			t.Fatal(err)
		}
		back := got.(*ConsumerInfo)
		if back.ClientId.Valid != c.clientID || (back.NetworkConsumerPath != nil) != c.netPath || back.Selector != ci.Selector {
			t.Errorf("v%d: ClientId %v, NetworkConsumerPath %v, Selector %v", c.version, back.ClientId, back.NetworkConsumerPath, back.Selector)
		}
	}
}

func TestConsumerControlDestinationIsTheFirstFieldFromVersion6(t *testing.T) {
	cc := &ConsumerControl{Destination: &Destination{Kind: Queue, PhysicalName: "Q"}, Close: true, Prefetch: 7}
	v5 := mustAppend(t, newTestCodec(t, testFormat(5, false, false)), cc)
	v6 := mustAppend(t, newTestCodec(t, testFormat(6, false, false)), cc)
	// after size, type, CommandId, ResponseRequired
	if !bytes.Equal(v5[10:12], []byte{1, 0}) { // Close 1, ConsumerId absent
		t.Errorf("v5 body % x", v5[10:])
	}
	if !bytes.Equal(v6[10:17], unhex(t, "01 64 01 0001 51 01")) { // Destination, then Close
		t.Errorf("v6 body % x", v6[10:])
	}
}

func TestNetworkBridgeFilterChangedLayoutInVersion10(t *testing.T) {
	nbf := &NetworkBridgeFilter{NetworkTTL: 5, MessageTTL: 6, ConsumerTTL: 7}
	dr := &DataResponse{Data: nbf}
	v9 := mustAppend(t, newTestCodec(t, testFormat(9, false, false)), dr)
	v10 := mustAppend(t, newTestCodec(t, testFormat(10, false, false)), dr)
	// after size, type, CommandId, RR, CorrelationId, present, type 91
	if !bytes.Equal(v9[16:], unhex(t, "00000005 00")) {
		t.Errorf("v9 NetworkBridgeFilter % x", v9[16:])
	}
	if !bytes.Equal(v10[16:], unhex(t, "00 00000006 00000007")) {
		t.Errorf("v10 NetworkBridgeFilter % x", v10[16:])
	}
}

func TestTypesMissingFromOldVersionsAreRejectedBothWays(t *testing.T) {
	for _, c := range []struct {
		version int
		cmd     Command
	}{
		{1, &MessagePull{}}, {2, &ProducerAck{}}, {2, &MessageDispatch{Message: &ActiveMQBlobMessage{}}}, {11, &BrokerSubscriptionInfo{}},
	} {
		f := testFormat(c.version, true, true)
		if _, err := newTestCodec(t, f).AppendCommand(nil, c.cmd); !errors.Is(err, ErrUnknownType) {
			t.Errorf("v%d encode %T: %v, want ErrUnknownType", c.version, c.cmd, err)
		}
		frame := mustAppend(t, newTestCodec(t, testFormat(12, true, true)), c.cmd)
		if _, _, err := newTestCodec(t, f).Unmarshal(frame); !errors.Is(err, ErrUnknownType) {
			t.Errorf("v%d decode %T: %v, want ErrUnknownType", c.version, c.cmd, err)
		}
	}
}
