package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Lines of text read, not touched, sit close together: a label's own
// inner padding (the kiosk theme's, sized for buttons) would make every
// line twice as tall as its text. denseLayout packs labels without a
// theme of their own: each label keeps its size and its padding, and the
// padding of neighbours overlaps (a label draws no background), so that
// denseInset is left around each text and denseGap between two.
//
// It replaces a ThemeOverride with a smaller inner padding: Fyne 2.7
// gives an override a new theme scope each time it is refreshed, with
// its own parsed fonts, and the kiosk's views are built again at every
// tap and every action at the counter.
const (
	denseInset float32 = 3
	denseGap   float32 = 4
)

type denseLayout struct{}

// newDense stacks labels close together (see denseLayout). Anything that
// is not a label keeps its own size and padding.
func newDense(objs ...fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: denseLayout{}, Objects: objs}
}

// denseTrim is how much of o's padding on each side overlaps its
// neighbours.
func denseTrim(o fyne.CanvasObject) float32 {
	if _, ok := o.(*widget.Label); !ok {
		return 0
	}
	return max(theme.CurrentForWidget(o).Size(theme.SizeNameInnerPadding)-denseInset, 0)
}

func (denseLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	first := true
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		if !first {
			y += denseGap
		}
		first = false
		t := denseTrim(o)
		// The width first: a wrapping label's height follows it.
		o.Resize(fyne.NewSize(size.Width+2*t, o.Size().Height))
		h := o.MinSize().Height
		o.Move(fyne.NewPos(-t, y-t))
		o.Resize(fyne.NewSize(size.Width+2*t, h))
		y += h - 2*t
	}
}

func (denseLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	first := true
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		if !first {
			s.Height += denseGap
		}
		first = false
		t := denseTrim(o)
		ms := o.MinSize()
		s.Width = max(s.Width, ms.Width-2*t)
		s.Height += ms.Height - 2*t
	}
	return s
}
