package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// WindowContent wraps a screen for the kiosk's window. Under the real
// driver a window that is not full screen grows to its content's minimum
// size whenever that is larger, and never shrinks back: one view a little
// too tall, or one frame measured before its text had a width, and the
// window runs off the display for good. The wrapper asks for nothing: the
// window keeps the size it was given and the screen is laid out in it
// (what does not fit is cut, and the fit tests keep every view fitting).
func WindowContent(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(windowLayout{}, o)
}

type windowLayout struct{}

func (windowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// MinSize is one touch target: never more than any window.
func (windowLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSquareSize(MinTouchTarget)
}
