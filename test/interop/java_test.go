package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/junctionmq/junction/test/javatest"
)

// The JMS side is java/Interop.java, compiled once per source version into
// the user cache directory and run as one JVM per send/receive step.

// javaEnv is java/Interop.java compiled against Debian's ActiveMQ client.
type javaEnv struct{ *javatest.Env }

var interopProgram = &javatest.Program{Name: "interop-classes", Sources: "java/Interop.java", Jars: javatest.ClientJars}

// setupJava returns the compiled program, skipping the test when no JDK or
// no ActiveMQ jars are installed.
func setupJava(t *testing.T) *javaEnv {
	t.Helper()
	return &javaEnv{interopProgram.Env(t)}
}

// jmsMessage is what Interop.java prints for a received message.
type jmsMessage struct {
	Class         string             `json:"class"`
	Destination   string             `json:"destination"`
	MessageID     string             `json:"messageId"`
	CorrelationID *string            `json:"correlationId"`
	ReplyTo       *string            `json:"replyTo"`
	ReplyToKind   string             `json:"replyToKind"`
	Type          *string            `json:"type"`
	Priority      int                `json:"priority"`
	DeliveryMode  int                `json:"deliveryMode"`
	Expiration    int64              `json:"expiration"`
	Timestamp     int64              `json:"timestamp"`
	Redelivered   bool               `json:"redelivered"`
	Properties    map[string]jmsProp `json:"properties"`
	Body          []byte             `json:"body"` // base64 in the JSON
}

// jmsProp is one JMS property: its Java class and its String.valueOf.
type jmsProp struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// jmsSent is what Interop.java prints for a message it sent.
type jmsSent struct {
	Dest       string `json:"dest"`
	MessageID  string `json:"messageId"`
	Timestamp  int64  `json:"timestamp"`
	Expiration int64  `json:"expiration"`
	ReplyTo    string `json:"replyTo"`
}

type jmsLine struct {
	Ready   bool        `json:"ready"`
	Sent    *jmsSent    `json:"sent"`
	Message *jmsMessage `json:"message"`
	Error   string      `json:"error"`
}

// jmsRun is one running JVM.
type jmsRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan jmsLine
	stderr bytes.Buffer
	done   chan error
	cancel context.CancelFunc
}

// jmsTimeout bounds one JVM, start-up included.
const jmsTimeout = 30 * time.Second

// start runs Interop.java with a command and arguments; when wantReady it
// returns after the program reports its consumers exist.
func (e *javaEnv) start(t *testing.T, wantReady bool, args ...string) *jmsRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), jmsTimeout)
	full := append([]string{"-cp", e.Classpath, "interop.Interop"}, args...)
	r := &jmsRun{t: t, cmd: exec.CommandContext(ctx, e.Java, full...), lines: make(chan jmsLine, 64), done: make(chan error, 1), cancel: cancel}
	r.cmd.Stderr = &r.stderr
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatalf("java: %v", err)
	}
	if err := r.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start java: %v", err)
	}
	t.Cleanup(func() { cancel(); <-r.done })
	go r.read(stdout)
	if wantReady {
		for l := range r.lines {
			if l.Ready {
				return r
			}
			if l.Error != "" {
				break
			}
		}
		t.Fatalf("JMS %s never became ready: %v\n%s", args[0], <-r.done, r.stderr.String())
	}
	return r
}

func (r *jmsRun) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l jmsLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			l.Error = fmt.Sprintf("unparsable output %q: %v", sc.Text(), err)
		}
		r.lines <- l
	}
	close(r.lines)
	r.done <- r.cmd.Wait()
	close(r.done)
}

// result waits for the program to end and returns what it sent and
// received, or why it failed. Safe from any goroutine.
func (r *jmsRun) result() ([]jmsSent, []jmsMessage, error) {
	var sent []jmsSent
	var got []jmsMessage
	var errs []string
	for l := range r.lines {
		switch {
		case l.Sent != nil:
			sent = append(sent, *l.Sent)
		case l.Message != nil:
			got = append(got, *l.Message)
		case l.Error != "":
			errs = append(errs, l.Error)
		}
	}
	err := <-r.done
	if err != nil || len(errs) > 0 {
		return sent, got, fmt.Errorf("JMS program %v: %v %v\nstderr:\n%s", r.cmd.Args[3:], err, errs, tailOf(r.stderr.String(), 4000))
	}
	return sent, got, nil
}

// finish is result for the test's goroutine: a failure ends the test.
func (r *jmsRun) finish() ([]jmsSent, []jmsMessage) {
	r.t.Helper()
	sent, got, err := r.result()
	if err != nil {
		r.t.Fatal(err)
	}
	return sent, got
}

// run runs Interop.java to completion in the test's goroutine.
func (e *javaEnv) run(t *testing.T, args ...string) ([]jmsSent, []jmsMessage) {
	t.Helper()
	return e.start(t, false, args...).finish()
}

// runAsync starts Interop.java; its result can be collected from any
// goroutine.
func (e *javaEnv) runAsync(t *testing.T, args ...string) *jmsRun {
	t.Helper()
	return e.start(t, false, args...)
}

func tailOf(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
