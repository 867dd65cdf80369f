package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// TestCounterNewsKeepsPlaceOnResize: the home's news page as many words
// as the column holds; when the window (or the scale) changes the page
// size, the reader stays on the text being read (the first word shown is
// still on screen), and turning on from there reaches every later word,
// none skipped. By page number, page 4 of a long body at 1280×800 was
// text far before it beside the demo panel at 1280×720.
func TestCounterNewsKeepsPlaceOnResize(t *testing.T) {
	words := make([]string, 200)
	for i := range words {
		words[i] = fmt.Sprintf("w%03d", i)
	}
	// The counter on apptest with the home's news and nothing else.
	b := newCounterBackend(t, true, counterData{News: []app.News{
		{ID: "n0", Title: "Iscrizioni", Body: "Le iscrizioni si aprono il 7 gennaio.", Published: counterStart.Add(-24 * time.Hour)},
		{ID: "n1", Title: "Avviso lungo", Body: strings.Join(words, " "), Published: counterStart.Add(-48 * time.Hour)},
	}}).c
	newKioskApp(t)
	s := NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, b, CounterOptions{PollInterval: time.Hour})
	t.Cleanup(func() { s.Close(); s.wait() })
	s.SetSync(app.SyncStatus{Configured: true, Online: true})
	w := test.NewTempWindow(t, WindowContent(s.Content()))
	w.SetPadded(false)
	big, small := fyne.NewSize(1280, 800), fyne.NewSize(fitDemo720W, 720)
	resize := func(size fyne.Size) {
		w.Resize(size)
		s.wait()
		settle(w, size)
	}
	// shown is the long news' words on screen and the pager's text.
	shown := func() ([]string, string) {
		t.Helper()
		var got []string
		walk(w.Content(), func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "w") {
				got = strings.Fields(l.Text)
			}
		})
		labels := pagerLabels(w.Content())
		if len(labels) != 1 {
			t.Fatalf("%d pagers on the home view, want the news' one", len(labels))
		}
		return got, labels[0].Text
	}
	turn := func(forward bool) bool {
		t.Helper()
		var bt *widget.Button
		walk(w.Content(), func(o fyne.CanvasObject) {
			if c, ok := o.(*fyne.Container); ok {
				if _, prev, next, ok := pagerButtons(c); ok {
					bt = prev
					if forward {
						bt = next
					}
				}
			}
		})
		if bt == nil || bt.Disabled() {
			return false
		}
		test.Tap(bt)
		s.wait()
		settle(w, w.Canvas().Size())
		return true
	}
	next := func() bool { t.Helper(); return turn(true) }
	resize(big)
	for range 3 { // the short news, then two pages into the long one
		if !next() {
			t.Fatal("the news pager stopped early")
		}
	}
	read, bigPager := shown()
	if len(read) == 0 {
		t.Fatal("not on the long news after three pages")
	}
	for _, size := range []fyne.Size{small, big, small} {
		resize(size)
		got, pager := shown()
		if len(got) == 0 || got[0] != read[0] {
			t.Fatalf("at %.0f×%.0f the news shows %v…, no longer from %q, the first word being read", size.Width, size.Height, got[:min(3, len(got))], read[0])
		}
		if size == small && pager == bigPager {
			t.Fatalf("the page is %q at both sizes: the page size did not change, the test proves nothing", pager)
		}
	}
	// From the small page on, every later word comes once, in order.
	got, _ := shown()
	seen := got
	for next() {
		got, _ = shown()
		seen = append(seen, got...)
	}
	start := slices.Index(words, seen[0])
	if want := words[start:]; !slices.Equal(seen, want) {
		t.Errorf("turning on from %q showed %d words, want the %d after it in order", seen[0], len(seen), len(want))
	}
	// And back to the first page, at the small size: nothing skipped.
	back := map[string]bool{}
	for {
		got, _ := shown()
		for _, w := range got {
			back[w] = true
		}
		if !turn(false) {
			break
		}
	}
	for _, w := range words {
		if !back[w] {
			t.Errorf("turning back from the last page never showed %q", w)
			break
		}
	}
	if got, pager := shown(); len(got) != 0 || !(strings.HasPrefix(pager, "1/") || strings.HasPrefix(pager, "1 /")) {
		t.Errorf("the first page shows %v, page %q: want the short news, page 1", got, pager)
	}
}
