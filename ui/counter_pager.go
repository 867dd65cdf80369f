package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// counterPageShort is the page label where the pager is narrow: "2/5".
func counterPageShort(page, pages int) string {
	return strconv.Itoa(page+1) + "/" + strconv.Itoa(max(pages, 1))
}

// newCounterPager lays previous, the page label and next in a row. The
// buttons keep their words ("Precedente", "Successivo") and the label its
// long form ("2 / 5") where the row holds all of them; where it does not
// (a column of the home view beside the demo panel), the buttons show
// their arrows alone and the label its short form ("2/5"): the page
// number is always read whole, never cut to an ellipsis.
func newCounterPager(prev, next *widget.Button, where *widget.Label, text, short string) fyne.CanvasObject {
	l := &counterPagerLayout{prev: prev, next: next, where: where,
		prevText: prev.Text, nextText: next.Text, text: text, short: short, wide: true}
	where.SetText(text)
	l.wideW = prev.MinSize().Width + next.MinSize().Width + labelTextWidth(where, text)
	l.setWide(false)
	l.narrow = fyne.NewSize(prev.MinSize().Width+next.MinSize().Width+labelTextWidth(where, short),
		max(prev.MinSize().Height, next.MinSize().Height, where.MinSize().Height))
	l.setWide(true)
	// The label first, as a border layout had it (the markup tests).
	return container.New(l, where, prev, next)
}

// counterPagerLayout is the pager's row (newCounterPager).
type counterPagerLayout struct {
	prev, next         *widget.Button
	where              *widget.Label
	prevText, nextText string
	text, short        string
	wide               bool
	// wideW is the width the row needs with the words; narrow the size
	// it needs without them (its MinSize).
	wideW  float32
	narrow fyne.Size
}

// setWide gives the buttons and the label their long or short texts.
func (l *counterPagerLayout) setWide(wide bool) {
	if l.wide == wide {
		return
	}
	l.wide = wide
	pt, nt, wt := "", "", l.short
	if wide {
		pt, nt, wt = l.prevText, l.nextText, l.text
	}
	l.prev.SetText(pt)
	l.next.SetText(nt)
	l.where.SetText(wt)
}

func (l *counterPagerLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	l.setWide(size.Width >= l.wideW+2*pad)
	pw, nw := l.prev.MinSize().Width, l.next.MinSize().Width
	l.prev.Move(fyne.NewPos(0, 0))
	l.prev.Resize(fyne.NewSize(pw, size.Height))
	l.next.Move(fyne.NewPos(size.Width-nw, 0))
	l.next.Resize(fyne.NewSize(nw, size.Height))
	l.where.Move(fyne.NewPos(pw+pad, 0))
	l.where.Resize(fyne.NewSize(max(0, size.Width-pw-nw-2*pad), size.Height))
}

func (l *counterPagerLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return l.narrow.AddWidthHeight(2*theme.Padding(), 0)
}

// labelTextWidth is the width label l needs to show text on one line
// whole, with its padding (its MinSize is an ellipsis's when it truncates).
func labelTextWidth(l *widget.Label, text string) float32 {
	th := theme.CurrentForWidget(l)
	size := th.Size(l.SizeName)
	if l.SizeName == "" {
		size = th.Size(theme.SizeNameText)
	}
	return fyne.MeasureText(text, size, l.TextStyle).Width + 2*th.Size(theme.SizeNameInnerPadding)
}
