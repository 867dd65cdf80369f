package qr

import "image"

// TextModules returns the QR code of any text (a receipt's, for the
// parent's phone) at error correction M, in the smallest version that
// holds it, with the same 4-module quiet zone as Modules: a square of
// side symbol + 8, modules[y][x] true for a dark module.
func TextModules(payload string) ([][]bool, error) {
	return mediumModules(payload)
}

// TextImage is TextModules as a grey image, one pixel per module.
func TextImage(payload string) (image.Image, error) {
	return greyImage(TextModules(payload))
}
