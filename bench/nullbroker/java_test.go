package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/junctionmq/junction/test/javatest"
)

var probe = &javatest.Program{Name: "nullbroker-probe", Sources: "testdata/NullProbe.java",
	Jars: javatest.BrokerJars, Runtime: []string{javatest.SLF4JSimple}}

func TestActiveMQJavaClientConnectsSendsAndCloses(t *testing.T) {
	env := probe.Env(t)
	b := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.Java, "-cp", env.Classpath,
		"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "NullProbe", "tcp://"+b.openwire.Addr().String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("NullProbe: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	want := []string{"BROKER nullbroker", "RECEIVED 0", "SENT PERSISTENT 100", "SENT NON-PERSISTENT 1000", "CLOSED"}
	got := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("NullProbe printed\n%s\nwant\n%s\nstderr:\n%s", stdout.String(), strings.Join(want, "\n"), stderr.String())
	}
}
