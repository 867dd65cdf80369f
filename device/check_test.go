package device

import (
	"bytes"
	"math/big"
	"strings"
	"testing"
)

// checkFrames verifies what every decoder promises about the frames it
// reported for input: each frame's bytes are the input at its offset, frames
// are in order and do not overlap, and an accepted frame is a valid frame of
// its id (for the framed formats: exactly the bytes Encode produces, up to
// the case of hex letters; for line: a terminated line whose text is the id).
func checkFrames(t testing.TB, input []byte, frames []Frame) {
	t.Helper()
	var end int64
	for i, f := range frames {
		if len(f.Raw) == 0 {
			t.Fatalf("frame %d: empty", i)
		}
		if f.Offset < end || f.Offset+int64(len(f.Raw)) > int64(len(input)) {
			t.Fatalf("frame %d at %d+%d overlaps the previous (end %d) or the input end %d",
				i, f.Offset, len(f.Raw), end, len(input))
		}
		if !bytes.Equal(input[f.Offset:f.Offset+int64(len(f.Raw))], f.Raw) {
			t.Fatalf("frame %d: raw %q is not the input at %d", i, f.Raw, f.Offset)
		}
		end = f.Offset + int64(len(f.Raw))
		if f.Accepted() == (f.ID == "") {
			t.Fatalf("frame %d: id %q with reason %q", i, f.ID, f.Reason)
		}
	}
}

// checkFramed verifies that accepted frames of a framed format are exactly a
// valid frame of their id.
func checkFramed(t testing.TB, format string, frames []Frame) {
	t.Helper()
	for i, f := range frames {
		if !f.Accepted() {
			continue
		}
		want, err := Encode(format, f.ID)
		if err != nil {
			t.Fatalf("frame %d: id %q cannot be encoded: %v", i, f.ID, err)
		}
		if !bytes.EqualFold(f.Raw, want) {
			t.Fatalf("frame %d: id %s from %q, not a valid frame %q", i, f.ID, f.Raw, want)
		}
	}
}

// checkLines verifies accepted line frames against an independent reading:
// the frame starts the stream or follows a line end, ends with its only line
// end, and its trimmed text has the id's value in the format's base.
func checkLines(t testing.TB, f Format, input []byte, frames []Frame) {
	t.Helper()
	for i, fr := range frames {
		if !fr.Accepted() {
			continue
		}
		if fr.Offset > 0 && input[fr.Offset-1] != '\r' && input[fr.Offset-1] != '\n' {
			t.Fatalf("frame %d %q: does not start a line", i, fr.Raw)
		}
		body, last := fr.Raw[:len(fr.Raw)-1], fr.Raw[len(fr.Raw)-1]
		if last != '\r' && last != '\n' || bytes.ContainsAny(body, "\r\n") {
			t.Fatalf("frame %d %q: not one terminated line", i, fr.Raw)
		}
		text := strings.Trim(string(body), " \t")
		base, digits := 16, "0123456789abcdefABCDEF"
		if f.Base == BaseDec {
			base, digits = 10, "0123456789"
		}
		v, ok := new(big.Int).SetString(text, base)
		if !ok || strings.Trim(text, digits) != "" {
			t.Fatalf("frame %d: %q is not a base %d number but gave %s", i, text, base, fr.ID)
		}
		w, _ := new(big.Int).SetString(string(fr.ID), 16)
		if v.Cmp(w) != 0 {
			t.Fatalf("frame %d: %q gave %s", i, text, fr.ID)
		}
		switch {
		case f.Width > 0 && len(fr.ID) != 2*f.Width:
			t.Fatalf("frame %d: id %s is not %d bytes", i, fr.ID, f.Width)
		case f.Width == 0 && len(fr.ID) != len(text)+len(text)%2:
			t.Fatalf("frame %d: id %s from %q", i, fr.ID, text)
		case len(text) > f.Max:
			t.Fatalf("frame %d: %q longer than max %d", i, text, f.Max)
		}
	}
}
