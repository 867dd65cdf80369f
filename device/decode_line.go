package device

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"mensakiosk/app"
)

// lineDecoder decodes line readers: an id in ASCII hex or decimal ended by CR
// and/or LF. Spaces and tabs around the id are ignored; empty lines (the LF of
// CR LF) are skipped. There is no check digit: the reader checked the parity
// of the radio or Wiegand frame.
type lineDecoder struct {
	f        Format
	next     int64
	start    int64
	buf      []byte
	overflow bool // line longer than Max: skip to the terminator
}

func (d *lineDecoder) Feed(p []byte, emit func(Frame)) {
	for _, c := range p {
		off := d.next
		d.next++
		if c == '\r' || c == '\n' {
			if d.overflow {
				d.overflow = false
				continue
			}
			if len(d.buf) == 0 {
				continue
			}
			d.buf = append(d.buf, c)
			id, reason := d.f.parseLine(d.buf[:len(d.buf)-1])
			emit(Frame{Offset: d.start, Raw: bytes.Clone(d.buf), ID: id, Reason: reason})
			d.buf = d.buf[:0]
			continue
		}
		if d.overflow {
			continue
		}
		if len(d.buf) == 0 {
			d.start = off
		}
		d.buf = append(d.buf, c)
		if len(d.buf) > d.f.Max {
			emit(Frame{Offset: d.start, Raw: bytes.Clone(d.buf),
				Reason: fmt.Sprintf("line longer than %d characters", d.f.Max)})
			d.buf, d.overflow = d.buf[:0], true
		}
	}
}

func (d *lineDecoder) Idle(emit func(Frame)) {
	d.overflow = false
	if len(d.buf) > 0 {
		emit(Frame{Offset: d.start, Raw: bytes.Clone(d.buf), Reason: "no line end"})
		d.buf = d.buf[:0]
	}
}

// parseLine turns the text of a line (without terminator) into an id.
func (f Format) parseLine(b []byte) (app.BadgeID, string) {
	s := strings.Trim(string(b), " \t")
	if s == "" {
		return "", "empty line"
	}
	if f.Base == BaseDec {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return "", fmt.Sprintf("not a decimal digit: %q", s[i])
			}
		}
		s = strings.TrimLeft(s, "0")
		if s == "" {
			s = "0"
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || f.Width < 8 && v>>(8*f.Width) != 0 {
			return "", fmt.Sprintf("number too large for %d bytes", f.Width)
		}
		return app.BadgeID(fmt.Sprintf("%0*X", 2*f.Width, v)), ""
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return "", fmt.Sprintf("not a hex digit: %q", s[i])
		}
	}
	s = strings.ToUpper(s)
	if f.Width > 0 {
		if len(s) > 2*f.Width {
			extra := len(s) - 2*f.Width
			if strings.Trim(s[:extra], "0") != "" {
				return "", fmt.Sprintf("id longer than %d bytes", f.Width)
			}
			s = s[extra:]
		}
		s = strings.Repeat("0", 2*f.Width-len(s)) + s
	} else if len(s)%2 != 0 {
		s = "0" + s
	}
	id, err := app.ParseBadgeID(s)
	if err != nil {
		return "", err.Error()
	}
	return id, ""
}

// encodeLine writes id as a line reader of this format sends it, with CR LF.
func (f Format) encodeLine(id app.BadgeID) ([]byte, error) {
	if f.Base == BaseDec {
		if len(id) > 2*f.Width {
			return nil, fmt.Errorf("badge id %s: longer than width=%d bytes", id, f.Width)
		}
		v, err := strconv.ParseUint(string(id), 16, 64)
		if err != nil {
			return nil, err
		}
		// As many digits as the largest value of Width bytes has
		// (4 bytes: the "10-digit decimal" printed on EM cards).
		digits := len(strconv.FormatUint(uint64(1)<<(8*f.Width)-1, 10))
		if digits > f.Max {
			return nil, fmt.Errorf("format %s: %d digits exceed max=%d", f, digits, f.Max)
		}
		return fmt.Appendf(nil, "%0*d\r\n", digits, v), nil
	}
	s := string(id)
	if f.Width > 0 {
		if len(s) > 2*f.Width {
			return nil, fmt.Errorf("badge id %s: longer than width=%d bytes", id, f.Width)
		}
		s = strings.Repeat("0", 2*f.Width-len(s)) + s
	}
	if len(s) > f.Max {
		return nil, fmt.Errorf("badge id %s: longer than max=%d characters", id, f.Max)
	}
	return []byte(s + "\r\n"), nil
}
