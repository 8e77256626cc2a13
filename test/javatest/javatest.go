// Package javatest builds the small Java programs that test suites run
// against Junction with the unchanged ActiveMQ client, and finds the jars
// they need. Compiled classes are cached under the user cache directory,
// keyed by a hash of the sources, the compiler and the classpath, so a
// suite pays for javac once per source version rather than once per run.
// Nothing is ever installed here: without a JDK or the jars a suite skips
// with a sentence saying which Debian package is missing.
package javatest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// SLF4JSimple sends ActiveMQ's log to stderr, at the level a program sets
// with -Dorg.slf4j.simpleLogger.defaultLogLevel.
const SLF4JSimple = "/usr/share/java/slf4j-simple.jar"

const sep = string(os.PathListSeparator)

// brokerJarsFromDebian are libactivemq-java's jars plus what an embedded
// broker needs, for machines with that package but not package activemq.
var brokerJarsFromDebian = []string{
	"activemq-client.jar", "activemq-broker.jar", "activemq-kahadb-store.jar", "activemq-jaas.jar",
	"activemq-openwire-legacy.jar", "activemq-protobuf.jar", "geronimo-jms_1.1_spec.jar",
	"geronimo-j2ee-management-1.1-spec.jar", "geronimo-jta-1.2-spec.jar", "hawtbuf.jar", "slf4j-api.jar",
}

// BrokerJars is a classpath for JMS clients and an embedded ActiveMQ
// broker: JMS_CLASSPATH if set, else package activemq's lib directory, else
// the jars of libactivemq-java; "" if none of them is there.
func BrokerJars() string {
	if cp := os.Getenv("JMS_CLASSPATH"); cp != "" {
		return cp
	}
	if exists("/usr/share/activemq/lib/activemq-broker.jar") {
		return "/usr/share/activemq/lib/*"
	}
	return debianJars(brokerJarsFromDebian, "slf4j-api.jar")
}

// ClientJars is the ActiveMQ JMS client exactly as Debian's
// libactivemq-java ships it, with slf4j-nop to keep it quiet; "" if the
// package is not installed.
func ClientJars() string {
	return debianJars([]string{"activemq-client.jar", "geronimo-jms_1.1_spec.jar", "hawtbuf.jar",
		"geronimo-j2ee-management-1.1-spec.jar", "geronimo-jta-1.2-spec.jar", "slf4j-api.jar", "slf4j-nop.jar"},
		"geronimo-j2ee-management-1.1-spec.jar", "geronimo-jta-1.2-spec.jar", "slf4j-api.jar", "slf4j-nop.jar")
}

// debianJars joins the jars found in /usr/share/java; "" if a jar not
// listed as optional is missing.
func debianJars(jars []string, optional ...string) string {
	var parts []string
	for _, j := range jars {
		p := filepath.Join("/usr/share/java", j)
		if !exists(p) {
			if !contains(optional, j) {
				return ""
			}
			continue
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, sep)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Env is a compiled program: the java launcher and the classpath that runs
// it (its classes, then the jars, then any run-time extras).
type Env struct {
	Java      string
	Classpath string
}

// Command is java with the program's classpath and args.
func (e *Env) Command(args ...string) *exec.Cmd {
	return exec.Command(e.Java, append([]string{"-cp", e.Classpath}, args...)...)
}

// Program is a set of Java sources a suite compiles once per process.
type Program struct {
	Name    string        // cache directory under <user cache>/junction
	Sources string        // glob of the sources, relative to the test's package
	Jars    func() string // classpath to compile and run against ("" : skip)
	Runtime []string      // classpath entries added at run time when present

	once sync.Once
	env  *Env
	skip string
	err  error
}

// Env returns the compiled program, skipping t when no JDK or no jars are
// installed and failing it when compilation fails.
func (p *Program) Env(t testing.TB) *Env {
	t.Helper()
	env, skip, err := p.Build()
	if skip != "" {
		t.Skip(skip)
	}
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// Build compiles the program once (for a TestMain, which has no t): skip
// is a reason the program cannot be built on this machine, err a failure.
func (p *Program) Build() (env *Env, skip string, err error) {
	p.once.Do(func() { p.env, p.skip, p.err = p.build() })
	return p.env, p.skip, p.err
}

func (p *Program) build() (*Env, string, error) {
	javac, err := exec.LookPath("javac")
	if err != nil {
		return nil, "javac not found: install a JDK (Debian: default-jdk-headless)", nil
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, "java not found: install a JDK (Debian: default-jdk-headless)", nil
	}
	jars := p.Jars()
	if jars == "" {
		return nil, "ActiveMQ jars not found: install Debian's libactivemq-java and activemq, or set JMS_CLASSPATH", nil
	}
	sources, err := filepath.Glob(p.Sources)
	if err != nil || len(sources) == 0 {
		return nil, "", fmt.Errorf("find Java sources %s: %v (found %d)", p.Sources, err, len(sources))
	}
	sort.Strings(sources)
	key, err := cacheKey(javac, jars, sources)
	if err != nil {
		return nil, "", err
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	root := filepath.Join(base, "junction", p.Name)
	dir := filepath.Join(root, key)
	cp := []string{dir, jars}
	for _, r := range p.Runtime {
		if exists(r) {
			cp = append(cp, r)
		}
	}
	env := &Env{Java: java, Classpath: strings.Join(cp, sep)}
	// The cache directory appears only by renaming a finished compilation
	// into place, so its presence means it is complete.
	if exists(dir) {
		return env, "", nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, "", fmt.Errorf("class cache %s: %w", root, err)
	}
	tmp, err := os.MkdirTemp(root, key+".tmp*")
	if err != nil {
		return nil, "", fmt.Errorf("class cache %s: %w", root, err)
	}
	defer os.RemoveAll(tmp)
	var out bytes.Buffer
	cmd := exec.Command(javac, append([]string{"-nowarn", "-encoding", "UTF-8", "-cp", jars, "-d", tmp}, sources...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("javac %s: %v\n%s", strings.Join(sources, " "), err, out.String())
	}
	// Another process may have finished the same compilation first; its
	// classes are as good as ours.
	if err := os.Rename(tmp, dir); err != nil && !exists(dir) {
		return nil, "", fmt.Errorf("class cache %s: %w", dir, err)
	}
	return env, "", nil
}

func cacheKey(javac, jars string, sources []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", javac, jars)
	for _, s := range sources {
		b, err := os.ReadFile(s)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", s, err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(s), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
