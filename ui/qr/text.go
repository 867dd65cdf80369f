package qr

import (
	"fmt"
	"image"
	"image/color"

	"github.com/skip2/go-qrcode"
)

// TextModules returns the QR code of any text (a receipt's, for the
// parent's phone) at error correction M, in the smallest version that
// holds it, with the same 4-module quiet zone as Modules: a square of
// side symbol + 8, modules[y][x] true for a dark module.
func TextModules(payload string) ([][]bool, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	q.DisableBorder = true
	sym := q.Bitmap()
	n := len(sym) + 2*QuietZone
	out := make([][]bool, n)
	for y := range out {
		out[y] = make([]bool, n)
		if sy := y - QuietZone; sy >= 0 && sy < len(sym) {
			copy(out[y][QuietZone:], sym[sy])
		}
	}
	return out, nil
}

// TextImage is TextModules as a grey image, one pixel per module.
func TextImage(payload string) (image.Image, error) {
	m, err := TextModules(payload)
	if err != nil {
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, len(m), len(m)))
	for y, row := range m {
		for x, dark := range row {
			c := color.Gray{Y: 0xff}
			if dark {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	return img, nil
}
