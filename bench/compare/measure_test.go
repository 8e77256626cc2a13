package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A /proc/net/tcp excerpt: a listener on 5672 (0x1628), two established
// connections to it, one in TIME_WAIT (06), and a client-side socket whose
// remote port is 5672 (which must not count).
const procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1628 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1628 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1628 0100007F:D432 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:1628 0100007F:D433 06 00000000:00000000 00:00000000 00000000     0        0 0 3 0000000000000000
   4: 0100007F:D431 0100007F:1628 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 20 4 30 10 -1
`

func TestCountEstablishedCountsOnlyEstablishedSocketsOnTheLocalPort(t *testing.T) {
	if n := countEstablished([]byte(procNetTCP), 5672); n != 2 {
		t.Fatalf("established to 5672 = %d, want 2", n)
	}
	if n := countEstablished([]byte(procNetTCP), 0xD431); n != 1 {
		t.Fatalf("established to 0xD431 = %d, want 1 (the client side)", n)
	}
	if n := countEstablished([]byte(procNetTCP), 61613); n != 0 {
		t.Fatalf("established to an unused port = %d, want 0", n)
	}
}

func TestStatusFieldReadsKiBFromProcStatus(t *testing.T) {
	status := []byte("Name:\tjunction\nVmPeak:\t  900000 kB\nVmRSS:\t   48128 kB\nThreads:\t9\n")
	if v, ok := statusField(status, "VmRSS"); !ok || v != 48128 {
		t.Fatalf("VmRSS = %d, %v; want 48128, true", v, ok)
	}
	if _, ok := statusField(status, "VmHWM"); ok {
		t.Fatal("VmHWM found in a status without it")
	}
	if _, ok := statusField([]byte("VmRSS:\n"), "VmRSS"); ok {
		t.Fatal("an empty VmRSS parsed as a value")
	}
}

func TestParseResultTakesTheLastJSONLine(t *testing.T) {
	out := "embedded ActiveMQ at tcp://x\n{\"published\":1}\n" +
		`{"published":100,"consumed":90,"published_msgs_per_sec":50.5,"consumed_msgs_per_sec":45,"latency_us":{"p50":120,"p99":900.5}}` + "\n"
	r, err := parseResult([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.Published != 100 || r.Consumed != 90 || r.PublishedRate != 50.5 || r.ConsumedRate != 45 ||
		r.Latency.P50 != 120 || r.Latency.P99 != 900.5 {
		t.Fatalf("parsed %+v", r)
	}
}

func TestParseResultRejectsOutputWithoutSummary(t *testing.T) {
	_, err := parseResult([]byte("time 1.0s sent 10 msg/s\n"))
	if err == nil || !strings.Contains(err.Error(), "no JSON summary line") {
		t.Fatalf("err = %v, want no JSON summary line", err)
	}
	_, err = parseResult([]byte("{\"published\": \"many\"}\n"))
	if err == nil || !strings.Contains(err.Error(), "decode summary") {
		t.Fatalf("err = %v, want a decode error", err)
	}
}

func FuzzCountEstablished(f *testing.F) {
	f.Add([]byte(procNetTCP), 5672)
	f.Add([]byte("0: :1628 x 01\n1: 0100007F: y 01\n"), 5672)
	f.Add([]byte(""), 0)
	f.Fuzz(func(t *testing.T, table []byte, port int) {
		n := countEstablished(table, port)
		if lines := bytes.Count(table, []byte("\n")) + 1; n < 0 || n > lines {
			t.Fatalf("%d established from %d lines", n, lines)
		}
	})
}

func FuzzParseResult(f *testing.F) {
	f.Add([]byte(`{"published":1,"latency_us":{"p99":2}}`))
	f.Add([]byte("x\n{\n{}"))
	f.Add([]byte("{\"published\":1e400}"))
	f.Fuzz(func(t *testing.T, out []byte) {
		r, err := parseResult(out)
		if err != nil && r != (perfResult{}) {
			t.Fatalf("error %v with a non-zero result %+v", err, r)
		}
	})
}

func TestStatCPUReadsUserAndSystemTimeAfterAnAwkwardCommandName(t *testing.T) {
	// utime 250 and stime 125 ticks, process group 4242; the name holds
	// a space and a ')'.
	stat := []byte("4242 (java) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 125 7 3 20 0 30 0 12345 0 0\n")
	got, pgrp, err := statCPU(stat)
	if err != nil || got != (cpuTime{user: 2.5, sys: 1.25}) || got.total() != 3.75 || pgrp != 4242 {
		t.Fatalf("statCPU = %+v, group %d, %v; want 2.5 s user and 1.25 s system, group 4242", got, pgrp, err)
	}
	for _, bad := range []string{"", "12 (x) S 1 2", "12 (x) S 1 g 3 4 5 6 7 8 9 10 11 12"} {
		if _, _, err := statCPU([]byte(bad)); err == nil {
			t.Fatalf("statCPU accepted %q", bad)
		}
	}
}

func TestProcessAndGroupCPUCountThisProcessesWork(t *testing.T) {
	before, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Spin until 50 ms of CPU show (a loaded machine may take longer).
	after, deadline := before, time.Now().Add(5*time.Second)
	for after.total()-before.total() < 0.05 && time.Now().Before(deadline) {
		for end := time.Now().Add(10 * time.Millisecond); time.Now().Before(end); {
		}
		after, _ = processCPU(os.Getpid())
	}
	if after.total()-before.total() < 0.05 {
		t.Fatalf("5 s of spinning added %.2f s of CPU", after.total()-before.total())
	}
	if after.user-before.user < after.sys-before.sys {
		t.Fatalf("spinning in user space counted as %.2f s user, %.2f s system", after.user-before.user, after.sys-before.sys)
	}
	if g := groupCPU(syscall.Getpgrp()); g.total() < after.total() {
		t.Fatalf("the process group used %.2f s, less than this process's %.2f s", g.total(), after.total())
	}
}

func TestSampleCPUMeasuresABusyGroupAndGivesUpWhenTheRunEnds(t *testing.T) {
	cmd := exec.Command("sh", "-c", "while :; do :; done")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	use := sampleCPU(make(chan struct{}), os.Getpid(), cmd.Process.Pid, 50*time.Millisecond, 400*time.Millisecond)
	// One spinning thread: about a core, less on a loaded machine.
	if use.client < 0.1 || use.client > 1.3 {
		t.Fatalf("a spinning shell measured at %.2f cores, want about 1", use.client)
	}
	if use.broker > 0.5 {
		t.Fatalf("this idle test process measured at %.2f cores", use.broker)
	}
	if use.clientSys > use.client/2 {
		t.Fatalf("a shell spinning in user space measured %.2f of its %.2f cores in the kernel", use.clientSys, use.client)
	}
	done := make(chan struct{})
	close(done)
	if use := sampleCPU(done, os.Getpid(), cmd.Process.Pid, time.Hour, time.Hour); use != (cpuUse{}) {
		t.Fatalf("a run that ended before sampling gave %+v", use)
	}
}
