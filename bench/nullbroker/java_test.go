package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// activeMQJars is the ActiveMQ client classpath: JMS_CLASSPATH if set,
// else the lib directory of Debian's activemq package; "" if neither.
func activeMQJars() string {
	if cp := os.Getenv("JMS_CLASSPATH"); cp != "" {
		return cp
	}
	if _, err := os.Stat("/usr/share/activemq/lib/activemq-client.jar"); err == nil {
		return "/usr/share/activemq/lib/*"
	}
	return ""
}

func TestActiveMQJavaClientConnectsSendsAndCloses(t *testing.T) {
	javac, err := exec.LookPath("javac")
	if err != nil {
		t.Skip("javac not found: install a JDK (Debian: default-jdk-headless)")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java not found: install a JDK (Debian: default-jdk-headless)")
	}
	jars := activeMQJars()
	if jars == "" {
		t.Skip("ActiveMQ jars not found: install Debian's activemq package or set JMS_CLASSPATH")
	}
	classes := t.TempDir()
	out, err := exec.Command(javac, "-nowarn", "-encoding", "UTF-8", "-cp", jars, "-d", classes, "testdata/NullProbe.java").CombinedOutput()
	if err != nil {
		t.Fatalf("javac testdata/NullProbe.java: %v\n%s", err, out)
	}
	cp := []string{classes, jars}
	if _, err := os.Stat("/usr/share/java/slf4j-simple.jar"); err == nil {
		cp = append(cp, "/usr/share/java/slf4j-simple.jar")
	}

	b := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, java, "-cp", strings.Join(cp, string(filepath.ListSeparator)),
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
