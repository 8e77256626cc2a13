package spec

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGoNamesTitleCaseWordsAndUpperCaseInitialisms(t *testing.T) {
	cases := map[string]string{
		"routing-key": "RoutingKey", "reserved-1": "Reserved1", "start-ok": "StartOK",
		"qos": "Qos", "message-id": "MessageID", "ttl": "TTL", "frame-oob-method": "FrameOOBMethod",
	}
	for in, want := range cases {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := goFieldName("class-id"); got != "FailingClassID" {
		t.Errorf("class-id field is %q, want FailingClassID (Method has ClassID)", got)
	}
}

func buildModel(t *testing.T) *Model {
	t.Helper()
	dir := Dir()
	if _, err := os.Stat(filepath.Join(dir, Versions[0].File)); err != nil {
		t.Fatalf("AMQP spec XML missing under %s (%v): run scripts/deps.sh (installs amqp-specs)", dir, err)
	}
	m, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wire(m *Model, version, name string) *VMethod {
	for _, vm := range m.ByVersion[version] {
		if vm.Name == name {
			return vm
		}
	}
	return nil
}

func TestOldMethodsMapOntoCanonicalOnesByMeaning(t *testing.T) {
	m := buildModel(t)
	cases := []struct {
		version, wireName, canonical string
		classID, methodID            int
	}{
		{"09", "basic.recover", "basic.recover-async", 60, 100},
		{"09", "basic.recover-sync", "basic.recover", 60, 102},
		{"09", "basic.recover-sync-ok", "basic.recover-ok", 60, 101},
		{"08", "basic.recover", "basic.recover", 60, 100},
		{"08", "connection.close", "connection.close", 10, 60},
		{"091", "connection.blocked", "connection.blocked", 10, 60},
	}
	for _, c := range cases {
		vm := wire(m, c.version, c.wireName)
		if vm == nil {
			t.Errorf("%s has no %s", c.version, c.wireName)
			continue
		}
		if vm.Canon.FullName() != c.canonical || vm.ClassID != c.classID || vm.MethodID != c.methodID {
			t.Errorf("%s %s is %s at %d/%d, want %s at %d/%d", c.version, c.wireName,
				vm.Canon.FullName(), vm.ClassID, vm.MethodID, c.canonical, c.classID, c.methodID)
		}
	}
	declare := wire(m, "08", "exchange.declare")
	if declare.Fields[0].Name != "ticket" || declare.Fields[0].Canon != 0 || !declare.SameEncode || !declare.LenientTail {
		t.Errorf("0-8 exchange.declare should put ticket into reserved-1 with the 0-9-1 layout: %+v", declare)
	}
	if ok := wire(m, "08", "channel.open-ok"); ok.SameEncode || len(ok.Fields) != 0 {
		t.Errorf("0-8 channel.open-ok has no fields, so it needs its own encoder: %+v", ok)
	}
}

func TestEveryMethodHasOneStructWithUniqueGoName(t *testing.T) {
	m := buildModel(t)
	seen := map[string]bool{}
	for i, cm := range m.Methods {
		if cm.Index != i {
			t.Errorf("%s has index %d at position %d", cm.GoName, cm.Index, i)
		}
		if seen[cm.GoName] {
			t.Errorf("two structs named %s", cm.GoName)
		}
		seen[cm.GoName] = true
	}
	if len(m.Methods) != 125 {
		t.Errorf("%d method structs, want 125 (64 in 0-9-1 and 61 only older versions have)", len(m.Methods))
	}
}
