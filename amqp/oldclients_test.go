package amqp_test

import (
	"os/exec"
	"strings"
	"testing"

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
