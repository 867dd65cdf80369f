package device

import (
	"bytes"
	"fmt"
)

// stxLayout describes an EM4100 frame that starts with STX: STX, 10 hex data
// digits, 2 hex checksum digits, then trailer (ending with ETX).
type stxLayout struct {
	size    int
	trailer []byte
}

var (
	rdm6300Layout = stxLayout{size: 14, trailer: []byte{etx}}
	id12Layout    = stxLayout{size: 16, trailer: []byte{'\r', '\n', etx}}
)

// stxDecoder decodes rdm6300 and id12 frames. STX never occurs inside a valid
// frame, so every STX starts a new frame (resynchronisation); bytes outside a
// frame are noise.
type stxDecoder struct {
	l       stxLayout
	next    int64 // stream offset of the next byte fed
	start   int64 // stream offset of buf[0]
	buf     []byte
	inFrame bool
}

func newSTXDecoder(l stxLayout) *stxDecoder {
	return &stxDecoder{l: l, buf: make([]byte, 0, maxNoise)}
}

func (d *stxDecoder) Feed(p []byte, emit func(Frame)) {
	for _, c := range p {
		off := d.next
		d.next++
		if c == stx {
			if len(d.buf) > 0 {
				d.reject(emit, d.pendingReason())
			}
			d.start, d.inFrame = off, true
			d.buf = append(d.buf, c)
			continue
		}
		if len(d.buf) == 0 {
			d.start = off
		}
		d.buf = append(d.buf, c)
		if !d.inFrame {
			if len(d.buf) >= maxNoise {
				d.reject(emit, "noise")
			}
			continue
		}
		if c == etx && len(d.buf) < d.l.size {
			d.reject(emit, fmt.Sprintf("wrong length: ETX at byte %d of %d", len(d.buf), d.l.size))
			continue
		}
		if len(d.buf) < d.l.size {
			continue
		}
		if !bytes.Equal(d.buf[13:], d.l.trailer) {
			d.reject(emit, fmt.Sprintf("wrong length or end: want % X after 12 digits", d.l.trailer))
			continue
		}
		id, reason := checkEM4100(d.buf[1:13])
		if reason != "" {
			d.reject(emit, reason)
			continue
		}
		emit(Frame{Offset: d.start, Raw: bytes.Clone(d.buf), ID: id})
		d.reset()
	}
}

func (d *stxDecoder) Idle(emit func(Frame)) {
	if len(d.buf) > 0 {
		d.reject(emit, d.pendingReason())
	}
}

func (d *stxDecoder) pendingReason() string {
	if d.inFrame {
		return fmt.Sprintf("truncated: %d of %d bytes", len(d.buf), d.l.size)
	}
	return "noise"
}

func (d *stxDecoder) reject(emit func(Frame), reason string) {
	emit(Frame{Offset: d.start, Raw: bytes.Clone(d.buf), Reason: reason})
	d.reset()
}

func (d *stxDecoder) reset() {
	d.buf = d.buf[:0]
	d.inFrame = false
}
