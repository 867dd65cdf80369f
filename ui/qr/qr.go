// Package qr draws the QR code of a pagoPA notice (specs/pagopa.md, "QR
// code"): version 4 (33×33 modules), error correction M, with a quiet zone
// of 4 modules, as a one-pixel-per-module black and white image. The screen
// scales it with nearest-neighbour (canvas.ImageScalePixels) so the modules
// stay sharp; the printed notice draws Modules as filled squares.
//
// go-qrcode would pick version 3 for a notice payload by itself, so the
// version is forced. Its own border width depends on the version, so it is
// disabled and the quiet zone added here, exactly 4 modules.
package qr

import (
	"fmt"
	"image"

	"github.com/skip2/go-qrcode"
)

const (
	// Version is the QR version pagoPA notices use.
	Version = 4
	// SymbolSize is the side of a version-4 symbol, in modules.
	SymbolSize = 17 + 4*Version
	// QuietZone is the white border around the symbol, in modules.
	QuietZone = 4
	// Size is the side of Modules and of Image: symbol plus quiet zone
	// (41).
	Size = SymbolSize + 2*QuietZone
)

// Modules returns the QR code of payload as Size×Size modules including the
// quiet zone, modules[y][x] true for a dark module. A payload too long for
// a version-4 M symbol (62 bytes) is an error.
func Modules(payload string) ([][]bool, error) {
	q, err := qrcode.NewWithForcedVersion(payload, Version, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	out := bordered(q)
	if len(out) != Size {
		return nil, fmt.Errorf("qr: symbol is %d modules wide, want %d", len(out)-2*QuietZone, SymbolSize)
	}
	return out, nil
}

// Image returns the QR code of payload as a Size×Size grey image, one
// pixel per module, black on white, quiet zone included.
func Image(payload string) (image.Image, error) {
	return greyImage(Modules(payload))
}
