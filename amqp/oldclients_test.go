package amqp_test

import (
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/junctionmq/junction/amqp/wire"
	"github.com/junctionmq/junction/servertest"
)

// TestAMQP08ClientPyAmqplib runs Debian's python3-amqplib, a real AMQP 0-8
// client, through access.request, declare, bind, publish with properties,
// basic.get, consume and ack.
func TestAMQP08ClientPyAmqplib(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import amqplib.client_0_8").Run(); err != nil {
		t.Skip("python3-amqplib is not installed (scripts/deps.sh installs it)")
	}
	b := servertest.Start(t, nil)
	out, err := exec.Command("/usr/bin/python3", "testdata/amqplib_0_8.py", b.Addr("amqp").String()).CombinedOutput()
	if err != nil {
		t.Fatalf("py-amqplib failed: %v\n%s", err, out)
	}
	want := []string{
		"got hello 0-8 text/plain {'n': 7, 's': 'str'} k",
		"consumed ['second']",
		"OK",
	}
	if got := strings.Split(strings.TrimSpace(string(out)), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}

// TestAMQP09HeaderGetsA09ConnectionStart checks the Qpid-style 0-9 header
// ("AMQP" 1 1 0 9) is answered in 0-9 rather than refused.
func TestAMQP09HeaderGetsA09ConnectionStart(t *testing.T) {
	b := servertest.Start(t, nil)
	nc, err := net.Dial("tcp", b.Addr("amqp").String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte("AMQP\x01\x01\x00\x09")); err != nil {
		t.Fatal(err)
	}
	f, err := wire.NewFrameReader(nc).ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.AMQP09.DecodeMethod(f.Payload)
	if err != nil {
		t.Fatal(err)
	}
	start, ok := m.(*wire.ConnectionStart)
	if !ok || start.VersionMajor != 0 || start.VersionMinor != 9 {
		t.Fatalf("got %#v, want connection.start announcing 0-9", m)
	}
	if _, ok := start.ServerProperties["capabilities"]; ok {
		t.Fatal("capabilities table sent to a 0-9 client")
	}
}
