package durability

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junctionmq/junction/config"
	"github.com/junctionmq/junction/server"
	"github.com/junctionmq/junction/test/crash/junctionproc"
)

// mode is how a broker goes down before it is started again.
type mode int

const (
	// clean closes an in-process broker (server.Close): connections are
	// closed, unacknowledged deliveries requeued, the store closed.
	clean mode = iota
	// crash kills a child junction process with SIGKILL.
	crash
)

func (m mode) String() string {
	if m == clean {
		return "clean"
	}
	return "crash"
}

// broker is a Junction whose data directory outlives restarts. All three
// listeners are on, on free loopback ports that change at each restart.
type broker struct {
	t    *testing.T
	mode mode
	dir  string

	srv  *server.Server     // clean mode
	logs *logCapture        // clean mode: the current server's log
	proc *junctionproc.Proc // crash mode
	// checkpointed says whether the last clean stop left the store's
	// checkpoint, which the restart then started from instead of
	// replaying the journal.
	checkpointed bool
}

// bothModes runs f as two parallel subtests, "clean" and "crash", each on a
// broker of its own.
func bothModes(t *testing.T, f func(t *testing.T, b *broker)) {
	t.Helper()
	t.Parallel()
	for _, m := range []mode{clean, crash} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			f(t, startBroker(t, m))
		})
	}
}

func startBroker(t *testing.T, m mode) *broker {
	t.Helper()
	b := &broker{t: t, mode: m, dir: t.TempDir()}
	b.start()
	t.Cleanup(b.stop)
	return b
}

func (b *broker) start() {
	b.t.Helper()
	if b.mode == crash {
		p, err := junctionproc.Start(junctionproc.Options{
			Bin: junctionBin(b.t), DataDir: b.dir,
			AMQP: "127.0.0.1:0", OpenWire: "127.0.0.1:0", STOMP: "127.0.0.1:0",
		})
		if err != nil {
			b.t.Fatal(err)
		}
		b.proc = p
		return
	}
	cfg := config.Default()
	cfg.DataDir = b.dir
	cfg.Listeners = config.Listeners{AMQP: "127.0.0.1:0", OpenWire: "127.0.0.1:0", STOMP: "127.0.0.1:0"}
	b.logs = &logCapture{}
	s, err := server.New(cfg, slog.New(b.logs))
	// The store's flock belongs to an open file description. While this
	// test process forks a child (a crash-mode broker, a JVM), the child
	// briefly holds a copy of every descriptor, close-on-exec or not, so
	// the lock can outlive Close by a moment.
	for i := 0; err != nil && strings.Contains(err.Error(), "directory in use") && i < 40; i++ {
		time.Sleep(50 * time.Millisecond)
		s, err = server.New(cfg, slog.New(b.logs))
	}
	if err != nil {
		b.t.Fatalf("start junction on %s: %v", b.dir, err)
	}
	if err := s.Start(); err != nil {
		b.t.Fatalf("start junction listeners: %v", err)
	}
	b.srv = s
}

func (b *broker) stop() {
	if b.srv != nil {
		b.srv.Close()
		b.srv = nil
	}
	if b.proc != nil {
		_ = b.proc.Kill()
		b.proc = nil
	}
}

// restart takes the broker down the test's way and starts it again on the
// same data directory. A restarted broker must not log an error: recovery
// that skips something it cannot read says so at level ERROR.
func (b *broker) restart() {
	b.t.Helper()
	if b.mode == crash {
		if err := b.proc.Kill(); err != nil {
			b.t.Fatal(err)
		}
	} else {
		b.srv.Close()
		_, err := os.Stat(filepath.Join(b.dir, "store", "checkpoint"))
		b.checkpointed = err == nil
		if errs := b.logs.errors(); len(errs) > 0 {
			b.t.Errorf("the broker logged errors before and during its shutdown:\n%s", strings.Join(errs, "\n"))
		}
	}
	b.start()
	if errs := b.errorLines(); len(errs) > 0 {
		b.t.Errorf("the restarted broker logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

func (b *broker) errorLines() []string {
	if b.proc != nil {
		return b.proc.Lines("ERROR")
	}
	return b.logs.errors()
}

func (b *broker) addr(protocol string) string {
	if b.proc != nil {
		return b.proc.Addr(protocol)
	}
	a := b.srv.Addr(protocol)
	if a == nil {
		b.t.Fatalf("no %s listener", protocol)
	}
	return a.String()
}

func (b *broker) amqpURL() string     { return "amqp://guest:guest@" + b.addr("amqp") + "/" }
func (b *broker) stompAddr() string   { return b.addr("stomp") }
func (b *broker) openwireURL() string { return "tcp://" + b.addr("openwire") }

// logCapture is an slog handler that keeps what an in-process broker logs
// at WARN and above, and prints everything with JUNCTION_TEST_LOG set.
type logCapture struct {
	mu    sync.Mutex
	lines []string
}

func (h *logCapture) Enabled(_ context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || os.Getenv("JUNCTION_TEST_LOG") != ""
}

func (h *logCapture) Handle(_ context.Context, r slog.Record) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s level=%s msg=%q", r.Time.Format(time.TimeOnly), r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&sb, " %s=%v", a.Key, a.Value)
		return true
	})
	if os.Getenv("JUNCTION_TEST_LOG") != "" {
		fmt.Fprintln(os.Stderr, sb.String())
	}
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		h.lines = append(h.lines, sb.String())
		h.mu.Unlock()
	}
	return nil
}

func (h *logCapture) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCaptureChild{parent: h, attrs: as}
}

func (h *logCapture) WithGroup(string) slog.Handler { return h }

func (h *logCapture) errors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.lines...)
}

// logCaptureChild carries attributes added with With into the parent's
// buffer.
type logCaptureChild struct {
	parent *logCapture
	attrs  []slog.Attr
}

func (c *logCaptureChild) Enabled(ctx context.Context, l slog.Level) bool {
	return c.parent.Enabled(ctx, l)
}

func (c *logCaptureChild) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(c.attrs...)
	return c.parent.Handle(ctx, r)
}

func (c *logCaptureChild) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCaptureChild{parent: c.parent, attrs: append(append([]slog.Attr(nil), c.attrs...), as...)}
}

func (c *logCaptureChild) WithGroup(string) slog.Handler { return c }
