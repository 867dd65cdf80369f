package qr

import (
	"fmt"
	"image"
	"image/color"

	"github.com/skip2/go-qrcode"
)

// The steps every QR code here shares, whatever picks its version: a
// symbol without go-qrcode's own border gets exactly QuietZone white
// modules around it, and modules become a one-pixel-per-module image.

// bordered returns the symbol of q (its border disabled) with a quiet zone
// of QuietZone modules on every side, modules[y][x] true for dark.
func bordered(q *qrcode.QRCode) [][]bool {
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
	return out
}

// mediumModules is the QR code of payload at error correction M in the
// smallest version that holds it, quiet zone included.
func mediumModules(payload string) ([][]bool, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return bordered(q), nil
}

// greyImage is grey of what a modules function returned, or its error.
func greyImage(m [][]bool, err error) (image.Image, error) {
	if err != nil {
		return nil, err
	}
	return grey(m), nil
}

// grey draws square modules as a grey image, one pixel per module, black
// on white.
func grey(m [][]bool) image.Image {
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
	return img
}
