package wire

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/junctionmq/junction/amqp/spec"
)

// The generator must reproduce the checked-in files byte for byte, and no
// stale generated file may linger. Missing spec XML is a failure, not a
// skip: the files could not be verified.
func TestGeneratedCodeIsUpToDate(t *testing.T) {
	dir := spec.Dir()
	for _, v := range spec.Versions {
		p := filepath.Join(dir, filepath.FromSlash(v.File))
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("AMQP spec XML %s is missing (%v): run scripts/deps.sh, which installs Debian's amqp-specs, or set %s", p, err, spec.EnvDir)
		}
	}
	files, err := spec.Generate(dir)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	tmp := t.TempDir()
	if err := spec.WriteDir(files, tmp); err != nil {
		t.Fatalf("write generated files: %v", err)
	}
	want, err := filepath.Glob(filepath.Join(tmp, spec.Prefix+"*.go"))
	if err != nil {
		t.Fatal(err)
	}
	have, err := filepath.Glob(spec.Prefix + "*.go")
	if err != nil {
		t.Fatal(err)
	}
	var wantNames []string
	for _, p := range want {
		wantNames = append(wantNames, filepath.Base(p))
	}
	sort.Strings(wantNames)
	sort.Strings(have)
	if !slices.Equal(wantNames, have) {
		t.Errorf("generated file set differs: generator makes %v, package has %v; run go generate ./amqp/wire", wantNames, have)
	}
	for _, name := range wantNames {
		fresh, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			t.Fatal(err)
		}
		checked, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s: %v; run go generate ./amqp/wire", name, err)
			continue
		}
		if !bytes.Equal(fresh, checked) {
			t.Errorf("%s is out of date; run go generate ./amqp/wire", name)
		}
		if !bytes.HasPrefix(checked, []byte("// Code generated ")) || !bytes.Contains(checked[:200], []byte("DO NOT EDIT.")) {
			t.Errorf("%s lacks the standard generated-code header", name)
		}
	}
}
