package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"mensakiosk/app"
)

// TestCounterNextFamilyStartsAtHome: after a sign-out, the idle wipe or a
// Reset (staff mode opening), the counter is on its home view in the
// configured language, whatever the previous parent chose.
func TestCounterNextFamilyStartsAtHome(t *testing.T) {
	f := newCounterFixture(t, true)
	f.s.Close()
	f.s = NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, f.c,
		CounterOptions{PollInterval: time.Hour, Language: "en"})
	f.s.SetSync(app.SyncStatus{Configured: true, Online: true})
	f.w.SetContent(f.s.Content())
	wantCounterTexts(t, f.texts(), "Hold your child's badge to the reader")

	home := func(how string) {
		t.Helper()
		got := f.texts()
		if !strings.Contains(got, "Hold your child's badge to the reader") || strings.Contains(got, "Marco") || strings.Contains(got, "Saldo") {
			t.Errorf("after %s the counter is not home in English:\n%s", how, got)
		}
		if _, ok := f.c.Current(); ok {
			t.Errorf("after %s a family is still current", how)
		}
	}
	// A parent switches to Italian and signs out.
	f.tap(t, "Italiano")
	f.s.PostBadge("0A00000001")
	wantCounterTexts(t, f.texts(), "Saldo 36,50 €")
	f.tap(t, "Esci")
	home("the sign-out")

	// The idle minute.
	f.tap(t, "Italiano")
	f.s.PostBadge("0A00000001")
	f.tap(t, "Prenotazioni")
	f.clk.Add(2 * time.Minute)
	f.s.Tick()
	home("the idle wipe")

	// Staff mode opening over a family's view.
	f.tap(t, "Italiano")
	f.s.PostBadge("0A00000001")
	f.tap(t, "Pasti")
	f.s.Reset()
	home("staff mode")
}

// TestCounterCodeErrorKeepsKeypad: the error after a wrong family code
// takes the hint's reserved place; the keypad does not move under the
// finger about to type the code again.
func TestCounterCodeErrorKeepsKeypad(t *testing.T) {
	f := newCounterFixture(t, true)
	f.w.Resize(fyne.NewSize(kioskW, kioskH))
	f.tap(t, "Identificati con il codice fiscale")
	f.type_(t, tCF)
	f.tap(t, "Avanti")
	keyAt := func() fyne.Position {
		t.Helper()
		f.s.Content().Refresh()
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(f.button(t, "5"))
	}
	before := keyAt()
	f.type_(t, "1")
	f.tap(t, "Accedi")
	wantCounterTexts(t, f.texts(), "Codice fiscale o codice di accesso non riconosciuti")
	if after := keyAt(); after != before {
		t.Errorf("the keypad moved from %v to %v with the error", before, after)
	}
}
