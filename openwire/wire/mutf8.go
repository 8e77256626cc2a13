package wire

import (
	"unicode/utf8"
)

// Java "modified UTF-8" (openwire.md §1.6): U+0000 is C0 80, characters
// above U+FFFF are a UTF-16 surrogate pair with each surrogate written as
// its own 3-byte sequence, and 4-byte sequences do not occur. Go strings are
// UTF-8, so every string crossing the wire is converted.

// mutf8Len returns the encoded length of s and whether s is ASCII in Java's
// sense (every UTF-16 unit in U+0001..U+007F), which is what the tight
// encoding's ascii bit promises.
func mutf8Len(s string) (n int, ascii bool) {
	ascii = true
	for i := 0; i < len(s); {
		c := s[i]
		if c != 0 && c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		ascii = false
		if c == 0 {
			n += 2
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r < 0x800:
			n += 2
		case r < 0x10000:
			n += 3
		default:
			n += 6
		}
	}
	return n, ascii
}

// appendMUTF8 appends the modified UTF-8 form of s. Invalid UTF-8 in s is
// written as U+FFFD, as Go's range loop reads it.
func appendMUTF8(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != 0 && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if c == 0 {
			dst = append(dst, 0xC0, 0x80)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r < 0x10000 {
			dst = appendUnit(dst, r)
			continue
		}
		r -= 0x10000
		dst = appendUnit(dst, 0xD800+(r>>10))
		dst = appendUnit(dst, 0xDC00+(r&0x3FF))
	}
	return dst
}

// appendUnit writes one UTF-16 unit (never 0) in 2 or 3 bytes.
func appendUnit(dst []byte, u rune) []byte {
	if u < 0x800 {
		return append(dst, 0xC0|byte(u>>6), 0x80|byte(u&0x3F))
	}
	return append(dst, 0xE0|byte(u>>12), 0x80|byte((u>>6)&0x3F), 0x80|byte(u&0x3F))
}

// decodeMUTF8 converts modified UTF-8 to a Go string. It accepts what Java's
// DataInput.readUTF accepts (including overlong 2-byte forms such as C0 80
// and a raw 00 byte) and, leniently, standard 4-byte UTF-8 sequences, which
// some non-Java writers produce. Unpaired surrogates become U+FFFD.
func decodeMUTF8(b []byte) (string, error) {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return string(b), nil
	}
	out := make([]byte, i, len(b)+len(b)/2)
	copy(out, b[:i])
	pending := rune(-1) // a high surrogate waiting for its low half
	for i < len(b) {
		c := b[i]
		var u rune
		switch {
		case c < 0x80:
			u = rune(c)
			i++
		case c&0xE0 == 0xC0:
			if i+1 >= len(b) || b[i+1]&0xC0 != 0x80 {
				return "", ErrMalformedString
			}
			u = rune(c&0x1F)<<6 | rune(b[i+1]&0x3F)
			i += 2
		case c&0xF0 == 0xE0:
			if i+2 >= len(b) || b[i+1]&0xC0 != 0x80 || b[i+2]&0xC0 != 0x80 {
				return "", ErrMalformedString
			}
			u = rune(c&0x0F)<<12 | rune(b[i+1]&0x3F)<<6 | rune(b[i+2]&0x3F)
			i += 3
		case c&0xF8 == 0xF0:
			if i+3 >= len(b) || b[i+1]&0xC0 != 0x80 || b[i+2]&0xC0 != 0x80 || b[i+3]&0xC0 != 0x80 {
				return "", ErrMalformedString
			}
			u = rune(c&0x07)<<18 | rune(b[i+1]&0x3F)<<12 | rune(b[i+2]&0x3F)<<6 | rune(b[i+3]&0x3F)
			i += 4
		default:
			return "", ErrMalformedString
		}
		switch {
		case u >= 0xD800 && u < 0xDC00:
			if pending >= 0 {
				out = utf8.AppendRune(out, utf8.RuneError)
			}
			pending = u
			continue
		case u >= 0xDC00 && u < 0xE000:
			if pending >= 0 {
				out = utf8.AppendRune(out, 0x10000+(pending-0xD800)<<10+(u-0xDC00))
				pending = -1
				continue
			}
			u = utf8.RuneError
		}
		if pending >= 0 {
			out = utf8.AppendRune(out, utf8.RuneError)
			pending = -1
		}
		out = utf8.AppendRune(out, u)
	}
	if pending >= 0 {
		out = utf8.AppendRune(out, utf8.RuneError)
	}
	return string(out), nil
}

// decodeLatin1 is how Java reads a tight string flagged ascii-only: each
// byte becomes one char without UTF-8 decoding.
func decodeLatin1(b []byte) string {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			out := make([]byte, 0, 2*len(b))
			for _, c := range b {
				out = utf8.AppendRune(out, rune(c))
			}
			return string(out)
		}
	}
	return string(b)
}
