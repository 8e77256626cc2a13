package wire

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/junctionmq/junction/message"
)

func fullProperties() Properties {
	return Properties{
		ContentType: "text/plain", ContentEncoding: "gzip",
		Headers:      message.Table{"x-match": "all", "n": int32(7)},
		DeliveryMode: 2, Priority: 9,
		CorrelationID: "corr", ReplyTo: "amq.rabbitmq.reply-to",
		Expiration: "60000", MessageID: "id-1",
		Timestamp: time.Unix(1700000000, 0).UTC(),
		Type:      "t", UserID: "guest", AppID: "app", ClusterID: "c1",
		Present: 0xFFFC,
	}
}

func TestPropertiesRoundTripAllFourteen(t *testing.T) {
	p := fullProperties()
	raw, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	hexEqual(t, "flags word", raw[:2], []byte{0xFF, 0xFC})
	back, err := DecodeProperties(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !sameValue(back, p) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, p)
	}
}

func TestPropertyValuesFollowTheFlagsInSpecOrder(t *testing.T) {
	p := Properties{ContentType: "a", DeliveryMode: 2, Timestamp: time.Unix(5, 0), AppID: "z",
		Present: FlagContentType | FlagDeliveryMode | FlagTimestamp | FlagAppID}
	raw, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x90, 0x48, 1, 'a', 2, 0, 0, 0, 0, 0, 0, 0, 5, 1, 'z'}
	hexEqual(t, "properties", raw, want)
}

func TestAbsentPropertiesDifferFromEmptyOnes(t *testing.T) {
	p := Properties{Present: FlagContentType}
	raw, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	hexEqual(t, "present but empty content-type", raw, []byte{0x80, 0x00, 0})
	back, err := DecodeProperties(raw)
	if err != nil {
		t.Fatal(err)
	}
	if back.Present != FlagContentType || back.ContentType != "" {
		t.Errorf("decoded Present 0x%04x ContentType %q", back.Present, back.ContentType)
	}

	// Values of properties not flagged in Present are not sent.
	p = Properties{ContentType: "ignored", Priority: 5}
	raw, err = p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	hexEqual(t, "nothing present", raw, []byte{0, 0})

	p.MarkNonZero()
	if p.Present != FlagContentType|FlagPriority {
		t.Errorf("MarkNonZero set 0x%04x, want content-type and priority", p.Present)
	}
}

func TestContinuationFlagWordsAreReadAndMustBeEmpty(t *testing.T) {
	p, err := DecodeProperties([]byte{0x80, 0x01, 0x00, 0x01, 0x00, 0x00, 1, 'a'})
	if err != nil {
		t.Fatalf("two empty continuation words: %v", err)
	}
	if p.Present != FlagContentType || p.ContentType != "a" {
		t.Errorf("decoded %+v", p)
	}
	bad := map[string][]byte{
		"continuation names a 16th property": {0x00, 0x01, 0x80, 0x00},
		"bit 1 names a 15th property":        {0x00, 0x02},
		"continuation word missing":          {0x00, 0x01},
	}
	for name, raw := range bad {
		if _, err := DecodeProperties(raw); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := ScanProperties(raw); err == nil {
			t.Errorf("%s: ScanProperties accepted", name)
		}
	}
}

func TestMalformedPropertiesAreFrameErrorsNamingTheProperty(t *testing.T) {
	cases := []struct {
		raw  []byte
		want string
	}{
		{[]byte{0x80}, "property flags"},
		{[]byte{0x80, 0x00, 5, 'a'}, "content-type"},
		{[]byte{0x20, 0x00, 0, 0, 0, 3, 1, 'k', 'Q'}, "headers"},
		{[]byte{0x00, 0x40, 0, 0, 0}, "timestamp"},
		{[]byte{0x10, 0x00, 2, 0xEE}, "1 unexpected bytes"},
	}
	for _, c := range cases {
		_, err := DecodeProperties(c.raw)
		if err == nil {
			t.Errorf("% x: decoded without error", c.raw)
			continue
		}
		e := wireError(t, err, FrameError)
		if e.ClassID != 60 || !strings.Contains(e.Text, c.want) {
			t.Errorf("% x: error %+v should name %q with class 60", c.raw, e, c.want)
		}
		if _, err := ScanProperties(c.raw); err == nil {
			t.Errorf("% x: ScanProperties accepted what DecodeProperties rejects", c.raw)
		}
	}
	long := Properties{MessageID: strings.Repeat("m", 256), Present: FlagMessageID}
	out, err := long.Append([]byte{7})
	if err == nil || !strings.Contains(err.Error(), "message-id") {
		t.Errorf("256-byte message-id: err %v", err)
	}
	hexEqual(t, "dst after failed Append", out, []byte{7})
}

func TestScanPropertiesFindsRoutingFieldsWithoutAllocating(t *testing.T) {
	p := fullProperties()
	raw, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var s PropertySummary
	allocs := testing.AllocsPerRun(100, func() {
		s, err = ScanProperties(raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("ScanProperties allocated %.1f times, want 0", allocs)
	}
	if s.Present != 0xFFFC || s.DeliveryMode != 2 || !s.Persistent() || s.Priority != 9 ||
		!s.HasPriority || !s.HasExpiration || !s.HasHeaders || s.Timestamp != 1700000000 {
		t.Errorf("summary %+v", s)
	}
	strs := map[string][]byte{
		"text/plain": s.ContentType, "gzip": s.ContentEncoding, "corr": s.CorrelationID,
		"amq.rabbitmq.reply-to": s.ReplyTo, "60000": s.Expiration, "id-1": s.MessageID,
		"t": s.Type, "guest": s.UserID, "app": s.AppID, "c1": s.ClusterID,
	}
	for want, got := range strs {
		if string(got) != want {
			t.Errorf("summary has %q, want %q", got, want)
		}
	}
	if !aliases(s.Expiration, raw) || !aliases(s.Headers, raw) {
		t.Error("summary slices should alias the raw properties")
	}
	headers, rest, err := DecodeTable(s.Headers)
	if err != nil || len(rest) != 0 || !sameValue(headers, p.Headers) {
		t.Errorf("Headers decode to %#v (rest %d, err %v), want %#v", headers, len(rest), err, p.Headers)
	}

	empty, err := ScanProperties([]byte{0x01, 0x00, 0})
	if err != nil {
		t.Fatal(err)
	}
	if empty.Expiration == nil || len(empty.Expiration) != 0 || !empty.HasExpiration || empty.MessageID != nil || empty.HasPriority {
		t.Errorf("present-but-empty expiration: %+v", empty)
	}
}

func aliases(part, whole []byte) bool {
	if len(part) == 0 {
		return false
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(whole)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(part)))
	return p >= start && p < start+uintptr(len(whole)) && bytes.Contains(whole, part)
}
