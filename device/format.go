package device

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mensakiosk/app"
)

// Format names, as used in the kiosk configuration and by badgetool.
const (
	FormatRDM6300 = "rdm6300" // STX + 10 hex + 2 hex XOR + ETX (14 bytes)
	FormatID12    = "id12"    // STX + 10 hex + 2 hex XOR + CR LF + ETX (16 bytes)
	FormatEM18    = "em18"    // 10 hex + 2 hex XOR, no delimiters (12 bytes)
	FormatLine    = "line"    // hex or decimal text ended by CR and/or LF
)

// Formats lists the format names NewDecoder accepts.
var Formats = []string{FormatRDM6300, FormatID12, FormatEM18, FormatLine}

// Line reader bases.
const (
	BaseHex = "hex"
	BaseDec = "dec"
)

// Defaults of the line format.
const (
	DefaultLineMax      = 32 // characters before the terminator
	DefaultLineDecWidth = 5  // bytes of the id a decimal number is written to
)

// Format is a parsed frame format: a name from Formats and, for "line",
// its options. The zero value is not valid; use ParseFormat.
type Format struct {
	Name string
	// Line options. Base is BaseHex or BaseDec. Width is the id's length in
	// bytes: a decimal value is written as 2*Width hex digits (0 for hex
	// means "as sent", padded to an even number of digits; for hex a
	// shorter value is padded with leading zeros). Max is the longest line
	// accepted, in characters.
	Base  string
	Width int
	Max   int
}

// ParseFormat parses "name" or "line:opt=value,...". Options (line only):
// base=hex|dec (default hex), width=N bytes (1..16 for hex, 1..8 for dec;
// default 0 for hex, 5 for dec), max=N characters (default 32).
func ParseFormat(s string) (Format, error) {
	name, opts, hasOpts := strings.Cut(strings.TrimSpace(s), ":")
	f := Format{Name: strings.ToLower(name)}
	switch f.Name {
	case FormatRDM6300, FormatID12, FormatEM18:
		if hasOpts {
			return Format{}, fmt.Errorf("format %q: %s takes no options", s, f.Name)
		}
		return f, nil
	case FormatLine:
	default:
		return Format{}, fmt.Errorf("format %q: unknown, want one of %s", s, strings.Join(Formats, ", "))
	}
	f.Base, f.Max, f.Width = BaseHex, DefaultLineMax, -1
	if hasOpts {
		for _, kv := range strings.Split(opts, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok {
				return Format{}, fmt.Errorf("format %q: option %q: want key=value", s, kv)
			}
			switch k {
			case "base":
				if v != BaseHex && v != BaseDec {
					return Format{}, fmt.Errorf("format %q: base must be hex or dec", s)
				}
				f.Base = v
			case "width", "max":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return Format{}, fmt.Errorf("format %q: %s must be a number", s, k)
				}
				if k == "width" {
					f.Width = n
				} else {
					f.Max = n
				}
			default:
				return Format{}, fmt.Errorf("format %q: unknown option %q (want base, width, max)", s, k)
			}
		}
	}
	if f.Width < 0 {
		f.Width = 0
		if f.Base == BaseDec {
			f.Width = DefaultLineDecWidth
		}
	}
	if err := f.validate(); err != nil {
		return Format{}, fmt.Errorf("format %q: %w", s, err)
	}
	return f, nil
}

func (f Format) validate() error {
	switch f.Name {
	case FormatRDM6300, FormatID12, FormatEM18:
		return nil
	case FormatLine:
	default:
		return fmt.Errorf("unknown format %q", f.Name)
	}
	switch {
	case f.Base == BaseHex && (f.Width < 0 || f.Width > 16):
		return errors.New("width must be 0..16 bytes for hex")
	case f.Base == BaseDec && (f.Width < 1 || f.Width > 8):
		return errors.New("width must be 1..8 bytes for dec")
	case f.Base != BaseHex && f.Base != BaseDec:
		return errors.New("base must be hex or dec")
	case f.Max < 2 || f.Max > 256:
		return errors.New("max must be 2..256 characters")
	}
	return nil
}

// String returns the format in the form ParseFormat reads.
func (f Format) String() string {
	if f.Name != FormatLine {
		return f.Name
	}
	return fmt.Sprintf("line:base=%s,width=%d,max=%d", f.Base, f.Width, f.Max)
}

// NewDecoder returns a fresh streaming decoder for the format.
func (f Format) NewDecoder() (Decoder, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	switch f.Name {
	case FormatRDM6300:
		return newSTXDecoder(rdm6300Layout), nil
	case FormatID12:
		return newSTXDecoder(id12Layout), nil
	case FormatEM18:
		return &em18Decoder{}, nil
	default:
		return &lineDecoder{f: f}, nil
	}
}

// Encode returns the bytes a reader of this format sends for id. The framed
// formats carry EM4100 ids: exactly 5 bytes (10 hex digits).
func (f Format) Encode(id app.BadgeID) ([]byte, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	id, err := app.ParseBadgeID(string(id))
	if err != nil {
		return nil, err
	}
	switch f.Name {
	case FormatRDM6300, FormatID12, FormatEM18:
		if len(id) != em4100Digits {
			return nil, fmt.Errorf("badge id %s: format %s carries 5-byte (10 hex digit) ids", id, f.Name)
		}
		body := fmt.Appendf(nil, "%s%02X", id, xorChecksum([]byte(id)))
		switch f.Name {
		case FormatRDM6300:
			return append(append([]byte{stx}, body...), etx), nil
		case FormatID12:
			return append(append([]byte{stx}, body...), '\r', '\n', etx), nil
		}
		return body, nil
	}
	return f.encodeLine(id)
}

// NewDecoder parses format (see ParseFormat) and returns a decoder for it.
func NewDecoder(format string) (Decoder, error) {
	f, err := ParseFormat(format)
	if err != nil {
		return nil, err
	}
	return f.NewDecoder()
}

// Encode parses format (see ParseFormat) and returns the frame a reader of that
// format sends for id.
func Encode(format string, id app.BadgeID) ([]byte, error) {
	f, err := ParseFormat(format)
	if err != nil {
		return nil, err
	}
	return f.Encode(id)
}

// Frame is one unit a decoder recognised in the byte stream: an accepted
// badge id (ID set, Reason empty) or rejected bytes (Reason set, ID empty).
// Raw is a copy of the bytes, which are input[Offset:Offset+len(Raw)] of the
// stream fed to the decoder since it was created.
type Frame struct {
	Offset int64
	Raw    []byte
	ID     app.BadgeID
	Reason string
}

// Accepted reports whether the frame carried a valid badge id.
func (f Frame) Accepted() bool { return f.Reason == "" }

// Decoder turns a byte stream from a reader into frames. It is fed arbitrary
// chunks (down to one byte per call); it resynchronises by itself and only
// reports an id for bytes that form a complete, valid frame. It does not
// debounce: a reader repeating a frame yields the id each time. A Decoder is
// not safe for concurrent use.
type Decoder interface {
	// Feed consumes p and calls emit, in stream order, for each frame that
	// p completes. emit must not retain the Frame's Raw past the call
	// unless it copies it (Raw is already a copy: it may keep it).
	Feed(p []byte, emit func(Frame))
	// Idle tells the decoder the line has been quiet for a read timeout:
	// a partial frame is reported as rejected and dropped (readers send a
	// frame in one burst).
	Idle(emit func(Frame))
}

const (
	stx          = 0x02
	etx          = 0x03
	em4100Digits = 10
	maxNoise     = 64 // rejected bytes reported as one frame at most
)

// xorChecksum returns the XOR of the bytes encoded by the hex digits in h
// (an even number of valid hex digits).
func xorChecksum(h []byte) byte {
	var x byte
	for i := 0; i+1 < len(h); i += 2 {
		x ^= hexVal(h[i])<<4 | hexVal(h[i+1])
	}
	return x
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f'
}

func hexVal(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 0
}

func allHex(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// checkEM4100 validates 12 characters: 10 hex data digits and the 2 hex digit
// XOR checksum. It returns the canonical id or the reason for rejecting.
func checkEM4100(b []byte) (app.BadgeID, string) {
	if !allHex(b) {
		return "", "non-hex digit"
	}
	want := hexVal(b[10])<<4 | hexVal(b[11])
	if got := xorChecksum(b[:10]); got != want {
		return "", fmt.Sprintf("bad checksum %02X, computed %02X", want, got)
	}
	return app.BadgeID(strings.ToUpper(string(b[:10]))), ""
}
