package openwire_test

import (
	"bufio"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/openwire/wire"
	"github.com/junctionmq/junction/servertest"
)

func startOpenWire(t testing.TB) *servertest.Broker {
	return servertest.Start(t, func(c *config.Config) { c.Listeners.OpenWire = "127.0.0.1:0" })
}

// rawClient is a minimal OpenWire client built on our codec.
type rawClient struct {
	t     *testing.T
	nc    net.Conn
	br    *bufio.Reader
	codec *wire.Codec
}

func dialRaw(t *testing.T, b *servertest.Broker) *rawClient {
	nc, err := net.Dial("tcp", b.Addr("openwire").String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	return &rawClient{t: t, nc: nc, br: bufio.NewReader(nc), codec: wire.NewCodec(wire.DefaultPreferences())}
}

func (r *rawClient) write(cmd wire.Command) {
	r.t.Helper()
	if err := r.codec.WriteCommand(r.nc, cmd); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawClient) read() (wire.Command, error) { return r.codec.ReadCommand(r.br) }

// negotiate exchanges WireFormatInfo and reads BrokerInfo.
func (r *rawClient) negotiate() {
	r.t.Helper()
	r.write(r.codec.Local())
	cmd, err := r.read()
	if err != nil {
		r.t.Fatal(err)
	}
	wfi, ok := cmd.(*wire.WireFormatInfo)
	if !ok {
		r.t.Fatalf("first command %T, want WireFormatInfo", cmd)
	}
	if _, err := r.codec.ApplyPeer(wfi); err != nil {
		r.t.Fatal(err)
	}
	cmd, err = r.read()
	if err != nil {
		r.t.Fatal(err)
	}
	bi, ok := cmd.(*wire.BrokerInfo)
	if !ok || bi.BrokerId == nil || bi.BrokerId.Value == "" {
		r.t.Fatalf("after negotiation got %#v, want BrokerInfo with a BrokerId", cmd)
	}
}

// expectClosed reads until the broker closes the connection, returning
// any ConnectionError it sent first.
func (r *rawClient) expectClosed() *wire.ConnectionError {
	r.t.Helper()
	var ce *wire.ConnectionError
	for {
		cmd, err := r.read()
		if err != nil {
			var ne net.Error
			if ok := errorAs(err, &ne); ok && ne.Timeout() {
				r.t.Fatal("broker did not close the connection")
			}
			return ce
		}
		if e, ok := cmd.(*wire.ConnectionError); ok {
			ce = e
		}
	}
}

func errorAs(err error, target *net.Error) bool {
	ne, ok := err.(net.Error)
	if ok {
		*target = ne
	}
	return ok
}

func (r *rawClient) connect(clientID string) {
	r.t.Helper()
	info := &wire.ConnectionInfo{ConnectionId: &wire.ConnectionId{Value: "ID:raw-" + clientID}, ClientId: wire.Str(clientID)}
	info.CommandId, info.ResponseRequired = 1, true
	r.write(info)
	cmd, err := r.read()
	if err != nil {
		r.t.Fatal(err)
	}
	if resp, ok := cmd.(*wire.Response); !ok || resp.CorrelationId != 1 {
		r.t.Fatalf("ConnectionInfo answered with %#v", cmd)
	}
}

func assertBrokerStillServes(t *testing.T, b *servertest.Broker) {
	t.Helper()
	r := dialRaw(t, b)
	r.negotiate()
	r.connect("healthy")
}

func TestWrongMagicClosesConnectionAndBrokerServesOthers(t *testing.T) {
	b := startOpenWire(t)
	r := dialRaw(t, b)
	// A loose WireFormatInfo frame whose magic is not "ActiveMQ".
	frame := []byte{1, 'N', 'o', 't', 'A', 'M', 'Q', '!', '!', 0, 0, 0, 12, 0}
	size := make([]byte, 4)
	binary.BigEndian.PutUint32(size, uint32(len(frame)))
	r.nc.Write(append(size, frame...))
	r.expectClosed()
	assertBrokerStillServes(t, b)
}

func TestCommandBeforeConnectionInfoIsRefused(t *testing.T) {
	b := startOpenWire(t)
	r := dialRaw(t, b)
	r.negotiate()
	si := &wire.SessionInfo{SessionId: &wire.SessionId{ConnectionId: "ID:x", Value: 1}}
	si.CommandId, si.ResponseRequired = 1, true
	r.write(si)
	cmd, err := r.read()
	if err != nil {
		t.Fatal(err)
	}
	er, ok := cmd.(*wire.ExceptionResponse)
	if !ok || er.CorrelationId != 1 || er.Exception == nil || er.Exception.Class != "javax.jms.JMSException" {
		t.Fatalf("got %#v, want an ExceptionResponse with a JMSException", cmd)
	}
	r.expectClosed()
	assertBrokerStillServes(t, b)
}

func TestOversizeFrameClosesConnection(t *testing.T) {
	b := startOpenWire(t)
	r := dialRaw(t, b)
	r.negotiate()
	// Announce a 2 GiB frame; the broker must refuse without allocating.
	r.nc.Write([]byte{0x7f, 0xff, 0xff, 0xff, 21})
	r.expectClosed()
	assertBrokerStillServes(t, b)
}

func TestUnknownTypeIDAfterNegotiationGetsConnectionError(t *testing.T) {
	b := startOpenWire(t)
	r := dialRaw(t, b)
	r.negotiate()
	r.connect("garbage")
	r.nc.Write([]byte{0, 0, 0, 3, 250, 0, 0})
	ce := r.expectClosed()
	if ce == nil || ce.Exception == nil {
		t.Fatal("no ConnectionError before the close")
	}
	assertBrokerStillServes(t, b)
}

func TestDuplicateClientIDIsRefusedWithInvalidClientIDException(t *testing.T) {
	b := startOpenWire(t)
	first := dialRaw(t, b)
	first.negotiate()
	first.connect("dup")
	second := dialRaw(t, b)
	second.negotiate()
	info := &wire.ConnectionInfo{ConnectionId: &wire.ConnectionId{Value: "ID:other"}, ClientId: wire.Str("dup")}
	info.CommandId, info.ResponseRequired = 1, true
	second.write(info)
	cmd, err := second.read()
	if err != nil {
		t.Fatal(err)
	}
	er, ok := cmd.(*wire.ExceptionResponse)
	if !ok || er.Exception.Class != "javax.jms.InvalidClientIDException" {
		t.Fatalf("got %#v, want InvalidClientIDException", cmd)
	}
}

func TestKeepAliveWithResponseRequiredIsAnsweredWithKeepAlive(t *testing.T) {
	b := startOpenWire(t)
	r := dialRaw(t, b)
	r.negotiate()
	ka := &wire.KeepAliveInfo{}
	ka.ResponseRequired = true
	r.write(ka)
	cmd, err := r.read()
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := cmd.(*wire.KeepAliveInfo); !ok || k.ResponseRequired {
		t.Fatalf("got %#v, want a KeepAliveInfo without ResponseRequired", cmd)
	}
}

// FuzzBrokerSurvivesArbitraryBytesAfterConnect sends arbitrary bytes on a
// connected OpenWire connection; whatever happens to that connection, the
// broker must keep serving a new one.
func FuzzBrokerSurvivesArbitraryBytesAfterConnect(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 250, 0, 0})
	f.Add([]byte{0, 0, 0, 5, 21, 1, 0, 0, 1})
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 21})
	b := startOpenWire(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := dialRaw(t, b)
		r.negotiate()
		r.connect("fuzz")
		r.nc.Write(data)
		r.nc.Close()
		assertBrokerStillServes(t, b)
	})
}
