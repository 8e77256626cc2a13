package wire

import (
	"fmt"
	"time"
)

// Magic is the first field of every WireFormatInfo.
var Magic = [8]byte{'A', 'c', 't', 'i', 'v', 'e', 'M', 'Q'}

// MaxVersion is the highest OpenWire version this package implements.
const MaxVersion = 12

// Preferences are the settings one end advertises in its WireFormatInfo
// (openwire.md §2.2). Durations travel as milliseconds.
type Preferences struct {
	Version               int
	TightEncoding         bool
	CacheEnabled          bool
	CacheSize             int32
	StackTraceEnabled     bool
	TcpNoDelay            bool
	SizePrefixDisabled    bool // Codec cannot read unprefixed frames; keep false
	MaxInactivityDuration time.Duration
	// MaxInactivityDurationInitialDelay is sent under Java's spelling
	// "MaxInactivityDurationInitalDelay"; NMS's "…InitialDelay" is accepted.
	MaxInactivityDurationInitialDelay time.Duration
	MaxFrameSize                      int64 // ≤ 0: no limit advertised
	MaxFrameSizeEnabled               bool  // local switch, not negotiated
	Host                              string
	ProviderName                      string
	ProviderVersion                   string
	PlatformDetails                   string
}

// DefaultPreferences is what Junction advertises: version 12, tight, cache
// of 1024, stack traces, 30 s inactivity with a 10 s initial delay — the
// Java defaults — and a 100 MiB frame limit, upstream's sample broker value.
func DefaultPreferences() Preferences {
	return Preferences{
		Version:                           MaxVersion,
		TightEncoding:                     true,
		CacheEnabled:                      true,
		CacheSize:                         1024,
		StackTraceEnabled:                 true,
		TcpNoDelay:                        true,
		MaxInactivityDuration:             30 * time.Second,
		MaxInactivityDurationInitialDelay: 10 * time.Second,
		MaxFrameSize:                      100 << 20,
		MaxFrameSizeEnabled:               true,
		ProviderName:                      "Junction",
		PlatformDetails:                   "Go",
	}
}

// WireFormatInfo builds the WireFormatInfo that advertises p. Property
// types are exactly what Java's getters cast to: BOOLEAN flags, INTEGER
// CacheSize, LONG durations and MaxFrameSize (§8.2 pitfall 2).
func (p Preferences) WireFormatInfo() *WireFormatInfo {
	props := map[string]any{
		"TightEncodingEnabled":             p.TightEncoding,
		"CacheEnabled":                     p.CacheEnabled,
		"CacheSize":                        p.CacheSize,
		"StackTraceEnabled":                p.StackTraceEnabled,
		"TcpNoDelayEnabled":                p.TcpNoDelay,
		"SizePrefixDisabled":               p.SizePrefixDisabled,
		"MaxInactivityDuration":            p.MaxInactivityDuration.Milliseconds(),
		"MaxInactivityDurationInitalDelay": p.MaxInactivityDurationInitialDelay.Milliseconds(),
		"MaxFrameSize":                     p.MaxFrameSize,
		"MaxFrameSizeEnabled":              p.MaxFrameSizeEnabled,
	}
	for k, v := range map[string]string{"Host": p.Host, "ProviderName": p.ProviderName,
		"ProviderVersion": p.ProviderVersion, "PlatformDetails": p.PlatformDetails} {
		if v != "" {
			props[k] = v
		}
	}
	// Cannot fail: every value above has a typed-value encoding, and long
	// strings take the int32-length form.
	b, _ := AppendMap(nil, props)
	return &WireFormatInfo{Magic: Magic, Version: int32(p.Version), MarshalledProperties: b}
}

// Preferences decodes what w advertises. Missing keys read as zero/false,
// as in Java; numbers of another integer type than Java's are accepted.
func (w *WireFormatInfo) Preferences() (Preferences, error) {
	p := Preferences{Version: int(w.Version)}
	if w.Magic != Magic {
		return p, fmt.Errorf("%w: % x", ErrBadMagic, w.Magic[:])
	}
	var props map[string]any
	if w.MarshalledProperties != nil {
		var err error
		if props, err = DecodeMap(w.MarshalledProperties); err != nil {
			return p, fmt.Errorf("decode WireFormatInfo properties: %w", err)
		}
	}
	flag := func(k string) bool { v, _ := props[k].(bool); return v }
	str := func(k string) string { v, _ := props[k].(string); return v }
	ms := func(k string) time.Duration { return time.Duration(integer(props[k])) * time.Millisecond }
	p.TightEncoding = flag("TightEncodingEnabled")
	p.CacheEnabled = flag("CacheEnabled")
	p.CacheSize = int32(integer(props["CacheSize"]))
	p.StackTraceEnabled = flag("StackTraceEnabled")
	p.TcpNoDelay = flag("TcpNoDelayEnabled")
	p.SizePrefixDisabled = flag("SizePrefixDisabled")
	p.MaxInactivityDuration = ms("MaxInactivityDuration")
	p.MaxInactivityDurationInitialDelay = ms("MaxInactivityDurationInitalDelay")
	if _, ok := props["MaxInactivityDurationInitalDelay"]; !ok {
		p.MaxInactivityDurationInitialDelay = ms("MaxInactivityDurationInitialDelay")
	}
	p.MaxFrameSize = integer(props["MaxFrameSize"])
	p.MaxFrameSizeEnabled = flag("MaxFrameSizeEnabled")
	p.Host = str("Host")
	p.ProviderName = str("ProviderName")
	p.ProviderVersion = str("ProviderVersion")
	p.PlatformDetails = str("PlatformDetails")
	return p, nil
}

func integer(v any) int64 {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	}
	return 0
}

// Format is a negotiated (or initial) wire format: what Codec uses to read
// and write frames, and the timers the connection must run.
type Format struct {
	Version            int
	TightEncoding      bool
	CacheEnabled       bool
	CacheSize          int // slots used when CacheEnabled (already mapped 0 → 16383)
	StackTraceEnabled  bool
	TcpNoDelay         bool
	SizePrefixDisabled bool
	// MaxFrameSize bounds every frame read or written when
	// MaxFrameSizeEnabled; ≤ 0 means no limit beyond the int32 size prefix.
	MaxFrameSize        int64
	MaxFrameSizeEnabled bool
	// MaxInactivityDuration is the read timeout R (0: no inactivity
	// monitor); write a KeepAliveInfo after R/3 of silence (§7).
	MaxInactivityDuration             time.Duration
	MaxInactivityDurationInitialDelay time.Duration
}

// InitialFormat is the format of the first frame in each direction, before
// negotiation: loose, size-prefixed, uncached (§8.2 pitfall 1).
func (p Preferences) InitialFormat() Format {
	return Format{
		Version:             p.Version,
		StackTraceEnabled:   p.StackTraceEnabled,
		MaxFrameSize:        p.MaxFrameSize,
		MaxFrameSizeEnabled: p.MaxFrameSizeEnabled,
	}
}

// Negotiate computes the format both ends arrive at from their two
// WireFormatInfos (§2.3), following Java's OpenWireFormat and
// InactivityMonitor: the lower positive version and MaxFrameSize, AND-ed
// flags, the smaller CacheSize (0 meaning 16383), the smaller inactivity
// duration and initial delay. MaxFrameSizeEnabled stays ours.
func Negotiate(ours, theirs *WireFormatInfo) (Format, error) {
	o, err := ours.Preferences()
	if err != nil {
		return Format{}, fmt.Errorf("our WireFormatInfo: %w", err)
	}
	t, err := theirs.Preferences()
	if err != nil {
		return Format{}, fmt.Errorf("peer WireFormatInfo: %w", err)
	}
	if t.Version < 1 {
		return Format{}, fmt.Errorf("%w: peer version %d is below the minimum 1", ErrNegotiation, t.Version)
	}
	f := Format{
		Version:                           int(minPositive(int64(o.Version), int64(t.Version))),
		TightEncoding:                     o.TightEncoding && t.TightEncoding,
		CacheEnabled:                      o.CacheEnabled && t.CacheEnabled,
		StackTraceEnabled:                 o.StackTraceEnabled && t.StackTraceEnabled,
		TcpNoDelay:                        o.TcpNoDelay && t.TcpNoDelay,
		SizePrefixDisabled:                o.SizePrefixDisabled && t.SizePrefixDisabled,
		MaxFrameSize:                      minPositive(o.MaxFrameSize, t.MaxFrameSize),
		MaxFrameSizeEnabled:               o.MaxFrameSizeEnabled,
		MaxInactivityDuration:             min(o.MaxInactivityDuration, t.MaxInactivityDuration),
		MaxInactivityDurationInitialDelay: min(o.MaxInactivityDurationInitialDelay, t.MaxInactivityDurationInitialDelay),
	}
	if f.Version < 1 || f.Version > MaxVersion {
		return Format{}, fmt.Errorf("%w: no common version (ours %d, peer %d)", ErrNegotiation, o.Version, t.Version)
	}
	if f.CacheEnabled {
		size := min(o.CacheSize, t.CacheSize)
		switch {
		case size < 0:
			return Format{}, fmt.Errorf("%w: cache size %d", ErrNegotiation, size)
		case size == 0:
			f.CacheSize = defaultCacheSize
		default:
			// Indexes are signed shorts: slots past 32767 are unreachable.
			f.CacheSize = int(min(size, 0x7FFF))
		}
	}
	return f, nil
}

// minPositive is Java's OpenWireFormat.min: the smaller value, where a
// value ≤ 0 means "unset" and loses.
func minPositive(a, b int64) int64 {
	if a < b && a > 0 || b <= 0 {
		return a
	}
	return b
}
