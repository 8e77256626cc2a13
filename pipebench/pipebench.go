// Package pipebench measures a broker's cost per message with the load
// generators out of the way: a benchmark re-executes its own test binary
// as the clients' process, so that the benchmark process's allocs/op, B/op
// and CPU time are the broker's alone. The two processes talk over the
// child's stdin and stdout: the child says "ready", then for each count n
// it reads pushes n messages through the broker and answers "done n".
package pipebench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ClientProfileEnv names the environment variable that asks the client
// process for a CPU profile.
const ClientProfileEnv = "PIPEBENCH_CLIENT_CPUPROFILE"

// Window is how many messages the child keeps in flight, so that the
// queue stays short as in a steady-state load test.
const Window = 500

// warmup messages go through before the clock starts: queues declared,
// caches warm, buffers grown.
const warmup = 2000

// Parent runs b.N messages through the child started with env (added to
// this process's environment; the child's TestMain recognises it) and
// reports broker-cpu-ns/op beside the usual figures. msgBytes sets the
// bytes per op for throughput.
func Parent(b *testing.B, env []string, msgBytes int) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	toChild, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	fromChild, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		toChild.Close()
		if err := cmd.Wait(); err != nil {
			b.Errorf("client process: %v", err)
		}
	})
	lines := bufio.NewScanner(fromChild)
	expect := func(want string) {
		if !lines.Scan() {
			b.Fatalf("client process ended: %v", lines.Err())
		}
		if got := lines.Text(); got != want {
			b.Fatalf("client process says %q, want %q", got, want)
		}
	}
	round := func(n int) {
		fmt.Fprintln(toChild, n)
		expect("done " + strconv.Itoa(n))
	}
	expect("ready")
	round(warmup)
	b.SetBytes(int64(msgBytes))
	b.ReportAllocs()
	b.ResetTimer()
	cpu, clientCPU := processCPU(), childCPU(cmd.Process.Pid)
	round(b.N)
	cpu, clientCPU = processCPU()-cpu, childCPU(cmd.Process.Pid)-clientCPU
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "broker-cpu-ns/op")
	// Which side is the limit: on a small machine client and broker share
	// the cores, so a cheaper broker helps only while the client waits.
	if clientCPU >= 0 {
		b.ReportMetric(float64(clientCPU.Nanoseconds())/float64(b.N), "client-cpu-ns/op")
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childCPU is the user and system CPU time the client process has used, in
// clock ticks turned into time; -1 when /proc cannot tell.
func childCPU(pid int) time.Duration {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// The command name may hold spaces; the fields after it are fixed.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return -1
	}
	// utime and stime are fields 14 and 15 of the whole line; f starts at 3.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// Child is the clients' side, once they are connected: for each round it
// runs consume(n, slots) in a goroutine and send(i) for i in [0, n), each
// send taking a slot from slots that consume gives back per message
// received, so at most Window messages are in flight.
//
// With PIPEBENCH_CLIENT_CPUPROFILE set to a file name, the child writes a
// CPU profile of itself there, to see what the clients spend their time on.
func Child(in io.Reader, out io.Writer, send func(i int) error, consume func(n int, slots <-chan struct{}) error) error {
	if name := os.Getenv(ClientProfileEnv); name != "" {
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("client profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("client profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintln(out, "ready")
	counts := bufio.NewScanner(in)
	for counts.Scan() {
		n, err := strconv.Atoi(strings.TrimSpace(counts.Text()))
		if err != nil {
			return fmt.Errorf("message count %q: %w", counts.Text(), err)
		}
		slots := make(chan struct{}, Window)
		done := make(chan error, 1)
		go func() { done <- consume(n, slots) }()
		for i := range n {
			slots <- struct{}{}
			if err := send(i); err != nil {
				return fmt.Errorf("send %d of %d: %w", i+1, n, err)
			}
		}
		if err := <-done; err != nil {
			return err
		}
		fmt.Fprintln(out, "done", n)
	}
	return counts.Err()
}
