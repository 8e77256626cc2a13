package amqp091_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const python = "/usr/bin/python3"

func TestPikaClientDeclaresPublishesWithConfirmsConsumesAndAcks(t *testing.T) {
	t.Parallel()
	if err := exec.Command(python, "-c", "import pika").Run(); err != nil {
		t.Skipf("%s cannot import pika (install Debian's python3-pika): %v", python, err)
	}
	url := brokerURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "testdata/pika_client.py", url, name(t, "q")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("pika client: %v\n%s", err, out)
	}
}
