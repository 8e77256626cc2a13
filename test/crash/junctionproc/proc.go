// Package junctionproc runs the junction binary as a child process, for
// tests that must kill a broker with SIGKILL and start it again on the same
// data directory, and for benchmarks that time a cold start. An in-process
// broker (servertest) cannot be killed that way: its goroutines would keep
// writing after the "crash".
package junctionproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/junctionmq/junction/config"
)

// BinEnv names an environment variable that, when set, is the junction
// binary to run instead of building one (e.g. to test a release build).
const BinEnv = "JUNCTION_TEST_BIN"

// Build compiles github.com/junctionmq/junction/cmd/junction into dir and
// returns the binary's path, or returns $JUNCTION_TEST_BIN when that is set.
// It must run inside the module (a test's working directory is).
func Build(dir string) (string, error) {
	if bin := os.Getenv(BinEnv); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("%s: %w", BinEnv, err)
		}
		return bin, nil
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build junction: the go command is not on PATH: %w", err)
	}
	out := filepath.Join(dir, "junction")
	cmd := exec.Command(gobin, "build", "-o", out, "github.com/junctionmq/junction/cmd/junction")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/junction: %v\n%s", err, msg)
	}
	return out, nil
}

// Binary is the junction binary a test process builds at most once, into
// a temporary directory that Remove deletes (call it from TestMain).
type Binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Path builds the binary on first use and fails t if that fails.
func (b *Binary) Path(t testing.TB) string {
	t.Helper()
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "junction-test-bin"); b.err == nil {
			b.path, b.err = Build(b.dir)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// Remove deletes what Path built.
func (b *Binary) Remove() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// Options say how to start the broker. Listener addresses are passed as
// given: "127.0.0.1:0" picks a free port (read it back with Addr), "" turns
// the listener off.
type Options struct {
	Bin      string
	DataDir  string
	AMQP     string
	OpenWire string
	STOMP    string
	// Args are extra command-line flags.
	Args []string
	// Env holds the broker's JUNCTION_ settings, if any: it gets none from
	// this process's environment (config.StripEnv), where the tests' own
	// knobs (JUNCTION_LONG, JUNCTION_CRASH_SEED…) share the prefix.
	Env []string
	// Ready bounds the wait for the "Junction started" log line (default
	// 60 s: recovering a large store takes a while).
	Ready time.Duration
}

// Proc is a running (or exited) broker process.
type Proc struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error

	// Started is when the process was started; ReadyAt when it logged
	// "Junction started"; RecoveredAt when it logged "recovered durable
	// state" (all measured by this process as the lines arrive).
	Started, RecoveredAt, ReadyAt time.Time
	// Recovered holds the fields of the "recovered durable state" line
	// (exchanges, queues, bindings, messages, prepared_transactions).
	Recovered map[string]int

	mu    sync.Mutex
	lines []string
	addrs map[string]string
}

// Start runs the broker and waits until it has opened its listeners. On
// error the process is killed and the error carries its log.
func Start(o Options) (*Proc, error) {
	if o.Ready == 0 {
		o.Ready = 60 * time.Second
	}
	args := []string{
		"--data-dir", o.DataDir,
		"--amqp-listen", o.AMQP,
		"--openwire-listen", o.OpenWire,
		"--stomp-listen", o.STOMP,
		"--http-listen", "",
	}
	args = append(args, o.Args...)
	p := &Proc{cmd: exec.Command(o.Bin, args...), exited: make(chan struct{}), addrs: map[string]string{}, Recovered: map[string]int{}}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("start junction: %w", err)
	}
	p.cmd.Env = append(config.StripEnv(os.Environ()), o.Env...)
	p.cmd.Stdout = io.Discard
	p.Started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.Bin, err)
	}
	ready := make(chan struct{})
	go p.read(stderr, ready)
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	select {
	case <-ready:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("junction exited before it was ready (%v); log:\n%s", p.waitErr, p.Log())
	case <-time.After(o.Ready):
		_ = p.Kill()
		return nil, fmt.Errorf("junction not ready after %v; log:\n%s", o.Ready, p.Log())
	}
}

// read keeps every log line and notes the ones Start and the tests need.
func (p *Proc) read(r io.Reader, ready chan struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	signalled := false
	for sc.Scan() {
		line := sc.Text()
		now := time.Now()
		fields := logFields(line)
		p.mu.Lock()
		p.lines = append(p.lines, line)
		switch fields["msg"] {
		case "listening":
			p.addrs[fields["protocol"]] = fields["addr"]
		case "recovered durable state":
			p.RecoveredAt = now
			for k, v := range fields {
				if n, err := strconv.Atoi(v); err == nil {
					p.Recovered[k] = n
				}
			}
		case "Junction started":
			p.ReadyAt = now
		}
		p.mu.Unlock()
		if fields["msg"] == "Junction started" && !signalled {
			signalled = true
			close(ready)
		}
	}
}

// logFields splits a slog text line (key=value, values optionally quoted).
func logFields(line string) map[string]string {
	f := map[string]string{}
	for len(line) > 0 {
		line = strings.TrimLeft(line, " ")
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			break
		}
		key := line[:eq]
		line = line[eq+1:]
		var val string
		if strings.HasPrefix(line, `"`) {
			if s, err := strconv.QuotedPrefix(line); err == nil {
				val, _ = strconv.Unquote(s)
				line = line[len(s):]
			} else {
				val, line = line, ""
			}
		} else if sp := strings.IndexByte(line, ' '); sp >= 0 {
			val, line = line[:sp], line[sp:]
		} else {
			val, line = line, ""
		}
		f[key] = val
	}
	return f
}

// Addr returns the address a protocol ("amqp", "openwire", "stomp")
// listens on, "" if it does not.
func (p *Proc) Addr(protocol string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addrs[protocol]
}

// AMQPURL is the amqp:// URL for the default guest user.
func (p *Proc) AMQPURL() string { return "amqp://guest:guest@" + p.Addr("amqp") + "/" }

// PID is the process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL and waits for the process to be gone. Killing an
// exited process is not an error.
func (p *Proc) Kill() error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill junction: %w", err)
	}
	<-p.exited
	return nil
}

// Stop asks for a clean shutdown (SIGTERM) and waits up to timeout; the
// process must exit with status 0.
func (p *Proc) Stop(timeout time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop junction: %w", err)
	}
	select {
	case <-p.exited:
	case <-time.After(timeout):
		_ = p.Kill()
		return fmt.Errorf("junction did not stop within %v after SIGTERM; killed", timeout)
	}
	if p.waitErr != nil {
		return fmt.Errorf("junction stopped with %v; log:\n%s", p.waitErr, p.Log())
	}
	return nil
}

// Exited reports whether the process has ended, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.exited:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Log returns everything the process wrote to stderr so far.
func (p *Proc) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// Lines returns the log lines logged at a level ("ERROR", "WARN").
func (p *Proc) Lines(level string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.lines {
		if strings.Contains(l, " level="+level+" ") {
			out = append(out, l)
		}
	}
	return out
}
