//go:build demo

package main

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/ui"
)

// TestDemoPanelPagesToTheWindowHeight: the demo reader panel beside a
// screen, in windows from the developer's 1600×900 down to a 1280×720
// display and lower: every page of the panel fits the height it is given
// (fewer badges a page on a lower window), and the panel asks the window
// for no height, so it never makes the window taller than the display.
func TestDemoPanelPagesToTheWindowHeight(t *testing.T) {
	test.NewTempApp(t)
	tr := ui.MustCatalogue("it")
	var entries []ui.DemoEntry
	for i := range 30 {
		e := ui.DemoEntry{Label: fmt.Sprintf("Alunno %d. 3B", i), Frame: []byte{2, 3}}
		if i%3 == 0 { // a staff member's entry is taller: its PIN on another line
			e = ui.DemoEntry{Label: fmt.Sprintf("Maria Cuoca %d", i), Tags: []ui.DemoTag{ui.DemoTagStaff}, Detail: "1234", Frame: []byte{2, 3}}
		}
		entries = append(entries, e)
	}
	pages := map[float32]int{}
	for _, h := range []float32{900, 720, 600} {
		p := ui.NewDemoPanel(tr, entries, nil)
		screen := widget.NewLabel("schermo")
		w := test.NewWindow(withSidePanel(screen, fitDemoPanel(p)))
		defer w.Close()
		w.Resize(fyne.NewSize(1280, h))
		w.Content().Refresh()
		if got := fitDemoPanel(ui.NewDemoPanel(tr, entries, nil)).MinSize().Height; got != 0 {
			t.Errorf("the panel asks for %.0f of height", got)
		}
		pages[h] = p.Pages()
		for pg := range p.Pages() {
			p.SetPage(pg)
			if ms := p.Content().MinSize().Height; ms > h {
				t.Errorf("window height %.0f: page %d of %d needs %.0f", h, pg+1, p.Pages(), ms)
			}
		}
		t.Logf("window height %.0f: %d pages", h, p.Pages())
	}
	if !(pages[900] < pages[720] && pages[720] < pages[600]) {
		t.Errorf("pages by height %v: a lower window should page more", pages)
	}
}
