package junctionproc

import (
	"bytes"
	"log/slog"
	"regexp"
	"testing"
)

// logFields reads back what slog's text handler writes: the message and
// every attribute, whatever characters the values hold.
func TestLogFieldsReadsSlogTextLines(t *testing.T) {
	line := formatLine("recovered durable state", "queues", "3", "note", `a "quoted" value = with spaces`, "empty", "")
	f := logFields(line)
	want := map[string]string{"level": "INFO", "msg": "recovered durable state", "queues": "3", "note": `a "quoted" value = with spaces`, "empty": ""}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("field %s = %q, want %q (line %q)", k, f[k], v, line)
		}
	}
}

// formatLine writes one INFO record with string attributes (key, value
// pairs) through slog's text handler, without the time.
func formatLine(msg string, kv ...string) string {
	var buf bytes.Buffer
	h := slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}})
	args := make([]any, len(kv))
	for i, s := range kv {
		args[i] = s
	}
	slog.New(h).Info(msg, args...)
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

var plainKey = regexp.MustCompile(`^[a-z_]{1,16}$`)

// FuzzLogFields: any line parses without panicking, and a line slog wrote
// gives back its message and attribute.
func FuzzLogFields(f *testing.F) {
	f.Add("listening", "addr", "127.0.0.1:5672")
	f.Add("recovered durable state", "messages", "1000000")
	f.Add(`a "msg"`, "k", "v=w x\"y\\z\n")
	f.Add("", "k", "")
	f.Fuzz(func(t *testing.T, msg, key, value string) {
		_ = logFields(msg + key + "=" + value)
		if !plainKey.MatchString(key) || key == "level" || key == "msg" {
			return
		}
		line := formatLine(msg, key, value)
		got := logFields(line)
		if got["msg"] != msg || got[key] != value {
			t.Fatalf("line %q parsed as msg=%q %s=%q, want %q and %q", line, got["msg"], key, got[key], msg, value)
		}
	})
}
