package openwire

import (
	"bufio"
	"net"
	"sync"
	"testing"

	"github.com/junctionmq/junction/openwire/wire"
)

// fakeBroker speaks just enough OpenWire to record what the client sends:
// it negotiates, sends a BrokerInfo and answers every request with a
// Response, unless handle (if set) says it dealt with the command itself.
type fakeBroker struct {
	ln     net.Listener
	handle func(fc *fakeConn, cmd wire.Command) bool

	mu    sync.Mutex
	conns []*fakeConn
}

type fakeConn struct {
	nc    net.Conn
	codec *wire.Codec
	mu    sync.Mutex
	got   []wire.Command
}

func startFakeBroker(t *testing.T, addr string, handle func(*fakeConn, wire.Command) bool) *fakeBroker {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("fake broker: %v", err)
	}
	fb := &fakeBroker{ln: ln, handle: handle}
	t.Cleanup(fb.stop)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			fc := &fakeConn{nc: nc, codec: wire.NewCodec(wire.DefaultPreferences())}
			fb.mu.Lock()
			fb.conns = append(fb.conns, fc)
			fb.mu.Unlock()
			go fb.serve(fc)
		}
	}()
	return fb
}

func (fb *fakeBroker) url() string { return "tcp://" + fb.ln.Addr().String() }

func (fb *fakeBroker) stop() {
	fb.ln.Close()
	fb.mu.Lock()
	defer fb.mu.Unlock()
	for _, fc := range fb.conns {
		fc.nc.Close()
	}
}

func (fb *fakeBroker) connections() []*fakeConn {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return append([]*fakeConn(nil), fb.conns...)
}

func (fb *fakeBroker) serve(fc *fakeConn) {
	defer fc.nc.Close()
	br := bufio.NewReader(fc.nc)
	if fc.write(fc.codec.Local()) != nil {
		return
	}
	first, err := fc.codec.ReadCommand(br)
	if err != nil {
		return
	}
	wfi, ok := first.(*wire.WireFormatInfo)
	if !ok {
		return
	}
	if _, err := fc.codec.ApplyPeer(wfi); err != nil {
		return
	}
	fc.write(&wire.BrokerInfo{BrokerId: &wire.BrokerId{Value: "ID:fake-broker"}, BrokerName: wire.Str("fake")})
	for {
		cmd, err := fc.codec.ReadCommand(br)
		if err != nil {
			return
		}
		fc.mu.Lock()
		fc.got = append(fc.got, cmd)
		fc.mu.Unlock()
		if fb.handle != nil && fb.handle(fc, cmd) {
			continue
		}
		if cmd.IsResponseRequired() {
			fc.write(&wire.Response{CorrelationId: cmd.GetCommandId()})
		}
	}
}

func (fc *fakeConn) write(cmd wire.Command) error {
	return fc.codec.WriteCommand(fc.nc, cmd)
}

func (fc *fakeConn) commands() []wire.Command {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return append([]wire.Command(nil), fc.got...)
}
