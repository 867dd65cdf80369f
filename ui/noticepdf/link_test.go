package noticepdf

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"mensakiosk/ui/qr"
)

// familyCatalogue is the take-home sheet's part of the real catalogue
// (assets/i18n/<lang>.family.json).
func familyCatalogue(t *testing.T, lang string) catalogue {
	t.Helper()
	return catalogueOf(t, lang, "family")
}

// TestLinkSheetQRDecodes: the printed take-home sheet holds the title, the
// text and the address, and its QR code, rebuilt from the PDF's filled
// rectangles at LinkQRSide mm, decodes (gozxing) to the address.
func TestLinkSheetQRDecodes(t *testing.T) {
	const link = "https://comune.example.it/mensa/regolamento-2026.pdf"
	noCompression = true
	t.Cleanup(func() { noCompression = false })
	var buf bytes.Buffer
	l := Link{Title: "Regolamento del servizio", Body: "Il regolamento in vigore dal 1° settembre.", URL: link, From: "Comune di Esempio"}
	if err := WriteLink(&buf, l, familyCatalogue(t, "it")); err != nil {
		t.Fatal(err)
	}
	doc := readPDF(t, buf.Bytes())
	inOrder(t, doc.text(), "Da portare a casa", "Comune di Esempio", "Regolamento del servizio", "Il regolamento in vigore", "Inquadra il codice QR", link)

	mods, err := qr.LinkModules(link)
	if err != nil {
		t.Fatal(err)
	}
	n := len(mods) - 2*qr.QuietZone
	const mm = 72 / 25.4
	module := LinkQRSide / float64(len(mods)) * mm
	minX, maxTop := math.Inf(1), math.Inf(-1)
	var rects [][4]float64
	for _, r := range doc.rects {
		if math.Abs(r[3]-module) > 0.01 {
			continue // not a module (none other is drawn filled, but be safe)
		}
		rects = append(rects, r)
		minX, maxTop = math.Min(minX, r[0]), math.Max(maxTop, r[1]+r[3])
	}
	if len(rects) == 0 {
		t.Fatal("no QR modules in the PDF")
	}
	if module/mm < 1.0 {
		t.Errorf("printed module %.2f mm: want at least 1 mm", module/mm)
	}
	const quiet, scale = 4, 8
	size := n + 2*quiet
	img := image.NewGray(image.Rect(0, 0, size*scale, size*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, r := range rects {
		col := int(math.Round((r[0] - minX) / module))
		row := int(math.Round((maxTop - r[1] - r[3]) / module))
		w := int(math.Round(r[2] / module))
		for c := col; c < col+w; c++ {
			for y := 0; y < scale; y++ {
				for x := 0; x < scale; x++ {
					img.SetGray((c+quiet)*scale+x, (row+quiet)*scale+y, color.Gray{})
				}
			}
		}
	}
	if got := decodePrinted(t, img, "QR"); got != link {
		t.Errorf("printed QR reads %q, want %q", got, link)
	}
}

// TestLinkSheetRefusesTooLong: a link too long for a QR code read from a
// sheet is an error, and nothing is written.
func TestLinkSheetRefusesTooLong(t *testing.T) {
	var buf bytes.Buffer
	err := WriteLink(&buf, Link{Title: "x", URL: "https://x.example/" + strings.Repeat("a", qr.MaxLinkBytes)}, familyCatalogue(t, "en"))
	if err == nil || buf.Len() != 0 {
		t.Fatalf("err %v, %d bytes written", err, buf.Len())
	}
}
