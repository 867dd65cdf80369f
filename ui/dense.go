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

// newDense stacks labels close together (see denseLayout), and rows of
// labels (a container of labels, such as a caption beside its value).
// Anything else keeps its own size and padding.
func newDense(objs ...fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: denseLayout{}, Objects: objs}
}

// denseTrim is how much of o's padding on each side overlaps its
// neighbours: a label's inner padding less denseInset; for a row of
// labels, the least of theirs.
func denseTrim(o fyne.CanvasObject) float32 {
	switch x := o.(type) {
	case *widget.Label:
		return max(theme.CurrentForWidget(x).Size(theme.SizeNameInnerPadding)-denseInset, 0)
	case *fyne.Container:
		t, any := float32(0), false
		for _, c := range x.Objects {
			if !c.Visible() {
				continue
			}
			ct := denseTrim(c)
			if ct == 0 {
				return 0
			}
			if !any || ct < t {
				t, any = ct, true
			}
		}
		return t
	}
	return 0
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

// newInset holds one object and leaves inset around what it draws, with
// no theme override: a label's inner padding shrinks to inset (the label
// is laid out larger than the holder, its padding outside); any other
// widget is given the holder's size and asks for that much less height
// than its own minimum (a progress bar's height is its text plus its
// inner padding). For a header or footer line of small text.
func newInset(o fyne.CanvasObject, inset float32) *fyne.Container {
	return &fyne.Container{Layout: insetLayout{inset: inset}, Objects: []fyne.CanvasObject{o}}
}

type insetLayout struct{ inset float32 }

func (l insetLayout) trim(o fyne.CanvasObject) float32 {
	return max(theme.CurrentForWidget(o).Size(theme.SizeNameInnerPadding)-l.inset, 0)
}

func (l insetLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		if _, ok := o.(*widget.Label); !ok {
			o.Move(fyne.NewPos(0, 0))
			o.Resize(size)
			continue
		}
		t := l.trim(o)
		o.Move(fyne.NewPos(-t, -t))
		o.Resize(size.AddWidthHeight(2*t, 2*t))
	}
}

func (l insetLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		t := l.trim(o)
		ms := o.MinSize()
		if _, ok := o.(*widget.Label); ok {
			ms = ms.SubtractWidthHeight(2*t, 2*t)
		} else {
			ms.Height -= 2 * t
		}
		s = s.Max(ms)
	}
	return s
}
