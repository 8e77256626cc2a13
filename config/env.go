package config

import (
	"encoding"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// EnvPrefix starts every environment variable that overrides the file:
// JUNCTION_DATA_DIR, JUNCTION_LISTENERS_AMQP, JUNCTION_LIMITS_DISK_FREE_LIMIT,
// JUNCTION_LOG_LEVEL… — the TOML key path in upper case, joined by "_".
// Lists (users, vhosts, permissions, policies) are file-only.
const EnvPrefix = "JUNCTION_"

// ApplyEnv sets the settings named by JUNCTION_* variables in environ
// (os.Environ's form) and validates the result. Unknown JUNCTION_ names
// are errors, as unknown file keys are.
func ApplyEnv(cfg *Config, environ []string) error {
	fields := map[string]reflect.Value{}
	collectEnvFields(reflect.ValueOf(cfg).Elem(), "", fields)
	var errs []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || name == EnvPrefix+"CONFIG" {
			continue
		}
		f, known := fields[strings.TrimPrefix(name, EnvPrefix)]
		if !known {
			errs = append(errs, fmt.Sprintf("%s: no such setting", name))
			continue
		}
		if err := setFromString(f, value); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("environment: %s", strings.Join(errs, "; "))
	}
	return cfg.Validate()
}

// StripEnv returns environ without the variables that start with
// EnvPrefix, for a program that starts a broker with a configuration of
// its own (test harnesses, benchmarks): a setting left in the caller's
// shell would silently change what it measures or proves, and a knob of
// the harness that shares the prefix (JUNCTION_LONG) would stop the broker
// as an unknown setting.
func StripEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if !strings.HasPrefix(kv, EnvPrefix) {
			out = append(out, kv)
		}
	}
	return out
}

// collectEnvFields maps each settable scalar under v to its variable name.
func collectEnvFields(v reflect.Value, prefix string, out map[string]reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + strings.ToUpper(tag)
		f := v.Field(i)
		if isScalar(f) {
			out[name] = f
		} else if f.Kind() == reflect.Struct {
			collectEnvFields(f, name+"_", out)
		}
	}
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func isScalar(f reflect.Value) bool {
	if reflect.PointerTo(f.Type()).Implements(textUnmarshaler) {
		return true
	}
	switch f.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float64:
		return true
	}
	return false
}

func setFromString(f reflect.Value, s string) error {
	if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || f.OverflowInt(n) {
			return fmt.Errorf("%q is not an integer in range", s)
		}
		f.SetInt(n)
	case reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || f.OverflowUint(n) {
			return fmt.Errorf("%q is not an unsigned integer in range", s)
		}
		f.SetUint(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		f.SetFloat(x)
	}
	return nil
}
