package qr

import (
	"fmt"
	"image"
)

// A link's QR code (a document's or a message's address, for a parent to
// take home with a phone): the smallest version that holds the address at
// error correction M, with the same 4-module quiet zone as a notice's.

// MaxLinkBytes bounds a link drawn as a QR code: version 10 at level M
// holds 213 bytes, and beyond that the modules get too small to read from
// a kiosk's screen at arm's length.
const MaxLinkBytes = 213

// LinkModules returns the QR code of link as n×n modules including the
// quiet zone (n = the symbol's side + 8), modules[y][x] true for dark.
func LinkModules(link string) ([][]bool, error) {
	if len(link) > MaxLinkBytes {
		return nil, fmt.Errorf("qr: a link of %d bytes is too long for a QR code read from a screen (at most %d)", len(link), MaxLinkBytes)
	}
	return mediumModules(link)
}

// LinkImage is LinkModules as a grey image, one pixel per module.
func LinkImage(link string) (image.Image, error) {
	return greyImage(LinkModules(link))
}
