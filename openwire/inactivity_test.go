package openwire_test

import (
	"net"
	"testing"
	"time"

	"github.com/junctionmq/junction/openwire/wire"
)

// dialWithInactivity connects a raw client that proposes a read timeout of
// r with no initial delay; the broker (30 s) agrees to the smaller one.
func dialWithInactivity(t *testing.T, r time.Duration) *rawClient {
	b := startOpenWire(t)
	c := dialRaw(t, b)
	prefs := wire.DefaultPreferences()
	prefs.MaxInactivityDuration, prefs.MaxInactivityDurationInitialDelay = r, 0
	c.codec = wire.NewCodec(prefs)
	c.negotiate()
	c.connect("inactivity")
	return c
}

func TestClientThatKeepsSendingOutlivesTheInactivityTimeout(t *testing.T) {
	const r = 900 * time.Millisecond
	c := dialWithInactivity(t, r)
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	for end := time.Now().Add(3 * r); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		c.write(&wire.KeepAliveInfo{})
	}
	// Still connected: a keep-alive asking for an answer gets one.
	c.write(&wire.KeepAliveInfo{BaseCommand: wire.BaseCommand{ResponseRequired: true}})
	for {
		cmd, err := c.read()
		if err != nil {
			t.Fatalf("connection lost while the client kept sending: %v", err)
		}
		if _, ok := cmd.(*wire.KeepAliveInfo); ok {
			return
		}
	}
}

func TestSilentClientIsDisconnectedAfterTheInactivityTimeout(t *testing.T) {
	const r = 600 * time.Millisecond
	c := dialWithInactivity(t, r)
	start := time.Now()
	c.nc.SetDeadline(start.Add(10 * time.Second))
	keepAlives := 0
	for {
		cmd, err := c.read()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("still connected after %v of silence", time.Since(start))
			}
			break
		}
		if _, ok := cmd.(*wire.KeepAliveInfo); ok {
			keepAlives++
		}
	}
	if took := time.Since(start); took < r {
		t.Errorf("disconnected after %v, before the %v timeout", took, r)
	}
	if keepAlives == 0 {
		t.Error("the broker sent no KeepAliveInfo while it was waiting")
	}
}
