package device

import (
	"bytes"
	"fmt"
)

// em18Decoder decodes EM-18 output: 12 hex digits (10 data, 2 XOR checksum)
// with no delimiter. The decoder keeps a window of the last hex digits since
// the last non-hex byte; whenever it holds 12 digits whose checksum matches,
// they are a frame. On a checksum mismatch the window slides by one digit, so
// a frame preceded by stray digits is still found. A non-hex byte or an idle
// line empties the window (CR, LF, space and tab silently; other bytes are
// reported as noise).
type em18Decoder struct {
	next  int64  // stream offset of the next byte fed
	start int64  // stream offset of buf[0]
	buf   []byte // bytes not yet reported; the last win are the hex window
	win   int
}

const em18Size = 12

func (d *em18Decoder) Feed(p []byte, emit func(Frame)) {
	for _, c := range p {
		off := d.next
		d.next++
		if !isHex(c) {
			d.win = 0
			if c == '\r' || c == '\n' || c == ' ' || c == '\t' {
				d.flush(emit)
				continue
			}
		} else {
			d.win++
		}
		if len(d.buf) == 0 {
			d.start = off
		}
		d.buf = append(d.buf, c)
		if d.win < em18Size {
			if len(d.buf)-d.win >= maxNoise {
				d.emitPrefix(emit, len(d.buf)-d.win)
			}
			continue
		}
		frame := d.buf[len(d.buf)-em18Size:]
		id, reason := checkEM4100(frame)
		if reason != "" {
			d.win-- // slide: the oldest digit of the window becomes junk
			continue
		}
		d.emitPrefix(emit, len(d.buf)-em18Size)
		emit(Frame{Offset: d.start, Raw: bytes.Clone(d.buf), ID: id})
		d.buf, d.win = d.buf[:0], 0
	}
}

func (d *em18Decoder) Idle(emit func(Frame)) {
	d.win = 0
	d.flush(emit)
}

// emitPrefix reports the first n bytes of buf as rejected.
func (d *em18Decoder) emitPrefix(emit func(Frame), n int) {
	if n == 0 {
		return
	}
	raw := d.buf[:n]
	emit(Frame{Offset: d.start, Raw: bytes.Clone(raw), Reason: em18Reason(raw)})
	d.buf = append(d.buf[:0], d.buf[n:]...)
	d.start += int64(n)
}

func (d *em18Decoder) flush(emit func(Frame)) {
	d.emitPrefix(emit, len(d.buf))
	d.win = 0
}

func em18Reason(raw []byte) string {
	switch {
	case !allHex(raw):
		return "noise"
	case len(raw) < em18Size:
		return fmt.Sprintf("truncated: %d of 12 digits", len(raw))
	case len(raw) == em18Size:
		_, reason := checkEM4100(raw)
		return reason
	}
	return fmt.Sprintf("no valid frame in %d digits", len(raw))
}
