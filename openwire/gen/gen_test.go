package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckedInCodeIsGeneratorOutput runs the generator into a temporary
// directory and requires every generated file of package wire to be
// byte-identical to it, and no stale gen_*.go files to remain.
func TestCheckedInCodeIsGeneratorOutput(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("go", "run", ".", "-out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen: %v\n%s", err, out)
	}
	fresh, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(fresh) == 0 {
		t.Fatalf("generator wrote nothing (%v)", err)
	}
	for _, path := range fresh {
		name := filepath.Base(path)
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join("..", "wire", name))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./openwire/wire)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("openwire/wire/%s differs from the generator's output; run go generate ./openwire/wire", name)
		}
	}
	checkedIn, _ := filepath.Glob(filepath.Join("..", "wire", "gen_*.go"))
	if len(checkedIn) != len(fresh) {
		t.Errorf("openwire/wire has %d gen_*.go files, the generator writes %d", len(checkedIn), len(fresh))
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := generate(table)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := generate(table)
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestValidateRejectsTableMistakes(t *testing.T) {
	base := func() []Struct {
		return []Struct{
			{ID: 120, Name: "ConnectionId", Group: "ids", Fields: []Field{{Name: "Value", Kind: IDString}}},
			{ID: 3, Name: "ConnectionInfo", Group: "c", Fields: []Field{{Name: "ConnectionId", Kind: Cached, Type: "*ConnectionId"}}},
		}
	}
	if err := validate(base()); err != nil {
		t.Fatalf("valid table rejected: %v", err)
	}
	for _, c := range []struct {
		name   string
		mutate func([]Struct)
		want   string
	}{
		{"duplicate ID", func(s []Struct) { s[1].ID = 120 }, "type ID 120"},
		{"unknown parent", func(s []Struct) { s[1].Parent = "Nope" }, "unknown parent"},
		{"unknown element type", func(s []Struct) { s[1].Fields[0].Type = "*Nope" }, "element type"},
		{"interface given as pointer", func(s []Struct) { s[1].Fields[0].Type = "*DataStructure" }, "element type"},
		{"version past 12", func(s []Struct) { s[1].Fields[0].Since = 13 }, "version range"},
		{"field older than struct", func(s []Struct) { s[1].Since = 3; s[1].Fields[0].Since = 2 }, "older than"},
		{"abstract with ID", func(s []Struct) { s[1].Abstract = true }, "abstract"},
	} {
		s := base()
		c.mutate(s)
		err := validate(s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestTableCoversEveryTypeIDOfTheCatalogue(t *testing.T) {
	// openwire.md §3.1: every ID a protocol version defines.
	want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22,
		23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 40, 50, 52, 53, 54, 55, 60, 61, 65,
		90, 91, 92, 100, 101, 102, 103, 110, 111, 112, 120, 121, 122, 123, 124}
	have := map[int]bool{}
	for _, s := range table {
		for _, id := range structIDs(s) {
			have[id] = true
		}
	}
	for _, id := range want {
		if !have[id] {
			t.Errorf("type ID %d missing from the table", id)
		}
		delete(have, id)
	}
	for id := range have {
		t.Errorf("type ID %d is not in the catalogue", id)
	}
}
