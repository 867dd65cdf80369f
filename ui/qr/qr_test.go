package qr

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"

	"mensakiosk/app/pagopa"
)

// scale enlarges img k times, nearest neighbour, as the screen does.
func scale(img image.Image, k int) image.Image {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := 0; y < b.Dy()*k; y++ {
		for x := 0; x < b.Dx()*k; x++ {
			out.Set(x, y, img.At(b.Min.X+x/k, b.Min.Y+y/k))
		}
	}
	return out
}

// decode reads img with gozxing and returns the text, the symbol's
// version and its error correction level.
func decode(t *testing.T, img image.Image) (string, int, string) {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: false})
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	black, err := bmp.GetBlackMatrix()
	if err != nil {
		t.Fatal(err)
	}
	det, err := detector.NewDetector(black).Detect(nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := decoder.NewBitMatrixParser(det.GetBits())
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.ReadVersion()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := p.ReadFormatInformation()
	if err != nil {
		t.Fatal(err)
	}
	if got := det.GetBits().GetHeight(); got != v.GetDimensionForVersion() {
		t.Errorf("detected %d modules, version %d has %d", got, v.GetVersionNumber(), v.GetDimensionForVersion())
	}
	return res.GetText(), v.GetVersionNumber(), fi.GetErrorCorrectionLevel().String()
}

func TestImageDecodes(t *testing.T) {
	for _, tc := range []struct {
		code, cf string
		cents    int64
	}{
		{"301000000000000144", "99999000013", 2500},
		{"302123456789012356", "99999000013", 5000},
		{"301000000000000144", "12345678903", 5},
		{"399999999999999999", "77777777777", pagopa.MaxAmount},
	} {
		// The QR's concern is the text: codes from elsewhere too (the
		// last one's check digits do not match).
		payload, _, err := pagopa.ForeignPayload(tc.code, tc.cf, tc.cents)
		if err != nil {
			t.Fatal(err)
		}
		img, err := Image(payload)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 41 || b.Dy() != 41 {
			t.Fatalf("image is %v, want 41×41", b)
		}
		text, version, ecc := decode(t, scale(img, 8))
		if text != payload || version != 4 || ecc != "M" {
			t.Errorf("decoded %q, version %d, ECC %s; want %q, 4, M", text, version, ecc, payload)
		}
	}
}

func TestQuietZoneAndColours(t *testing.T) {
	m, err := Modules("PAGOPA|002|301000000000000144|99999000013|2500")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != Size || Size != 41 || SymbolSize != 33 {
		t.Fatalf("%d rows, Size %d, SymbolSize %d", len(m), Size, SymbolSize)
	}
	for y, row := range m {
		if len(row) != Size {
			t.Fatalf("row %d has %d modules", y, len(row))
		}
		for x, dark := range row {
			inSymbol := x >= QuietZone && x < QuietZone+SymbolSize && y >= QuietZone && y < QuietZone+SymbolSize
			if dark && !inSymbol {
				t.Fatalf("dark module at (%d,%d) in the quiet zone", x, y)
			}
		}
	}
	// The finder patterns' outer rings start right after the 4-module quiet
	// zone: the symbol's corners are dark.
	for _, p := range [][2]int{{4, 4}, {4 + 32, 4}, {4, 4 + 32}} {
		if !m[p[1]][p[0]] {
			t.Errorf("finder corner (%d,%d) is light", p[0], p[1])
		}
	}
	img, _ := Image("PAGOPA|002|301000000000000144|99999000013|2500")
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			if want := map[bool]uint8{true: 0, false: 0xff}[m[y][x]]; g != want {
				t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, g, want)
			}
		}
	}
}

func TestTooLong(t *testing.T) {
	if _, err := Image(strings.Repeat("x", 63)); err == nil {
		t.Error("63 bytes fit a version-4 M symbol?")
	}
	if _, err := Modules(strings.Repeat("x", 62)); err != nil {
		t.Errorf("62 bytes: %v", err)
	}
}

// TestTextImageDecodes: a receipt's text, longer than a notice's
// version-4 symbol holds, reads back whole from its image.
func TestTextImageDecodes(t *testing.T) {
	text := "RICEVUTA PAGOPA\nEnte: Comune di Città di Prova (99999000013)\nAvviso: 3010 0000 0000 0001 44\nImporto: 25,00 EUR\nPagato: 06/12/2026 10:15\nPSP: Banca Esempio S.p.A.\nID ricevuta: RCPT-2026-000123"
	img, err := TextImage(text)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _ := decode(t, scale(img, 8))
	if got != text {
		t.Errorf("decoded %q, want %q", got, text)
	}
	if img.Bounds().Dx() <= Size {
		t.Errorf("a %d-byte text in a %d-module image", len(text), img.Bounds().Dx())
	}
}
