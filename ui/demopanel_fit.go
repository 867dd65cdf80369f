package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// WithSidePanel puts the demo panel at the right of a screen.
func WithSidePanel(content, panel fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, panel, content)
}

// Fitted lays the panel out in whatever height the window gives it: as
// many badges a page as fit on every page (a full screen 1280×720 holds
// fewer than the developer's 1600×900 window). It asks for no height of
// its own, so the panel never makes the window taller than the display.
func (p *DemoPanel) Fitted() fyne.CanvasObject {
	return container.New(&demoPanelLayout{p: p}, p.Content())
}

type demoPanelLayout struct {
	p *DemoPanel
	h float32 // the height the page size was chosen for
}

func (l *demoPanelLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if size.Height != l.h && size.Height > 0 {
		l.h = size.Height
		l.perPageFor(size.Height)
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// perPageFor sets the largest page size, up to DefaultDemoPerPage, at
// which every page of the panel fits height h (at least one badge a page).
func (l *demoPanelLayout) perPageFor(h float32) {
	n := DefaultDemoPerPage
	for ; n > 1; n-- {
		l.p.SetPerPage(n)
		fits := true
		for pg := range l.p.Pages() {
			l.p.SetPage(pg)
			if l.p.Content().MinSize().Height > h {
				fits = false
				break
			}
		}
		if fits {
			break
		}
	}
	l.p.SetPerPage(n) // back to the first page
}

// MinSize is the panel's width and no height: it pages to fit.
func (l *demoPanelLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w float32
	for _, o := range objs {
		w = max(w, o.MinSize().Width)
	}
	return fyne.NewSize(w, 0)
}
