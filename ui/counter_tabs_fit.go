package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// newCounterTabs lays the family view's tab buttons in a row, as an HBox
// does. Where the row is narrower than the tabs with their icons (the
// role screen beside the demo panel at 1280×720 or 1280×800 holds about
// 980 px, seven tabs with icons take 1084 and the last one, Menù, was off
// the screen), the row shows the same tabs without icons, words only.
// Fyne's button keeps counting an icon it once had in its MinSize, so the
// row holds a second set of buttons without icons and shows one set.
func newCounterTabs(buttons []*widget.Button) *fyne.Container {
	l := &counterTabsLayout{}
	objs := make([]fyne.CanvasObject, 0, 2*len(buttons))
	for _, b := range buttons {
		bare := widget.NewButton(b.Text, b.OnTapped)
		bare.Importance = b.Importance
		if b.Disabled() {
			bare.Disable()
		}
		bare.Hide()
		l.full = append(l.full, b)
		l.bare = append(l.bare, bare)
		objs = append(objs, b)
	}
	for _, b := range l.bare {
		objs = append(objs, b)
	}
	return container.New(l, objs...)
}

// counterTabsLayout is newCounterTabs' layout: the tabs with icons (full)
// or without (bare), one set shown.
type counterTabsLayout struct {
	full, bare []*widget.Button
	bareShown  bool
}

var counterTabsRow = layout.NewHBoxLayout()

// rowSize is the size of bs in a row, shown or not (an HBox's MinSize
// leaves hidden objects out).
func rowSize(bs []*widget.Button) fyne.Size {
	var sz fyne.Size
	for i, b := range bs {
		m := b.MinSize()
		sz.Width += m.Width
		if i > 0 {
			sz.Width += theme.Padding()
		}
		sz.Height = max(sz.Height, m.Height)
	}
	return sz
}

func (l *counterTabsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	bare := size.Width < rowSize(l.full).Width
	if bare != l.bareShown {
		l.bareShown = bare
		show, hide := l.full, l.bare
		if bare {
			show, hide = l.bare, l.full
		}
		for i := range show {
			hide[i].Hide()
			show[i].Show()
		}
	}
	counterTabsRow.Layout(objs, size) // lays out the shown set
}

// MinSize is the row without icons: it fits there.
func (l *counterTabsLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	full, bare := rowSize(l.full), rowSize(l.bare)
	return fyne.NewSize(bare.Width, max(full.Height, bare.Height))
}
