package qr

import (
	"image"
	"image/draw"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// TestLinkImageDecodes: a link's QR image, scaled as the screen draws it,
// decodes (gozxing) to the link, with a 4-module quiet zone; a short link
// gets a small version, a long one a larger; too long a link is refused.
func TestLinkImageDecodes(t *testing.T) {
	for _, link := range []string{"https://comune.example.it/m", "https://servizi.comune.example.it/istruzione/refezione-scolastica/comunicazioni/2026/uscita-didattica-museo-civico.pdf"} {
		img, err := LinkImage(link)
		if err != nil {
			t.Fatal(err)
		}
		n := img.Bounds().Dx()
		if (n-2*QuietZone-17)%4 != 0 {
			t.Errorf("%s: side %d is not a QR symbol's plus the quiet zone", link, n)
		}
		big := image.NewGray(image.Rect(0, 0, n*8, n*8))
		for y := range n * 8 {
			for x := range n * 8 {
				big.Set(x, y, img.At(x/8, y/8))
			}
		}
		rgba := image.NewRGBA(big.Bounds())
		draw.Draw(rgba, rgba.Bounds(), big, image.Point{}, draw.Src)
		bmp, _ := gozxing.NewBinaryBitmapFromImage(rgba)
		res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
		if err != nil || res.GetText() != link {
			t.Errorf("%s: decoded %v %v", link, res, err)
		}
		t.Logf("%d bytes: %d modules with the quiet zone", len(link), n)
	}
	if _, err := LinkModules("https://x.example/" + strings.Repeat("a", MaxLinkBytes)); err == nil {
		t.Error("a link too long accepted")
	}
}
