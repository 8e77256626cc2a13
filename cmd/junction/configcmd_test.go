package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCheckReportsOKAndErrorsWithLineNumbers(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	bad := filepath.Join(dir, "bad.toml")
	typo := filepath.Join(dir, "typo.toml")
	os.WriteFile(good, []byte("data_dir = \"/tmp/j\"\n[listeners]\namqp = \":5673\"\n"), 0o644)
	os.WriteFile(bad, []byte("data_dir = \"/tmp/j\"\n[listeners\namqp = 1\n"), 0o644)
	os.WriteFile(typo, []byte("[limits]\ndisk_free_limt = \"1GB\"\n"), 0o644)

	var out strings.Builder
	if err := runConfig([]string{"check", good}, &out); err != nil || out.String() != good+": ok\n" {
		t.Fatalf("good file: %v, output %q", err, out.String())
	}
	out.Reset()
	err := runConfig([]string{"check", good, bad, typo}, &out)
	if err == nil || !strings.Contains(err.Error(), "2 of 3") {
		t.Fatalf("two bad files: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], bad+": line ") || !strings.Contains(lines[2], "limits.disk_free_limt") {
		t.Fatalf("output:\n%s", out.String())
	}
}

func TestEnvironmentOverridesTheFileAndFlagsOverrideTheEnvironment(t *testing.T) {
	t.Setenv("JUNCTION_LISTENERS_AMQP", "127.0.0.1:1")
	t.Setenv("JUNCTION_DATA_DIR", "")
	t.Setenv("JUNCTION_LIMITS_DISK_FREE_LIMT", "1")
	err := run(t.Context(), []string{"--amqp-listen", "127.0.0.1:0"}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "JUNCTION_LIMITS_DISK_FREE_LIMT: no such setting") {
		t.Fatalf("a misspelt variable must stop the broker from starting: %v", err)
	}
}
