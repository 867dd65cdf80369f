package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestDemoPanelPagesToTheWindowHeight: the demo reader panel beside a
// screen, in windows from the developer's 1600×900 down to a 1280×720
// display and lower: every page of the panel fits the height it is given
// (fewer badges a page on a lower window), and the panel asks the window
// for no height, so it never makes the window taller than the display.
func TestDemoPanelPagesToTheWindowHeight(t *testing.T) {
	test.NewTempApp(t)
	tr := MustCatalogue("it")
	var entries []DemoEntry
	for i := range 30 {
		e := DemoEntry{Label: fmt.Sprintf("Alunno %d. 3B", i), Frame: []byte{2, 3}}
		if i%3 == 0 { // a staff member's entry is taller: its PIN on another line
			e = DemoEntry{Label: fmt.Sprintf("Maria Cuoca %d", i), Tags: []DemoTag{DemoTagStaff}, Detail: "1234", Frame: []byte{2, 3}}
		}
		entries = append(entries, e)
	}
	pages := map[float32]int{}
	for _, h := range []float32{900, 720, 600} {
		p := NewDemoPanel(tr, entries, nil)
		screen := widget.NewLabel("schermo")
		w := test.NewWindow(WithSidePanel(screen, p.Fitted()))
		defer w.Close()
		w.Resize(fyne.NewSize(1280, h))
		w.Content().Refresh()
		if got := NewDemoPanel(tr, entries, nil).Fitted().MinSize().Height; got != 0 {
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
