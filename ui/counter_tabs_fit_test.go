package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// TestCounterTabsFitNarrowScreen: the family view's seven tabs stay inside
// the role screen where the demo panel leaves it narrow (1280×720 and
// 1280×800 with the panel showing the demo's families: about 980 px); the
// tabs keep their words and drop their icons there. With room they keep
// both.
func TestCounterTabsFitNarrowScreen(t *testing.T) {
	for _, size := range []fyne.Size{{Width: 960, Height: 720}, {Width: 960, Height: 800}, {Width: 1280, Height: 800}} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			newKioskApp(t)
			// The family's counter with a (empty) menu: the family view then
			// has all seven tabs.
			f := newFamilyBackend(t, nil)
			f.c.SetMenuBook(&app.MenuBook{})
			s := NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")},
				f.c, CounterOptions{PollInterval: time.Hour})
			t.Cleanup(func() { s.Close(); s.wait() })
			s.SetSync(app.SyncStatus{Configured: true, Online: true})
			w := newSizedWindow(t, WindowContent(s.Content()), size)
			s.PostBadge("0A00000001")
			s.wait()
			settle(w, size)
			s.wait()
			var tabs []placed
			var objs []placed
			placedObjects(w.Content(), fyne.Position{}, nil, &objs)
			for _, p := range objs {
				if b, ok := p.o.(*widget.Button); ok {
					switch {
					case b.Text == "Figli", b.Text == "Pasti", b.Text == "Prenotazioni", b.Text == "Ricarica", b.Text == "Avvisi",
						b.Text == "Menù", strings.HasPrefix(b.Text, "Messaggi"):
						tabs = append(tabs, p)
					}
				}
			}
			if len(tabs) != 7 {
				t.Fatalf("%d tabs found (Figli, Pasti, Prenotazioni, Ricarica, Avvisi, Messaggi, Menù)", len(tabs))
			}
			last := tabs[len(tabs)-1]
			t.Logf("%d tabs, the last %q ends at %.0f", len(tabs), last.o.(*widget.Button).Text, last.pos.X+last.size.Width)
			for _, p := range tabs {
				b := p.o.(*widget.Button)
				if right := p.pos.X + p.size.Width; right > size.Width {
					t.Errorf("the tab %q ends at %.0f, past the %.0f-wide screen", b.Text, right, size.Width)
				}
				if p.size.Width < b.MinSize().Width {
					t.Errorf("the tab %q is %.0f wide, less than its %.0f", b.Text, p.size.Width, b.MinSize().Width)
				}
				if size.Width >= 1280 && b.Icon == nil {
					t.Errorf("the tab %q lost its icon on a %.0f-wide screen", b.Text, size.Width)
				}
			}
		})
	}
}
