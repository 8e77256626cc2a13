package stomp_test

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// python is Debian's interpreter, where python3-stomp installs.
const python = "/usr/bin/python3"

func TestPythonStompClientSubscribesSendsAcksAndCommits(t *testing.T) {
	t.Parallel()
	// -I keeps the working directory off the import path: the repository's
	// own stomp/ directory would shadow the library.
	if err := exec.Command(python, "-I", "-c", "import stomp").Run(); err != nil {
		t.Skipf("%s cannot import stomp (install Debian's python3-stomp): %v", python, err)
	}
	b := start(t, nil)
	host, port, err := net.SplitHostPort(b.addr)
	if err != nil {
		t.Fatalf("broker address %q: %v", b.addr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-I", "testdata/stomp_client.py", host, port, name(t, "py")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("stomp.py client: %v\n%s", err, out)
	}
}
