package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Version configures one protocol version the generator emits. The header
// bytes and connection.start version numbers are not in the XML; they are
// what RabbitMQ's reader accepted and answered (rabbit_reader.erl before
// 0-8 support was dropped) and what Qpid's clients send.
type Version struct {
	Key        string // identifier suffix: "091", "09", "08"
	GoVar      string // exported variable: "AMQP091"
	Name       string // "AMQP 0-9-1"
	File       string // XML path relative to the spec directory
	Header     [8]byte
	StartMajor uint8 // connection.start version-major the server announces
	StartMinor uint8
	// MethodAliases maps a method of this version to the canonical method
	// with the same meaning when the names differ ("class.method" form).
	MethodAliases map[string]string
	// Extra adds methods the XML lacks, by class name.
	Extra map[string][]Method
}

// rabbitConnectionExtensions are RabbitMQ's connection.blocked/unblocked
// (sent when a resource alarm blocks publishers, announced by the
// "connection.blocked" capability) and update-secret (credential refresh).
// Debian's extended XML predates them; RabbitMQ's codegen JSON and
// amqp091-go's copy of the XML define them with these ids.
var rabbitConnectionExtensions = []Method{
	{Name: "blocked", ID: 60, Fields: []Field{{Name: "reason", Type: "shortstr"}}},
	{Name: "unblocked", ID: 61},
	{Name: "update-secret", ID: 70, Synchronous: true, Responses: []string{"update-secret-ok"},
		Fields: []Field{{Name: "new-secret", Type: "longstr"}, {Name: "reason", Type: "shortstr"}}},
	{Name: "update-secret-ok", ID: 71, Synchronous: true},
}

// Versions lists the generated versions; the first defines the canonical
// method structs.
var Versions = []Version{
	{
		Key: "091", GoVar: "AMQP091", Name: "AMQP 0-9-1",
		File:   "0-9-1-rabbit/amqp0-9-1.stripped.extended.xml",
		Header: [8]byte{'A', 'M', 'Q', 'P', 0, 0, 9, 1}, StartMajor: 0, StartMinor: 9,
		Extra: map[string][]Method{"connection": rabbitConnectionExtensions},
	},
	{
		Key: "09", GoVar: "AMQP09", Name: "AMQP 0-9",
		File:   "0-9-qpid/amqp0-9-qpid.stripped.xml",
		Header: [8]byte{'A', 'M', 'Q', 'P', 1, 1, 0, 9}, StartMajor: 0, StartMinor: 9,
		// 0-9's asynchronous recover is 0-9-1's recover-async (same id
		// 100); Qpid's recover-sync pair is what 0-9-1 calls recover.
		MethodAliases: map[string]string{
			"basic.recover":         "basic.recover-async",
			"basic.recover-sync":    "basic.recover",
			"basic.recover-sync-ok": "basic.recover-ok",
		},
	},
	{
		Key: "08", GoVar: "AMQP08", Name: "AMQP 0-8",
		File:   "0-8-qpid/amqp0-8-qpid.stripped.xml",
		Header: [8]byte{'A', 'M', 'Q', 'P', 1, 1, 8, 0}, StartMajor: 8, StartMinor: 0,
		// Qpid's 0-8 basic.recover (100) has a recover-ok (101) response,
		// so it is 0-9-1's synchronous recover by meaning; the names
		// already agree.
	},
}

// fieldAliases maps old field names to canonical ones wherever they occur.
// 0-9-1 renamed access tickets to reserved-1 and nowait to no-wait.
var fieldAliases = map[string]string{
	"ticket": "reserved-1",
	"filter": "arguments", // plain 0-9 basic.consume; Qpid's says arguments
}

// methodFieldAliases maps old field names per canonical method: fields that
// 0-9-1 kept on the wire but reserved.
var methodFieldAliases = map[string]map[string]string{
	"connection.open":    {"capabilities": "reserved-1", "insist": "reserved-2"},
	"connection.open-ok": {"known-hosts": "reserved-1"},
	"channel.open":       {"out-of-band": "reserved-1"},
	"channel.open-ok":    {"channel-id": "reserved-1"},
	"basic.get-empty":    {"cluster-id": "reserved-1"},
}

// canonicalFieldName renames fields in every version so Go names agree:
// 0-9-1's confirm.select and all older methods spell no-wait "nowait".
func canonicalFieldName(name string) string {
	if name == "nowait" {
		return "no-wait"
	}
	return name
}

// CMethod is a canonical method: one Go struct.
type CMethod struct {
	Index             int
	Class, Name       string // "basic", "publish"
	GoName            string
	ClassID, MethodID int    // in the defining version
	Origin            string // Version.Key of the defining version
	Content           bool
	Synchronous       bool
	Fields            []CField
	In                []*VMethod // one per version that has it, in Versions order
}

// FullName is "class.method".
func (m *CMethod) FullName() string { return m.Class + "." + m.Name }

// CField is a field of a canonical struct.
type CField struct {
	Name   string // hyphenated
	GoName string
	Type   string
}

// VMethod is a method as one version puts it on the wire.
type VMethod struct {
	Version           *Version
	Canon             *CMethod
	Name              string // "class.method" in this version
	ClassID, MethodID int
	Fields            []VField
	// SameEncode: the wire layout is exactly the canonical struct's field
	// order, so the struct's own appendArgs serves this version.
	SameEncode bool
	// SameDecode additionally requires that this version has no lenient
	// trailing table (see Model.LenientTail).
	SameDecode bool
	// LenientTail: the last field is a table that may be absent.
	LenientTail bool
}

// VField is a wire field and the canonical field it fills (-1: none).
type VField struct {
	Name  string
	Type  string
	Canon int
}

// Model is everything the templates need.
type Model struct {
	Versions  []*Version
	Files     map[string]*File // by Version.Key
	Methods   []*CMethod
	ByVersion map[string][]*VMethod // wire methods per Version.Key, by (class, method) id
	Constants []UConstant
}

// UConstant is a constant from any version, with the versions defining it.
type UConstant struct {
	Constant
	In []string // Version.Key list
}

// Build loads the XML of every version from dir and matches old methods
// and fields onto canonical ones.
func Build(dir string) (*Model, error) {
	m := &Model{Files: map[string]*File{}, ByVersion: map[string][]*VMethod{}}
	byName := map[string]*CMethod{}
	for i := range Versions {
		v := &Versions[i]
		m.Versions = append(m.Versions, v)
		f, err := Load(specPath(dir, v.File))
		if err != nil {
			return nil, err
		}
		if err := addExtra(f, v.Extra); err != nil {
			return nil, fmt.Errorf("%s: %w", v.Name, err)
		}
		m.Files[v.Key] = f
		if err := m.addVersion(v, f, byName, i == 0); err != nil {
			return nil, fmt.Errorf("%s: %w", v.Name, err)
		}
	}
	m.orderMethods()
	if err := m.collectConstants(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Model) addVersion(v *Version, f *File, byName map[string]*CMethod, canonical bool) error {
	seen := map[*CMethod]string{}
	for _, c := range f.Classes {
		for _, wm := range c.Methods {
			wireName := c.Name + "." + wm.Name
			canonName := wireName
			if a, ok := v.MethodAliases[wireName]; ok {
				canonName = a
			}
			cm := byName[canonName]
			if cm == nil {
				if !canonical && canonName != wireName {
					return fmt.Errorf("alias %s -> %s: no such canonical method", wireName, canonName)
				}
				var err error
				cm, err = newCanonical(v, c, wm)
				if err != nil {
					return err
				}
				byName[canonName] = cm
				m.Methods = append(m.Methods, cm)
			}
			if prev, dup := seen[cm]; dup {
				return fmt.Errorf("%s and %s both map to %s", prev, wireName, cm.FullName())
			}
			seen[cm] = wireName
			vm, err := mapFields(v, cm, wireName, c.ID, wm)
			if err != nil {
				return err
			}
			cm.In = append(cm.In, vm)
			m.ByVersion[v.Key] = append(m.ByVersion[v.Key], vm)
		}
	}
	list := m.ByVersion[v.Key]
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].ClassID != list[j].ClassID {
			return list[i].ClassID < list[j].ClassID
		}
		return list[i].MethodID < list[j].MethodID
	})
	for i := 1; i < len(list); i++ {
		if list[i].ClassID == list[i-1].ClassID && list[i].MethodID == list[i-1].MethodID {
			return fmt.Errorf("duplicate method id %d/%d: %s and %s", list[i].ClassID, list[i].MethodID, list[i-1].Name, list[i].Name)
		}
	}
	return nil
}

func newCanonical(v *Version, c Class, wm Method) (*CMethod, error) {
	cm := &CMethod{
		Class: c.Name, Name: wm.Name,
		GoName:  goName(c.Name) + goName(wm.Name),
		ClassID: c.ID, MethodID: wm.ID, Origin: v.Key,
		Content: wm.Content, Synchronous: wm.Synchronous,
	}
	used := map[string]bool{}
	for _, f := range wm.Fields {
		name := canonicalFieldName(f.Name)
		gn := goFieldName(name)
		if used[gn] {
			return nil, fmt.Errorf("%s: duplicate Go field name %s", cm.FullName(), gn)
		}
		used[gn] = true
		cm.Fields = append(cm.Fields, CField{Name: name, GoName: gn, Type: f.Type})
	}
	return cm, nil
}

func mapFields(v *Version, cm *CMethod, wireName string, classID int, wm Method) (*VMethod, error) {
	vm := &VMethod{Version: v, Canon: cm, Name: wireName, ClassID: classID, MethodID: wm.ID}
	used := make([]bool, len(cm.Fields))
	find := func(name string) int {
		for i, f := range cm.Fields {
			if f.Name == name {
				return i
			}
		}
		return -1
	}
	for _, f := range wm.Fields {
		name := canonicalFieldName(f.Name)
		idx := find(name)
		if idx < 0 {
			if a, ok := methodFieldAliases[cm.FullName()][name]; ok {
				idx = find(a)
			}
		}
		if idx < 0 {
			if a, ok := fieldAliases[name]; ok {
				idx = find(a)
			}
		}
		if idx >= 0 {
			if used[idx] {
				return nil, fmt.Errorf("%s: canonical field %s matched twice", wireName, cm.Fields[idx].Name)
			}
			if cm.Fields[idx].Type != f.Type {
				return nil, fmt.Errorf("%s: field %s is %s here but %s in %s", wireName, f.Name, f.Type, cm.Fields[idx].Type, cm.FullName())
			}
			used[idx] = true
		}
		vm.Fields = append(vm.Fields, VField{Name: name, Type: f.Type, Canon: idx})
	}
	vm.SameEncode = len(vm.Fields) == len(cm.Fields)
	for i, f := range vm.Fields {
		if f.Canon != i {
			vm.SameEncode = false
		}
	}
	canonical := v.Key == Versions[0].Key || v.Key == cm.Origin
	if !canonical && len(vm.Fields) > 0 && vm.Fields[len(vm.Fields)-1].Type == "table" {
		vm.LenientTail = true
	}
	vm.SameDecode = vm.SameEncode && !vm.LenientTail
	return vm, nil
}

// orderMethods sorts canonical methods: 0-9-1's first by id, then methods
// that only older versions define, by origin then id, and numbers them.
func (m *Model) orderMethods() {
	rank := map[string]int{}
	for i, v := range Versions {
		rank[v.Key] = i
	}
	sort.SliceStable(m.Methods, func(i, j int) bool {
		a, b := m.Methods[i], m.Methods[j]
		if rank[a.Origin] != rank[b.Origin] {
			return rank[a.Origin] < rank[b.Origin]
		}
		if a.ClassID != b.ClassID {
			return a.ClassID < b.ClassID
		}
		return a.MethodID < b.MethodID
	})
	for i, cm := range m.Methods {
		cm.Index = i
	}
}

func (m *Model) collectConstants() error {
	idx := map[string]int{}
	for _, v := range m.Versions {
		for _, c := range m.Files[v.Key].Constants {
			if i, ok := idx[c.Name]; ok {
				u := &m.Constants[i]
				if u.Value != c.Value {
					return fmt.Errorf("constant %s is %d in one version and %d in %s", c.Name, u.Value, c.Value, v.Name)
				}
				if u.Class == "" {
					u.Class = c.Class
				}
				u.In = append(u.In, v.Key)
				continue
			}
			idx[c.Name] = len(m.Constants)
			m.Constants = append(m.Constants, UConstant{Constant: c, In: []string{v.Key}})
		}
	}
	sort.SliceStable(m.Constants, func(i, j int) bool { return m.Constants[i].Value < m.Constants[j].Value })
	return nil
}

// initialisms are rendered upper-case in Go names; everything else is
// title-cased word by word (so basic.qos is BasicQos).
var initialisms = map[string]string{"ok": "OK", "id": "ID", "ttl": "TTL", "oob": "OOB"}

func goName(hyphenated string) string {
	var b strings.Builder
	for _, w := range strings.Split(hyphenated, "-") {
		if w == "" {
			continue
		}
		if up, ok := initialisms[w]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// goFieldName avoids the Method interface's own method names: close's
// class-id and method-id name the failing method, hence FailingClassID.
func goFieldName(name string) string {
	n := goName(name)
	switch n {
	case "ClassID", "MethodID":
		return "Failing" + n
	}
	return n
}

// addExtra appends methods to classes, refusing to shadow the XML: if a
// future XML defines them, the extension must go.
func addExtra(f *File, extra map[string][]Method) error {
	for i := range f.Classes {
		c := &f.Classes[i]
		for _, em := range extra[c.Name] {
			for _, xm := range c.Methods {
				if xm.Name == em.Name || xm.ID == em.ID {
					return fmt.Errorf("extension %s.%s clashes with the XML's %s (%d)", c.Name, em.Name, xm.Name, xm.ID)
				}
			}
			c.Methods = append(c.Methods, em)
		}
	}
	return nil
}
