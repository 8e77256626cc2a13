package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Machine is what the report says about the host.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemGiB   float64
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	Java     string `json:"java"`
	Erlang   string `json:"erlang"`
	RabbitMQ string `json:"rabbitmq"`
	ActiveMQ string `json:"activemq"`
	Disk     string `json:"disk"`
	LoadAvg  string `json:"loadavg_at_start"`
	Commit   string `json:"commit"`
}

func describeMachine(workDir, repo string) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = cpuModel(b)
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kib, ok := statusField(b, "MemTotal"); ok {
			m.MemGiB = float64(kib) / (1 << 20)
		}
	}
	m.Kernel = readTrim("/proc/sys/kernel/osrelease")
	m.LoadAvg = readTrim("/proc/loadavg")
	if out, err := exec.Command("java", "-version").CombinedOutput(); err == nil {
		m.Java = firstLine(out)
	}
	if vs, _ := filepath.Glob("/usr/lib/erlang/releases/*/OTP_VERSION"); len(vs) > 0 {
		m.Erlang = "OTP " + readTrim(vs[0])
	}
	m.RabbitMQ = packageVersion("rabbitmq-server")
	m.ActiveMQ = packageVersion("activemq")
	m.Disk = describeDisk(workDir)
	if out, err := exec.Command("git", "-C", repo, "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "-C", repo, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
			m.Commit += " (with uncommitted changes)"
		}
	}
	return m
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel(cpuinfo []byte) string {
	for line := range bytes.Lines(cpuinfo) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && string(bytes.TrimSpace(k)) == "model name" {
			return string(bytes.TrimSpace(v))
		}
	}
	return "unknown"
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	return string(line)
}

func packageVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil || len(out) == 0 {
		return "not installed"
	}
	return pkg + " " + string(out)
}

// describeDisk names the filesystem holding the brokers' data: device,
// type, size, and whether the kernel thinks it rotates.
func describeDisk(dir string) string {
	out, err := exec.Command("df", "-hT", dir).Output()
	if err != nil {
		return "unknown"
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) < 3 {
		return "unknown"
	}
	desc := fmt.Sprintf("%s (%s, %s)", f[0], f[1], f[2])
	dev := filepath.Base(f[0])
	for len(dev) > 0 {
		if r := readTrim("/sys/block/" + dev + "/queue/rotational"); r != "unknown" {
			if r == "0" {
				desc += ", non-rotational"
			} else {
				desc += ", rotational"
			}
			break
		}
		dev = dev[:len(dev)-1] // sda1 → sda, nvme0n1p1 → nvme0n1p → …
	}
	return desc
}
