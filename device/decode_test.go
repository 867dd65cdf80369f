package device

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"mensakiosk/app"
)

// collect feeds chunks to a fresh decoder of format, then signals idle, and
// returns every frame reported.
func collect(t testing.TB, format string, chunks ...[]byte) []Frame {
	t.Helper()
	d, err := NewDecoder(format)
	if err != nil {
		t.Fatal(err)
	}
	var out []Frame
	emit := func(f Frame) { out = append(out, f) }
	for _, c := range chunks {
		d.Feed(c, emit)
	}
	d.Idle(emit)
	return out
}

func ids(frames []Frame) []app.BadgeID {
	var out []app.BadgeID
	for _, f := range frames {
		if f.Accepted() {
			out = append(out, f.ID)
		}
	}
	return out
}

func rejected(frames []Frame) []Frame {
	var out []Frame
	for _, f := range frames {
		if !f.Accepted() {
			out = append(out, f)
		}
	}
	return out
}

func bytewise(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

func mustEncode(t testing.TB, format string, id app.BadgeID) []byte {
	t.Helper()
	b, err := Encode(format, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestSpecExamples(t *testing.T) {
	want := []byte{0x02, 0x36, 0x32, 0x45, 0x33, 0x30, 0x38, 0x36, 0x43, 0x45, 0x44, 0x30, 0x38, 0x03}
	if got := mustEncode(t, "rdm6300", "62E3086CED"); !bytes.Equal(got, want) {
		t.Errorf("Encode rdm6300 62E3086CED = % X, want % X", got, want)
	}
	if got := mustEncode(t, "rdm6300", "010063E9AE"); string(got[11:13]) != "25" {
		t.Errorf("checksum of 010063E9AE = %s, want 25", got[11:13])
	}
	if got := mustEncode(t, "id12", "010063E9AE"); string(got) != "\x02010063E9AE25\r\n\x03" {
		t.Errorf("Encode id12 = %q", got)
	}
	if got := mustEncode(t, "em18", "62E3086CED"); string(got) != "62E3086CED08" {
		t.Errorf("Encode em18 = %q", got)
	}
	if got := mustEncode(t, "line", "010063E9AE"); string(got) != "010063E9AE\r\n" {
		t.Errorf("Encode line = %q", got)
	}
	if got := mustEncode(t, "line:base=dec,width=4", "0063E9AE"); string(got) != "0006547886\r\n" {
		t.Errorf("Encode line dec = %q", got)
	}
	got := collect(t, "rdm6300", want)
	if len(got) != 1 || got[0].ID != "62E3086CED" || got[0].Offset != 0 || !bytes.Equal(got[0].Raw, want) {
		t.Errorf("decode spec frame = %+v", got)
	}
}

func TestDecoders(t *testing.T) {
	const a, b = app.BadgeID("010063E9AE"), app.BadgeID("62E3086CED")
	for _, format := range []string{"rdm6300", "id12", "em18"} {
		fa, fb := mustEncode(t, format, a), mustEncode(t, format, b)
		badSum := bytes.Clone(fa)
		sumAt := bytes.Index(badSum, []byte("25"))
		badSum[sumAt+1] = '6' // checksum 26
		nonHex := bytes.Clone(fa)
		nonHex[bytes.IndexByte(nonHex, 'E')] = 'G'
		flipped := bytes.Clone(fa)
		flipped[bytes.IndexByte(flipped, '6')] = '7' // data changed, checksum kept
		lower := bytes.ToLower(fa)
		tests := []struct {
			name     string
			chunks   [][]byte
			want     []app.BadgeID
			rejected int // at least this many rejected frames
		}{
			{"one", [][]byte{fa}, []app.BadgeID{a}, 0},
			{"bytewise", bytewise(fa), []app.BadgeID{a}, 0},
			{"back to back", [][]byte{cat(fa, fb, fa)}, []app.BadgeID{a, b, a}, 0},
			{"back to back bytewise", bytewise(cat(fa, fb)), []app.BadgeID{a, b}, 0},
			{"repeated (RDM6300 every 50 ms)", [][]byte{fa, fa, fa}, []app.BadgeID{a, a, a}, 0},
			{"split across reads", [][]byte{fa[:5], cat(fa[5:], fb[:3]), fb[3:]}, []app.BadgeID{a, b}, 0},
			{"noise before", [][]byte{cat([]byte("\xff\x00zz\x03"), fa)}, []app.BadgeID{a}, 1},
			{"noise between", [][]byte{cat(fa, []byte("\x13\x7f!"), fb)}, []app.BadgeID{a, b}, 1},
			{"bad checksum", [][]byte{badSum}, nil, 1},
			{"bad checksum then good", [][]byte{cat(badSum, []byte("\n"), fb)}, []app.BadgeID{b}, 1},
			{"data flipped", [][]byte{flipped}, nil, 1},
			{"non-hex digit", [][]byte{nonHex}, nil, 1},
			{"truncated", [][]byte{fa[:len(fa)-2]}, nil, 1},
			{"truncated then good", [][]byte{cat(fa[:7], fb)}, []app.BadgeID{b}, 1},
			{"truncated bytewise then good", bytewise(cat(fa[:9], fb)), []app.BadgeID{b}, 1},
			{"lower case", [][]byte{lower}, []app.BadgeID{a}, 0},
		}
		if format != "em18" {
			long := cat(fa[:len(fa)-1], []byte("0"), fa[len(fa)-1:])
			tests = append(tests,
				struct {
					name     string
					chunks   [][]byte
					want     []app.BadgeID
					rejected int
				}{"one byte too long", [][]byte{long, fb}, []app.BadgeID{b}, 1},
				struct {
					name     string
					chunks   [][]byte
					want     []app.BadgeID
					rejected int
				}{"no STX", [][]byte{fa[1:], fb}, []app.BadgeID{b}, 1})
		}
		for _, tc := range tests {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				got := collect(t, format, tc.chunks...)
				if !slices.Equal(ids(got), tc.want) {
					t.Errorf("ids = %v, want %v (frames %s)", ids(got), tc.want, dump(got))
				}
				if r := rejected(got); len(r) < tc.rejected {
					t.Errorf("%d rejected frames, want at least %d (frames %s)", len(r), tc.rejected, dump(got))
				}
				checkFrames(t, cat(tc.chunks...), got)
				checkFramed(t, format, got)
			})
		}
	}
}

func TestEM18Resync(t *testing.T) {
	a := app.BadgeID("010063E9AE")
	fa := mustEncode(t, "em18", a)
	// Stray hex digits glued before a frame: the window slides onto it.
	got := collect(t, "em18", []byte("3F"), fa)
	if !slices.Equal(ids(got), []app.BadgeID{a}) {
		t.Fatalf("ids = %v (frames %s)", ids(got), dump(got))
	}
	if r := rejected(got); len(r) != 1 || string(r[0].Raw) != "3F" {
		t.Errorf("rejected = %s, want the 2 stray digits", dump(r))
	}
	// Frames separated by CR LF (some modules) and idle gaps.
	d, _ := NewDecoder("em18")
	var fr []Frame
	emit := func(f Frame) { fr = append(fr, f) }
	d.Feed(fa[:6], emit)
	d.Idle(emit) // a gap inside a frame: the frame is broken
	d.Feed(fa[6:], emit)
	d.Feed([]byte("\r\n"), emit)
	d.Feed(cat(fa, []byte("\r\n")), emit)
	if !slices.Equal(ids(fr), []app.BadgeID{a}) || len(rejected(fr)) != 2 {
		t.Errorf("frames %s, want 2 rejected halves then the id", dump(fr))
	}
}

func TestLineDecoder(t *testing.T) {
	tests := []struct {
		format string
		in     string
		want   []app.BadgeID
		rej    int
	}{
		{"line", "010063E9AE\r\n", []app.BadgeID{"010063E9AE"}, 0},
		{"line", "010063e9ae\n62E3086CED\r", []app.BadgeID{"010063E9AE", "62E3086CED"}, 0},
		{"line", "\r\n\r\n  ABC \r\n", []app.BadgeID{"0ABC"}, 0},
		{"line", "01G0\r\n0102\r\n", []app.BadgeID{"0102"}, 1},
		{"line", "0102", nil, 1}, // no line end before idle
		{"line:width=5", "63E9AE\n", []app.BadgeID{"000063E9AE"}, 0},
		{"line:width=2", "00ABCD\nABCDEF\n", []app.BadgeID{"ABCD"}, 1},
		{"line:base=dec", "0006547886\r\n", []app.BadgeID{"000063E9AE"}, 0},
		{"line:base=dec,width=4", "0006547886\r\n6547886\n", []app.BadgeID{"0063E9AE", "0063E9AE"}, 0},
		{"line:base=dec,width=4", "4294967296\n12a\n\n0\n", []app.BadgeID{"00000000"}, 2},
		{"line:base=dec,width=8", "18446744073709551615\n18446744073709551616\n", []app.BadgeID{"FFFFFFFFFFFFFFFF"}, 1},
		{"line:max=4", "ABCDEF\n12\n", []app.BadgeID{"12"}, 1},
		{"line:max=4", "ABCDEFABCDEFABCDEF\r\n1234\n", []app.BadgeID{"1234"}, 1},
	}
	for _, tc := range tests {
		for _, split := range []bool{false, true} {
			chunks := [][]byte{[]byte(tc.in)}
			if split {
				chunks = bytewise([]byte(tc.in))
			}
			got := collect(t, tc.format, chunks...)
			if !slices.Equal(ids(got), tc.want) || len(rejected(got)) != tc.rej {
				t.Errorf("%s %q (bytewise %v): frames %s, want ids %v and %d rejected",
					tc.format, tc.in, split, dump(got), tc.want, tc.rej)
			}
			checkFrames(t, []byte(tc.in), got)
		}
	}
}

func TestParseFormat(t *testing.T) {
	good := map[string]string{
		"rdm6300":                      "rdm6300",
		" ID12 ":                       "id12",
		"em18":                         "em18",
		"line":                         "line:base=hex,width=0,max=32",
		"line:base=dec":                "line:base=dec,width=5,max=32",
		"line:base=dec,width=4,max=12": "line:base=dec,width=4,max=12",
		"line:width=7":                 "line:base=hex,width=7,max=32",
	}
	for in, want := range good {
		f, err := ParseFormat(in)
		if err != nil || f.String() != want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %s", in, f, err, want)
			continue
		}
		if g, err := ParseFormat(f.String()); err != nil || g != f {
			t.Errorf("round trip %q: %v, %v", f, g, err)
		}
	}
	for _, in := range []string{"", "wiegand", "rdm6300:base=hex", "line:base=oct", "line:width",
		"line:base=dec,width=0", "line:base=dec,width=9", "line:width=17", "line:max=1", "line:foo=1"} {
		if f, err := ParseFormat(in); err == nil {
			t.Errorf("ParseFormat(%q) = %v, want error", in, f)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		format string
		id     app.BadgeID
	}{
		{"rdm6300", "0063E9AE"},    // 4 bytes
		{"id12", "010063E9AE01"},   // 6 bytes
		{"em18", "01006XE9AE"},     // not hex
		{"line:width=2", "ABCDEF"}, // too long for width
		{"line:base=dec,width=2", "ABCDEF"},
		{"line:max=4", "ABCDEF"},
		{"nope", "0102"},
	} {
		if b, err := Encode(tc.format, tc.id); err == nil {
			t.Errorf("Encode(%s, %s) = %q, want error", tc.format, tc.id, b)
		}
	}
	// Encode normalises case.
	if b := mustEncode(t, "rdm6300", "010063e9ae"); !bytes.Contains(b, []byte("010063E9AE25")) {
		t.Errorf("Encode lower case = %q", b)
	}
}

func dump(fs []Frame) string {
	var sb strings.Builder
	for _, f := range fs {
		if f.Accepted() {
			sb.WriteString("[" + string(f.ID))
		} else {
			sb.WriteString("[rejected " + f.Reason)
		}
		sb.WriteString(" " + strings.ToValidUTF8(string(f.Raw), "?") + "]")
	}
	return sb.String()
}
