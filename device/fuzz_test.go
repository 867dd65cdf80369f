package device

import (
	"testing"

	"mensakiosk/app"
)

// fuzzDecoder feeds data to a decoder of format in chunks whose sizes come
// from the data itself, and checks every frame reported.
func fuzzDecoder(f *testing.F, format string) {
	fm, err := ParseFormat(format)
	if err != nil {
		f.Fatal(err)
	}
	for _, id := range []app.BadgeID{"010063E9AE", "62E3086CED", "0000000000", "FFFFFFFFFF", "0063E9AE"} {
		b, err := fm.Encode(id)
		if err != nil {
			continue // not encodable in this format
		}
		f.Add(b, uint8(0))
		f.Add(append(append([]byte("\x02\x0312AB\r\n"), b...), b[:5]...), uint8(1))
		f.Add(append(b[3:], b...), uint8(3))
	}
	f.Add([]byte("\x0201006\x0203E9AE25\x03"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		d, err := fm.NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		var frames []Frame
		emit := func(f Frame) { frames = append(frames, f) }
		step := int(chunk%17) + 1
		if chunk == 0 {
			step = len(data) + 1
		}
		for i := 0; i < len(data); i += step {
			d.Feed(data[i:min(i+step, len(data))], emit)
		}
		d.Idle(emit)
		checkFrames(t, data, frames)
		if fm.Name == FormatLine {
			checkLines(t, fm, data, frames)
		} else {
			checkFramed(t, format, frames)
		}
	})
}

func FuzzRDM6300(f *testing.F) { fuzzDecoder(f, "rdm6300") }
func FuzzID12(f *testing.F)    { fuzzDecoder(f, "id12") }
func FuzzEM18(f *testing.F)    { fuzzDecoder(f, "em18") }
func FuzzLine(f *testing.F)    { fuzzDecoder(f, "line:max=24") }
func FuzzLineDec(f *testing.F) { fuzzDecoder(f, "line:base=dec,width=4") }

// FuzzRoundTrip checks that every encodable id decodes back to itself, with
// noise before and after.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{0x01, 0x00, 0x63, 0xE9, 0xAE}, []byte("\x13zz"))
	f.Add([]byte{0x62, 0xE3, 0x08, 0x6C, 0xED}, []byte{})
	f.Fuzz(func(t *testing.T, raw []byte, noise []byte) {
		if len(raw) == 0 || len(raw) > 8 {
			return
		}
		id := app.BadgeID(hexUpper(raw))
		for _, format := range []string{"rdm6300", "id12", "em18", "line", "line:base=dec,width=8"} {
			frame, err := Encode(format, id)
			if err != nil {
				if len(raw) == 5 || format == "line" || format == "line:base=dec,width=8" {
					t.Fatalf("Encode(%s, %s): %v", format, id, err)
				}
				continue
			}
			// Noise must not glue onto the frame: end it with a separator
			// the format ignores.
			in := append(append(append([]byte{}, noise...), '\n'), frame...)
			in = append(in, '\n')
			got := ids(collect(t, format, in))
			want := id
			if format == "line:base=dec,width=8" {
				want = app.BadgeID(hexUpper(append(make([]byte, 8-len(raw)), raw...)))
			}
			if len(got) == 0 || got[len(got)-1] != want {
				t.Fatalf("%s: %q decoded to %v, want last %s", format, in, got, want)
			}
		}
	})
}

func hexUpper(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
