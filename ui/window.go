package ui

import (
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
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

// ConfirmationOver lays a green strip with text over the top of o: what
// the kiosk did at staff's request (settings saved and applied) after it
// changed the screen. It takes no touch: o under it works as before. The
// strip is as wide as its words need, from the left, so that it leaves
// alone what is at the right of the screen (the demo's reader panel).
func ConfirmationOver(o fyne.CanvasObject, text string) fyne.CanvasObject {
	p := newNote(toneGreen, theme.ConfirmIcon(), text)
	// The words on one line, the icon and the note's paddings, with room
	// to spare for rounding.
	th := fyne.CurrentApp().Settings().Theme()
	w := fyne.MeasureText(text, th.Size(SizeNameNote), fyne.TextStyle{Bold: true}).Width +
		2*panelInset + noteIconPx + 4*th.Size(theme.SizeNamePadding)
	return container.NewStack(o, container.New(confirmationLayout{width: w}, p.root))
}

// confirmationLayout puts the strip confirmationMargin from the top left,
// width wide at most (and confirmationMargin short of the right edge).
type confirmationLayout struct{ width float32 }

const confirmationMargin float32 = 96

func (l confirmationLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := max(min(l.width, size.Width-2*confirmationMargin), 0)
	for _, o := range objs {
		o.Resize(fyne.NewSize(w, o.MinSize().Height))
		o.Resize(fyne.NewSize(w, o.MinSize().Height)) // wrapped at its width
		o.Move(fyne.NewPos(confirmationMargin, confirmationMargin))
	}
}

// MinSize is nothing: the strip lies over the screen.
func (confirmationLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }

// The design size: every view of every screen fits DesignWidth ×
// DesignHeight units (ui's fit tests), the 1280×720 of the smallest panel
// a kiosk is installed with, at scale 1.
const (
	DesignWidth  = 1280
	DesignHeight = 720
)

// KioskScale is the scale the kiosk runs at on a display (or window) of
// w×h pixels when its configuration asks for want (0 means 1): want,
// lowered where needed so that the window still holds DesignWidth ×
// DesignHeight units, in tenths rounded down (Fyne rounds a scale to
// tenths: 1.25 would become 1.3 and no longer fit), and at least 0.5.
//
// Fyne alone multiplies by the display's density (a 10" 1280×800 panel
// gets about 1.2, and 1067×667 units do not hold the views): the kiosk
// turns that detection off and runs at this scale instead.
func KioskScale(w, h int, want float64) float32 {
	if want <= 0 {
		want = 1
	}
	s := want
	if w > 0 && h > 0 {
		s = min(s, float64(w)/DesignWidth, float64(h)/DesignHeight)
	}
	s = math.Floor(s*10+1e-9) / 10
	return float32(max(s, 0.5))
}
