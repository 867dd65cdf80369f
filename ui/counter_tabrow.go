package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// The family view's row of tabs is made once per screen and put back in
// each family view, instead of being made again with the view at every
// action. Its buttons are a little tighter than the kiosk theme's
// (counterTabsTheme), through a theme override, and in Fyne 2.7 an
// override is costly when made again: each new scope parses the fonts
// again and renders the icons again, and Fyne keeps every canvas object
// it ever themed in a map it never empties, with the icon images they
// hold. At the counter that was 20 scopes and about half a MiB for good
// at each family's session (the soak's Go heap grew 18 → 37 MiB in 40
// sessions). Made once, the row's objects are the same at every session;
// its scope is taken again only once a session (a family identified
// after the row was last shown: tabRowFor), and a refresh of the view
// does not reach the override (refreshStop).

// counterTabRow is the family view's tabs, in the order shown.
type counterTabRow struct {
	root    *refreshStop
	over    *container.ThemeOverride
	row     *fyne.Container
	buttons map[familyTab]*widget.Button // with their icons
	bare    map[familyTab]*widget.Button // the same without (counter_tabs_fit.go)
	gen     uint64                       // the family session the row was last themed for
}

// tabRowFor returns the row for this family view: the tabs of specs, the
// current one in the high importance, each with its text.
func (s *CounterScreen) tabRowFor(specs []counterTabSpec) fyne.CanvasObject {
	r := s.tabRow
	if r == nil {
		r = &counterTabRow{buttons: map[familyTab]*widget.Button{}, bare: map[familyTab]*widget.Button{}}
		var full []*widget.Button
		for _, t := range specs {
			tab := t.tab
			bt := widget.NewButtonWithIcon(t.text, t.ico, s.act(func() { s.tab, s.errText = tab, "" }))
			r.buttons[tab] = bt
			full = append(full, bt)
		}
		row := newCounterTabs(full) // counter_tabs_fit.go
		for i, b := range row.Layout.(*counterTabsLayout).bare {
			r.bare[specs[i].tab] = b
		}
		r.row = row
		r.over = container.NewThemeOverride(row, counterTabsTheme{}) // counter_menu.go: seven tabs in the width
		r.root = newRefreshStop(r.over)
		r.gen = s.gen
		s.tabRow = r
	}
	changed := false
	for _, t := range specs {
		imp := widget.MediumImportance
		if s.tab == t.tab {
			imp = widget.HighImportance
		}
		for _, bt := range []*widget.Button{r.buttons[t.tab], r.bare[t.tab]} {
			if bt.Text != t.text || bt.Importance != imp {
				bt.Text, bt.Importance = t.text, imp
				changed = true
				if r.gen == s.gen {
					bt.Refresh()
				}
			}
		}
	}
	if r.gen != s.gen {
		// A new family: the row takes its scope again (Fyne drops a
		// scope's renderers when they have not been drawn for a while).
		r.gen = s.gen
		r.over.Refresh()
	} else if changed {
		relayout(r.row)
	}
	return r.root
}

// counterTabSpec is one tab of the family view.
type counterTabSpec struct {
	tab  familyTab
	text string
	ico  fyne.Resource
}

// refreshStop shows one object and does not pass a refresh down to it: a
// refresh of the view around it repaints it as it is. Whoever changes
// the object refreshes it.
type refreshStop struct {
	widget.BaseWidget
	content fyne.CanvasObject
}

func newRefreshStop(o fyne.CanvasObject) *refreshStop {
	r := &refreshStop{content: o}
	r.ExtendBaseWidget(r)
	return r
}

func (r *refreshStop) CreateRenderer() fyne.WidgetRenderer { return refreshStopRenderer{r} }

type refreshStopRenderer struct{ r *refreshStop }

func (x refreshStopRenderer) Layout(s fyne.Size)           { x.r.content.Resize(s) }
func (x refreshStopRenderer) MinSize() fyne.Size           { return x.r.content.MinSize() }
func (x refreshStopRenderer) Refresh()                     {}
func (x refreshStopRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{x.r.content} }
func (x refreshStopRenderer) Destroy()                     {}
