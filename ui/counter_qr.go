package ui

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// qrCanvas shows a QR code image of one pixel a module at modulePx screen
// pixels a module, scaled by that whole factor with nearest-neighbour so
// the modules stay sharp.
func qrCanvas(img image.Image, modulePx int) *canvas.Image {
	ci := canvas.NewImageFromImage(img)
	ci.ScaleMode = canvas.ImageScalePixels
	ci.FillMode = canvas.ImageFillContain
	ci.SetMinSize(fyne.NewSquareSize(float32(img.Bounds().Dx() * modulePx)))
	return ci
}
