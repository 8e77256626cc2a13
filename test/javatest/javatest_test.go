package javatest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProgramCompilesOnceAndRunsWithTheJars(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	p := &Program{Name: "javatest-hello", Sources: "testdata/*.java", Jars: ClientJars}
	env := p.Env(t)
	out, err := env.Command("Hello", "from", "go").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hello from go" {
		t.Fatalf("java Hello: %v\n%s", err, out)
	}
	classes := strings.Split(env.Classpath, string(os.PathListSeparator))[0]
	class := filepath.Join(classes, "Hello.class")
	before, err := os.Stat(class)
	if err != nil {
		t.Fatalf("compiled class: %v", err)
	}

	// A second program over the same sources (another process, say) finds
	// the cached classes instead of compiling again.
	again := (&Program{Name: "javatest-hello", Sources: "testdata/*.java", Jars: ClientJars}).Env(t)
	if again.Classpath != env.Classpath {
		t.Fatalf("second build classpath %q, want the cached %q", again.Classpath, env.Classpath)
	}
	after, err := os.Stat(class)
	if err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("class recompiled or gone: %v (mtime %v -> %v)", err, before.ModTime(), after.ModTime())
	}
}

func TestMissingJarsSkipWithAReason(t *testing.T) {
	p := &Program{Name: "javatest-none", Sources: "testdata/*.java", Jars: func() string { return "" }}
	env, skip, err := p.Build()
	if env != nil || err != nil || !strings.Contains(skip, "libactivemq-java") {
		t.Fatalf("Build without jars = %v, %q, %v; want a skip naming the package", env, skip, err)
	}
}

func TestCompileErrorFailsWithJavacOutput(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Broken.java"), []byte("class Broken { int x = ; }"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	p := &Program{Name: "javatest-broken", Sources: filepath.Join(dir, "*.java"), Jars: ClientJars}
	_, skip, err := p.Build()
	if skip != "" {
		t.Skip(skip)
	}
	if err == nil || !strings.Contains(err.Error(), "Broken.java") {
		t.Fatalf("Build of a broken source: %v, want javac's complaint about Broken.java", err)
	}
}
