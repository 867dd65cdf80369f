package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
)

// counterStamp is a square of side px framed in c, with text in c, bold,
// of textSize, and above it icon when there is one: what stands where an
// avviso's QR code was once the notice can no longer be paid.
func counterStamp(text string, c color.Color, side, textSize float32, icon fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(colorPaper)
	bg.StrokeColor, bg.StrokeWidth, bg.CornerRadius = c, 8, 12
	bg.SetMinSize(fyne.NewSquareSize(side))
	word := canvas.NewText(text, c)
	word.TextStyle = fyne.TextStyle{Bold: true}
	word.TextSize = textSize
	word.Alignment = fyne.TextAlignCenter
	if icon == nil {
		return container.NewStack(bg, container.NewCenter(word))
	}
	return container.NewStack(bg, container.NewCenter(container.NewVBox(container.NewCenter(icon), word)))
}
