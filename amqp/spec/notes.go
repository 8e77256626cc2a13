package spec

import (
	"fmt"
	"sort"
	"strings"
)

// versionNotes renders, for a Protocol variable's doc comment, how a
// version differs from the canonical one. Every line starts with a space
// or is empty, ready to follow "//".
func versionNotes(m *Model, v *Version) []string {
	canon := Versions[0]
	if v.Key == canon.Key {
		return []string{
			" Its methods define the canonical structs that every version decodes",
			" into. The XML is RabbitMQ's extended 0-9-1: confirm.select, exchange.bind",
			" and unbind, basic.nack, and server-sent basic.ack/nack/cancel. The",
			" generator adds RabbitMQ's connection.blocked (10/60), unblocked (10/61),",
			" update-secret (10/70) and update-secret-ok (10/71), which that XML lacks.",
		}
	}
	lines := []string{"", fmt.Sprintf(" Differences from %s (computed from the XML):", canon.Name), ""}
	list := m.ByVersion[v.Key]
	var own []*VMethod
	has := map[*CMethod]bool{}
	for _, vm := range list {
		has[vm.Canon] = true
		if vm.Canon.Origin != canon.Key {
			own = append(own, vm)
		}
	}
	var lacks []string
	for _, cm := range m.Methods {
		if cm.Origin == canon.Key && !has[cm] {
			lacks = append(lacks, cm.FullName())
		}
	}
	if len(lacks) > 0 {
		lines = append(lines, wrap(" - lacks: ", lacks)...)
	}
	var moved []string
	for _, vm := range list {
		cm := vm.Canon
		if cm.Origin != canon.Key {
			continue
		}
		if vm.Name != cm.FullName() || vm.ClassID != cm.ClassID || vm.MethodID != cm.MethodID {
			moved = append(moved, fmt.Sprintf("%s %d/%d is %s %d/%d", vm.Name, vm.ClassID, vm.MethodID, cm.FullName(), cm.ClassID, cm.MethodID))
		}
	}
	if len(moved) > 0 {
		lines = append(lines, wrap(" - same meaning, other name or id: ", moved)...)
	}
	var renamed, absent, dropped []string
	for _, vm := range list {
		cm := vm.Canon
		if cm.Origin == v.Key {
			continue
		}
		used := make([]bool, len(cm.Fields))
		for _, f := range vm.Fields {
			if f.Canon < 0 {
				dropped = append(dropped, vm.Name+"."+f.Name)
				continue
			}
			used[f.Canon] = true
			if cm.Fields[f.Canon].Name != f.Name {
				renamed = append(renamed, fmt.Sprintf("%s %s=%s", vm.Name, f.Name, cm.Fields[f.Canon].Name))
			}
		}
		for i, ok := range used {
			if !ok {
				absent = append(absent, cm.FullName()+"."+cm.Fields[i].Name)
			}
		}
	}
	if len(renamed) > 0 {
		lines = append(lines, wrap(" - fields matched under another name: ", dedupeTicket(renamed))...)
	}
	if len(absent) > 0 {
		lines = append(lines, wrap(" - fields this version lacks (left zero on decode, not sent): ", absent)...)
	}
	if len(dropped) > 0 {
		lines = append(lines, wrap(" - fields only this version has (skipped on decode, sent as zero): ", dropped)...)
	}
	if len(own) > 0 {
		byClass := map[string][]string{}
		var classes []string
		for _, vm := range own {
			c := vm.Canon.Class
			if _, ok := byClass[c]; !ok {
				classes = append(classes, c)
			}
			byClass[c] = append(byClass[c], fmt.Sprintf("%s %d/%d", vm.Canon.Name, vm.ClassID, vm.MethodID))
		}
		lines = append(lines, " - methods with their own structs (no 0-9-1 equivalent):")
		for _, c := range classes {
			lines = append(lines, wrap("   "+c+": ", byClass[c])...)
		}
	}
	lines = append(lines, " - a method whose last field is a table may omit that table entirely;",
		"   plain 0-8 basic.consume has no arguments table, Qpid's 0-8 XML added it.")
	return lines
}

// dedupeTicket folds the many "ticket=reserved-1" renames into one entry.
func dedupeTicket(items []string) []string {
	var out []string
	tickets := 0
	for _, s := range items {
		if strings.HasSuffix(s, " ticket=reserved-1") {
			tickets++
			continue
		}
		out = append(out, s)
	}
	if tickets > 0 {
		out = append([]string{fmt.Sprintf("ticket=reserved-1 (%d methods)", tickets)}, out...)
	}
	sort.Strings(out[min(1, len(out)):])
	return out
}

// wrap renders a list after a lead-in, breaking lines near 76 columns.
func wrap(lead string, items []string) []string {
	var lines []string
	line := lead
	indent := strings.Repeat(" ", len(lead)-len(strings.TrimLeft(lead, " "))+2)
	for i, it := range items {
		sep := ", "
		if i == len(items)-1 {
			sep = "."
		}
		if len(line)+len(it)+len(sep) > 76 && line != lead {
			lines = append(lines, strings.TrimRight(line, " "))
			line = indent
		}
		line += it + sep
	}
	return append(lines, line)
}
