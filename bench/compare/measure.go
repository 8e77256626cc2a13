package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-stomp/stomp/v3"
	amqp "github.com/rabbitmq/amqp091-go"
)

// rssKiB reads VmRSS of a process.
func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read status of pid %d: %w", pid, err)
	}
	v, ok := statusField(b, "VmRSS")
	if !ok {
		return 0, fmt.Errorf("pid %d: no VmRSS in /proc status", pid)
	}
	return v, nil
}

// statusField returns a "Name:   1234 kB" field of /proc/PID/status.
func statusField(status []byte, name string) (int64, bool) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte(name+":"))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) == 0 {
			return 0, false
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		return v, err == nil
	}
	return 0, false
}

// clockTicks is the unit of utime and stime in /proc/PID/stat: USER_HZ,
// which Linux fixes at 100 on every architecture Go runs this on.
const clockTicks = 100

// cpuTime is CPU time in seconds, split into user and system (kernel)
// time: a load generator that spends most of its time in the kernel is
// bound by its own system calls, which no broker can take off it.
type cpuTime struct{ user, sys float64 }

func (c cpuTime) total() float64 { return c.user + c.sys }

// statCPU reads a /proc/PID/stat line: the process's CPU time so far (its
// own threads) and its process group.
func statCPU(stat []byte) (t cpuTime, pgrp int, err error) {
	// The command name (field 2) is in parentheses and may hold spaces or
	// parentheses itself: count fields after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return cpuTime{}, 0, fmt.Errorf("no command name in %q", stat)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 { // state ppid pgrp ... utime(14) stime(15)
		return cpuTime{}, 0, fmt.Errorf("stat has %d fields after the name", len(f))
	}
	pgrp, err = strconv.Atoi(f[2])
	if err != nil {
		return cpuTime{}, 0, fmt.Errorf("stat pgrp %q: %w", f[2], err)
	}
	var ticks [2]int64
	for k, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cpuTime{}, 0, fmt.Errorf("stat cpu field %q: %w", v, err)
		}
		ticks[k] = n
	}
	return cpuTime{user: float64(ticks[0]) / clockTicks, sys: float64(ticks[1]) / clockTicks}, pgrp, nil
}

// processCPU is the CPU time one process has used.
func processCPU(pid int) (cpuTime, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTime{}, fmt.Errorf("read stat of pid %d: %w", pid, err)
	}
	t, _, err := statCPU(b)
	return t, err
}

// groupCPU is the CPU time the live processes of a process group have
// used: a load generator and what it started (run.sh's JVM).
func groupCPU(pgid int) cpuTime {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var total cpuTime
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // exited since the glob
		}
		if t, g, err := statCPU(b); err == nil && g == pgid {
			total.user += t.user
			total.sys += t.sys
		}
	}
	return total
}

// establishedTo counts established TCP connections whose local port is
// port, from /proc/net/tcp and tcp6: the broker's side of each client
// connection, whatever the broker's own bookkeeping says.
func establishedTo(port int) (int, error) {
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return 0, fmt.Errorf("read %s: %w", f, err)
		}
		n += countEstablished(b, port)
	}
	return n, nil
}

// countEstablished parses a /proc/net/tcp table: per row, field 1 is
// local "ADDR:PORT" (port in hex) and field 3 the state (01 established).
func countEstablished(table []byte, port int) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(table))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[3] != "01" {
			continue
		}
		i := strings.LastIndexByte(f[1], ':')
		if i < 0 {
			continue
		}
		p, err := strconv.ParseUint(f[1][i+1:], 16, 16)
		if err == nil && int(p) == port {
			n++
		}
	}
	return n
}

// waitEstablished waits until at least n connections to port are up.
func waitEstablished(ctx context.Context, port, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		got, err := establishedTo(port)
		if err != nil {
			return err
		}
		if got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d connections established to port %d after %s", got, n, port, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// firstAMQP polls basic.get on queue until a message comes back, and
// leaves it unacknowledged (closing the channel requeues it).
func firstAMQP(ctx context.Context, url, queue string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := func() error {
			conn, err := amqp.Dial(url)
			if err != nil {
				return err
			}
			defer conn.Close()
			ch, err := conn.Channel()
			if err != nil {
				return err
			}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				_, ok, err := ch.Get(queue, false)
				if err != nil {
					return err
				}
				if ok {
					return nil
				}
				time.Sleep(5 * time.Millisecond)
			}
			return fmt.Errorf("queue %s gave no message within %s", queue, limit)
		}()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			if err != nil {
				return fmt.Errorf("first message over AMQP: %w", err)
			}
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// firstSTOMP subscribes to queue with client acknowledgement and waits for
// one message, which it leaves unacknowledged.
func firstSTOMP(ctx context.Context, addr, queue string, limit time.Duration) error {
	conn, err := stomp.Dial("tcp", addr, stomp.ConnOpt.Login("guest", "guest"),
		stomp.ConnOpt.HeartBeat(0, 0), stomp.ConnOpt.Logger(quietLogger{}))
	if err != nil {
		return fmt.Errorf("first message over STOMP: connect %s: %w", addr, err)
	}
	defer conn.MustDisconnect()
	sub, err := conn.Subscribe("/queue/"+queue, stomp.AckClientIndividual)
	if err != nil {
		return fmt.Errorf("first message over STOMP: subscribe: %w", err)
	}
	select {
	case m, ok := <-sub.C:
		if !ok {
			return fmt.Errorf("first message over STOMP: subscription closed")
		}
		if m.Err != nil {
			return fmt.Errorf("first message over STOMP: %w", m.Err)
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("first message over STOMP: none within %s", limit)
	case <-ctx.Done():
		return ctx.Err()
	}
}
