// Package spec turns the AMQP 0-9-1, 0-9 and 0-8 XML specifications into the
// Go source of package amqp/wire: one struct per method, per-version decode
// and encode tables, reply codes and frame constants.
//
// The XML is not part of this repository; it comes from Debian's amqp-specs
// package (scripts/deps.sh installs it) and is read at `go generate` time.
// Generation is deterministic so a test can regenerate into a temporary
// directory and compare the result with the checked-in files.
package spec

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultDir is where Debian's amqp-specs package installs the XML.
const DefaultDir = "/usr/share/amqp/specs"

// EnvDir names the environment variable that overrides DefaultDir.
const EnvDir = "JUNCTION_AMQP_SPECS"

// Dir returns the spec directory: the value of EnvDir if set, else DefaultDir.
func Dir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	return DefaultDir
}

type xmlSpec struct {
	Major     int           `xml:"major,attr"`
	Minor     int           `xml:"minor,attr"`
	Revision  int           `xml:"revision,attr"`
	Constants []xmlConstant `xml:"constant"`
	Domains   []xmlDomain   `xml:"domain"`
	Classes   []xmlClass    `xml:"class"`
}

type xmlConstant struct {
	Name  string `xml:"name,attr"`
	Value int    `xml:"value,attr"`
	Class string `xml:"class,attr"`
}

type xmlDomain struct {
	Name string `xml:"name,attr"`
	Type string `xml:"type,attr"`
}

type xmlClass struct {
	Name    string      `xml:"name,attr"`
	Index   int         `xml:"index,attr"`
	Fields  []xmlField  `xml:"field"`
	Methods []xmlMethod `xml:"method"`
}

type xmlMethod struct {
	Name        string        `xml:"name,attr"`
	Index       int           `xml:"index,attr"`
	Synchronous string        `xml:"synchronous,attr"`
	Content     string        `xml:"content,attr"`
	Deprecated  string        `xml:"deprecated,attr"`
	Responses   []xmlResponse `xml:"response"`
	Fields      []xmlField    `xml:"field"`
}

type xmlResponse struct {
	Name string `xml:"name,attr"`
}

type xmlField struct {
	Name     string `xml:"name,attr"`
	Domain   string `xml:"domain,attr"`
	Type     string `xml:"type,attr"`
	Reserved string `xml:"reserved,attr"`
}

// The 0-8 XML spells names with spaces ("routing key"); later versions use
// hyphens. Everything is normalised to the hyphenated form on load.
func norm(name string) string {
	return strings.ReplaceAll(strings.TrimSpace(name), " ", "-")
}

// wireTypes are the AMQP primitive types a method field may have. "content"
// is 0-9's inline-or-reference message body (message.transfer only).
var wireTypes = map[string]bool{
	"bit": true, "octet": true, "short": true, "long": true, "longlong": true,
	"shortstr": true, "longstr": true, "timestamp": true, "table": true,
	"content": true,
}

// File is one parsed specification with domains resolved to primitive types.
type File struct {
	Path                   string
	Major, Minor, Revision int
	Constants              []Constant
	Classes                []Class
}

// Constant is a <constant>: frame types, sizes and reply codes.
type Constant struct {
	Name  string // hyphenated, e.g. "frame-error"
	Value int
	Class string // "", "soft-error" or "hard-error"
}

// Class is a <class> with its content properties and methods.
type Class struct {
	Name       string
	ID         int
	Properties []Field
	Methods    []Method
}

// Method is a <method> with its fields in wire order.
type Method struct {
	Name        string
	ID          int
	Synchronous bool
	Content     bool
	Responses   []string
	Fields      []Field
}

// Field is a method argument or content property.
type Field struct {
	Name     string
	Type     string // one of wireTypes
	Reserved bool
}

// Load parses one specification XML file and resolves every field's domain
// to its primitive type.
func Load(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read AMQP spec: %w", err)
	}
	var x xmlSpec
	if err := xml.Unmarshal(raw, &x); err != nil {
		return nil, fmt.Errorf("parse AMQP spec %s: %w", path, err)
	}
	domains := map[string]string{}
	for _, d := range x.Domains {
		domains[norm(d.Name)] = norm(d.Type)
	}
	resolve := func(f xmlField) (Field, error) {
		t := norm(f.Type)
		if t == "" {
			dom := norm(f.Domain)
			t = dom
			// A domain may name another domain; follow the chain a little.
			for i := 0; i < 4 && !wireTypes[t]; i++ {
				next, ok := domains[t]
				if !ok {
					break
				}
				t = next
			}
		}
		if !wireTypes[t] {
			return Field{}, fmt.Errorf("field %q: unknown type or domain %q/%q", f.Name, f.Type, f.Domain)
		}
		return Field{Name: norm(f.Name), Type: t, Reserved: f.Reserved == "1"}, nil
	}
	out := &File{Path: path, Major: x.Major, Minor: x.Minor, Revision: x.Revision}
	for _, c := range x.Constants {
		out.Constants = append(out.Constants, Constant{Name: norm(c.Name), Value: c.Value, Class: norm(c.Class)})
	}
	for _, xc := range x.Classes {
		c := Class{Name: norm(xc.Name), ID: xc.Index}
		for _, f := range xc.Fields {
			rf, err := resolve(f)
			if err != nil {
				return nil, fmt.Errorf("%s: class %s property: %w", path, c.Name, err)
			}
			c.Properties = append(c.Properties, rf)
		}
		for _, xm := range xc.Methods {
			m := Method{
				Name:        norm(xm.Name),
				ID:          xm.Index,
				Synchronous: xm.Synchronous == "1",
				Content:     xm.Content == "1",
			}
			for _, r := range xm.Responses {
				m.Responses = append(m.Responses, norm(r.Name))
			}
			for _, f := range xm.Fields {
				rf, err := resolve(f)
				if err != nil {
					return nil, fmt.Errorf("%s: method %s.%s: %w", path, c.Name, m.Name, err)
				}
				m.Fields = append(m.Fields, rf)
			}
			c.Methods = append(c.Methods, m)
		}
		out.Classes = append(out.Classes, c)
	}
	return out, nil
}

// VersionString renders the version attributes as "0-9-1" or "8-0".
func (f *File) VersionString() string {
	s := strconv.Itoa(f.Major) + "-" + strconv.Itoa(f.Minor)
	if f.Revision != 0 {
		s += "-" + strconv.Itoa(f.Revision)
	}
	return s
}

// specPath joins the spec directory and a version's relative file name.
func specPath(dir, rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
