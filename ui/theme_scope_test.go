package ui

import (
	"sync/atomic"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	"mensakiosk/app"
)

// fyneOverrideCount is Fyne's count of the theme-override scopes it ever
// made (fyne.io/fyne/v2/internal/cache.overrideCount). In Fyne 2.7 each
// scope gets its own parsed fonts in the painter's font cache, megabytes a
// scope, kept until the app's theme is set again; a ThemeOverride takes a
// new scope when it is made and each time it is refreshed.
//
//go:linkname fyneOverrideCount fyne.io/fyne/v2/internal/cache.overrideCount
var fyneOverrideCount atomic.Uint32

// TestCanteenMakesNoThemeScopes: the canteen screen, its menu board, its
// taps, results and status changes make no theme scope, so they parse no
// fonts.
func TestCanteenMakesNoThemeScopes(t *testing.T) {
	before := fyneOverrideCount.Load()
	s, _ := newTestScreen(t, "it", time.Hour)
	for range 3 {
		for _, tc := range results() {
			s.ShowResult(tc.r)
			s.SetIdle(idleStatus())
		}
		st := idleWithMenu()
		st.MenuAsOf = st.MenuAsOf.Add(time.Minute) // a new menu: the board is set again
		s.SetIdle(st)
		s.ShowError("disk full")
		s.ClearError()
		s.SetReader(app.ReaderStatus{State: app.ReaderDisconnected, Err: "gone"})
		s.SetReader(app.ReaderStatus{State: app.ReaderConnected})
		s.SetSync(app.SyncStatus{Configured: true, Online: true, Pulling: true})
		s.SetSync(app.SyncStatus{Configured: true, Online: true})
	}
	if n := fyneOverrideCount.Load() - before; n != 0 {
		t.Errorf("the canteen made %d theme scopes", n)
	}
}

// TestCounterSessionMakesNoThemeScopes: a family's session at the counter
// (every view is built again at each action) makes no theme scope, but
// for the family view's row of tabs (counter_family.go's counterTabsTheme,
// not yet theme-free): the steps that draw it are logged, not asserted.
func TestCounterSessionMakesNoThemeScopes(t *testing.T) {
	f := newCounterFixture(t, true)
	before := fyneOverrideCount.Load()
	step := func(name string) {
		t.Helper()
		if n := fyneOverrideCount.Load() - before; n != 0 {
			t.Errorf("after %s: %d theme scopes made", name, n)
			before += n
		}
	}
	tabs := func(name string) { // the family view's tab row: logged
		t.Helper()
		n := fyneOverrideCount.Load() - before
		t.Logf("after %s: %d theme scopes (the family view's tabs)", name, n)
		before += n
	}
	f.s.PostBadge("0A99999999") // unknown: the error line
	f.s.wait()
	step("an unknown badge")
	f.tap(t, "Identificati con il codice fiscale")
	f.type_(t, tCF)
	f.tap(t, "Avanti")
	f.type_(t, "1")
	f.tap(t, "Accedi")
	step("a wrong access code")
	f.tap(t, "Annulla")
	f.s.PostBadge("0A00000001")
	f.s.wait()
	tabs("the family")
	for _, tab := range []string{"Pasti", "Prenotazioni", "Avvisi", "Ricarica"} {
		f.tap(t, tab)
		tabs(tab)
	}
	f.tap(t, "20,00 €")
	tabs("an amount")
	f.tap(t, "Crea l'avviso di pagamento")
	tabs("making the avviso") // "Attendere…" over the family view first
	f.tap(t, "Verifica il pagamento")
	step("checking the payment")
	f.tap(t, "Indietro")
	tabs("back to the family")
	f.tap(t, "Esci")
	step("signing out")
}
