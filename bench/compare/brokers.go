package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	jconfig "github.com/junctionmq/junction/config"
)

// broker is one broker under test, started and stopped by this program.
type broker interface {
	Name() string
	// launch starts the process; fresh wipes its data first and picks new
	// ports. It returns without waiting for the listeners.
	launch(fresh bool) (*proc, error)
	// stop shuts the broker down cleanly and waits for it.
	stop() error
	// rssPID is the process whose memory the report shows.
	pid() (int, error)
	// url is the client URL for a protocol; "" if the broker lacks it.
	url(protocol string) string
	ports() []int
	// wipe removes the broker's data (after a case, to free the disk).
	wipe()
}

// start launches b and waits until every listener accepts a TCP
// connection, returning the time from launch to that.
func start(ctx context.Context, b broker, fresh bool) (time.Duration, error) {
	t0 := time.Now()
	p, err := b.launch(fresh)
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", b.Name(), err)
	}
	for _, port := range b.ports() {
		if err := waitAccepting(ctx, port, p, 5*time.Minute); err != nil {
			b.stop()
			return 0, fmt.Errorf("start %s: %w (log %s: %s)", b.Name(), err, p.logPath, tailFile(p.logPath, 5))
		}
	}
	return time.Since(t0), nil
}

// waitAccepting polls a loopback port every 5 ms.
func waitAccepting(ctx context.Context, port int, p *proc, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("process exited before port %d accepted: %v", port, p.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("port %d not accepting after %s", port, limit)
		}
	}
}

// proc is a started process in its own process group, so that stopping it
// reaches its children (the JVM under a shell, beam under runuser).
type proc struct {
	cmd     *exec.Cmd
	done    chan struct{}
	err     error
	logPath string
}

func startProc(argv []string, env []string, logPath string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create log: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	// Junction reads JUNCTION_ variables as settings; the brokers run the
	// configuration the report documents, not one left in the shell.
	cmd.Env = append(jconfig.StripEnv(os.Environ()), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("exec %s: %w", argv[0], err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), logPath: logPath}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// signal sends sig to the whole process group.
func (p *proc) signal(sig syscall.Signal) {
	if p != nil && p.alive() {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	}
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// wait waits up to limit for the process to end, then kills its group.
func (p *proc) wait(limit time.Duration) error {
	select {
	case <-p.done:
		return nil
	case <-time.After(limit):
		p.signal(syscall.SIGKILL)
		<-p.done
		return fmt.Errorf("did not stop within %s: killed", limit)
	}
}

// freePorts asks the kernel for n unused loopback ports.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// junctionBroker is Junction built from this tree, default configuration.
type junctionBroker struct {
	bin, dir                 string
	amqp, openwire, stompPrt int
	p                        *proc
	starts                   int
}

func (*junctionBroker) Name() string { return "junction" }

func (j *junctionBroker) launch(fresh bool) (*proc, error) {
	if fresh {
		j.wipe()
		ps, err := freePorts(3)
		if err != nil {
			return nil, err
		}
		j.amqp, j.openwire, j.stompPrt = ps[0], ps[1], ps[2]
	}
	j.starts++
	addr := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	p, err := startProc([]string{j.bin, "--data-dir", j.dir, "--amqp-listen", addr(j.amqp),
		"--openwire-listen", addr(j.openwire), "--stomp-listen", addr(j.stompPrt), "--http-listen", ""},
		nil, fmt.Sprintf("%s-%d.log", j.dir, j.starts))
	j.p = p
	return p, err
}

func (j *junctionBroker) stop() error {
	if j.p == nil {
		return nil
	}
	j.p.signal(syscall.SIGTERM)
	err := j.p.wait(2 * time.Minute)
	j.p = nil
	return err
}

func (j *junctionBroker) pid() (int, error) {
	if j.p == nil {
		return 0, errors.New("junction not running")
	}
	return j.p.cmd.Process.Pid, nil
}

func (j *junctionBroker) url(protocol string) string {
	switch protocol {
	case "amqp":
		return fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", j.amqp)
	case "stomp":
		return fmt.Sprintf("stomp://guest:guest@127.0.0.1:%d/", j.stompPrt)
	case "openwire":
		return fmt.Sprintf("tcp://127.0.0.1:%d", j.openwire)
	}
	return ""
}

func (j *junctionBroker) ports() []int { return []int{j.amqp, j.openwire, j.stompPrt} }
func (j *junctionBroker) wipe()        { os.RemoveAll(j.dir) }

// rabbitBroker is Debian's rabbitmq-server as a throwaway node run as user
// rabbitmq (the recipe of bench/persist/run.sh): its own epmd and
// distribution ports, mnesia and logs under dir, default configuration
// plus the rabbitmq_stomp plugin on a loopback listener.
type rabbitBroker struct {
	dir                         string
	amqp, stompPrt, dist, epmdP int
	p                           *proc
	starts                      int
}

func (*rabbitBroker) Name() string { return "rabbitmq" }

func (r *rabbitBroker) env() string { return filepath.Join(r.dir, "env.sh") }

func (r *rabbitBroker) launch(fresh bool) (*proc, error) {
	if fresh {
		r.wipe()
		ps, err := freePorts(4)
		if err != nil {
			return nil, err
		}
		r.amqp, r.stompPrt, r.dist, r.epmdP = ps[0], ps[1], ps[2], ps[3]
		if err := r.writeConfig(); err != nil {
			return nil, err
		}
	}
	r.starts++
	p, err := startProc([]string{"runuser", "-u", "rabbitmq", "--", "bash", "-c",
		". " + r.env() + "; exec /usr/lib/rabbitmq/bin/rabbitmq-server"},
		nil, fmt.Sprintf("%s-%d.log", r.dir, r.starts))
	r.p = p
	return p, err
}

func (r *rabbitBroker) writeConfig() error {
	for _, d := range []string{"mnesia", "log"} {
		if err := os.MkdirAll(filepath.Join(r.dir, d), 0o755); err != nil {
			return fmt.Errorf("rabbitmq dir: %w", err)
		}
	}
	env := fmt.Sprintf(`export RABBITMQ_NODENAME=compare%d@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=%d
export RABBITMQ_DIST_PORT=%d
export ERL_EPMD_PORT=%d
export RABBITMQ_MNESIA_BASE=%[5]s/mnesia
export RABBITMQ_LOG_BASE=%[5]s/log
export RABBITMQ_ENABLED_PLUGINS_FILE=%[5]s/enabled_plugins
export RABBITMQ_PID_FILE=%[5]s/rabbit.pid
export RABBITMQ_CONFIG_FILE=%[5]s/rabbitmq
export HOME=/var/lib/rabbitmq
`, r.amqp, r.amqp, r.dist, r.epmdP, r.dir)
	files := map[string]string{
		"env.sh":          env,
		"enabled_plugins": "[rabbitmq_stomp].\n",
		"rabbitmq.conf":   fmt.Sprintf("stomp.listeners.tcp.1 = 127.0.0.1:%d\n", r.stompPrt),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(r.dir, name), []byte(body), 0o644); err != nil {
			return fmt.Errorf("rabbitmq %s: %w", name, err)
		}
	}
	if out, err := exec.Command("chown", "-R", "rabbitmq:rabbitmq", r.dir).CombinedOutput(); err != nil {
		return fmt.Errorf("chown %s: %w: %s", r.dir, err, out)
	}
	return nil
}

// ctl runs a RabbitMQ CLI tool as the rabbitmq user in the node's
// environment.
func (r *rabbitBroker) ctl(args string) ([]byte, error) {
	return exec.Command("runuser", "-u", "rabbitmq", "--", "bash", "-c",
		". "+r.env()+"; "+args).CombinedOutput()
}

func (r *rabbitBroker) stop() error {
	if r.p == nil {
		return nil
	}
	var errs []error
	if out, err := r.ctl("/usr/lib/rabbitmq/bin/rabbitmqctl stop"); err != nil {
		errs = append(errs, fmt.Errorf("rabbitmqctl stop: %w: %s", err, strings.TrimSpace(string(out))))
		r.p.signal(syscall.SIGTERM)
	}
	if err := r.p.wait(2 * time.Minute); err != nil {
		errs = append(errs, err)
	}
	r.p = nil
	// The node started its own epmd (a daemon outside our process group)
	// on our port; nothing else uses it.
	if out, err := r.ctl("epmd -port " + strconv.Itoa(r.epmdP) + " -kill"); err != nil {
		errs = append(errs, fmt.Errorf("epmd -kill: %w: %s", err, strings.TrimSpace(string(out))))
	}
	return errors.Join(errs...)
}

func (r *rabbitBroker) pid() (int, error) {
	b, err := os.ReadFile(filepath.Join(r.dir, "rabbit.pid"))
	if err != nil {
		return 0, fmt.Errorf("rabbitmq pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("rabbitmq pid file %q: %w", b, err)
	}
	return pid, nil
}

func (r *rabbitBroker) url(protocol string) string {
	switch protocol {
	case "amqp":
		return fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", r.amqp)
	case "stomp":
		return fmt.Sprintf("stomp://guest:guest@127.0.0.1:%d/", r.stompPrt)
	}
	return ""
}

func (r *rabbitBroker) ports() []int { return []int{r.amqp, r.stompPrt} }
func (r *rabbitBroker) wipe()        { os.RemoveAll(r.dir) }

// activeMQBroker is ActiveMQ 5.17 (Debian's jars) through CompareBroker:
// BenchBroker's configuration (Debian's stock instance: KahaDB, defaults,
// no authentication; memory limit 70% of the heap as in ActiveMQ's own
// activemq.xml) plus a STOMP connector, JVM -Xmx1g.
type activeMQBroker struct {
	classpath, dir     string
	openwire, stompPrt int
	p                  *proc
	starts             int
}

func (*activeMQBroker) Name() string { return "activemq" }

func (a *activeMQBroker) launch(fresh bool) (*proc, error) {
	if fresh {
		a.wipe()
		ps, err := freePorts(2)
		if err != nil {
			return nil, err
		}
		a.openwire, a.stompPrt = ps[0], ps[1]
	}
	a.starts++
	p, err := startProc([]string{"java", "-Xmx1g", "-cp", a.classpath,
		"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "CompareBroker",
		strconv.Itoa(a.openwire), strconv.Itoa(a.stompPrt), a.dir},
		nil, fmt.Sprintf("%s-%d.log", a.dir, a.starts))
	a.p = p
	return p, err
}

func (a *activeMQBroker) stop() error {
	if a.p == nil {
		return nil
	}
	// The JVM's shutdown hook stops the broker and closes KahaDB.
	a.p.signal(syscall.SIGTERM)
	err := a.p.wait(2 * time.Minute)
	a.p = nil
	return err
}

func (a *activeMQBroker) pid() (int, error) {
	if a.p == nil {
		return 0, errors.New("activemq not running")
	}
	return a.p.cmd.Process.Pid, nil
}

func (a *activeMQBroker) url(protocol string) string {
	switch protocol {
	case "openwire":
		return fmt.Sprintf("tcp://127.0.0.1:%d", a.openwire)
	case "stomp":
		return fmt.Sprintf("stomp://guest:guest@127.0.0.1:%d/", a.stompPrt)
	}
	return ""
}

func (a *activeMQBroker) ports() []int { return []int{a.openwire, a.stompPrt} }
func (a *activeMQBroker) wipe()        { os.RemoveAll(a.dir) }

// tailFile returns the last n lines of a log, for error messages.
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return lastLines(string(b), n)
}
