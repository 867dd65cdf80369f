package ui

import (
	"sync/atomic"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

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
// for the family view's row of tabs (counter_tabrow.go), which is made
// once with its scope and takes a new scope once for each new family,
// never at an action.
func TestCounterSessionMakesNoThemeScopes(t *testing.T) {
	f := newCounterFixture(t, true)
	before := fyneOverrideCount.Load()
	step := func(name string, allowed uint32) {
		t.Helper()
		if n := fyneOverrideCount.Load() - before; n > allowed {
			t.Errorf("after %s: %d theme scopes made, want at most %d", name, n, allowed)
		}
		before = fyneOverrideCount.Load()
	}
	f.s.PostBadge("0A99999999") // unknown: the error line
	f.s.wait()
	step("an unknown badge", 0)
	f.tap(t, "Identificati con il codice fiscale")
	f.type_(t, tCF)
	f.tap(t, "Avanti")
	f.type_(t, "1")
	f.tap(t, "Accedi")
	step("a wrong access code", 0)
	f.tap(t, "Annulla")
	for session := range 3 {
		f.s.PostBadge("0A00000001")
		f.s.wait()
		if session == 0 {
			step("the first family (the row of tabs is made)", 2)
		} else {
			step("another family (the row of tabs takes a new scope)", 1)
		}
		for _, tab := range []string{"Pasti", "Prenotazioni", "Avvisi", "Ricarica"} {
			f.tap(t, tab)
			step(tab, 0)
		}
		f.tap(t, "20,00 €")
		step("an amount", 0)
		f.tap(t, "Crea l'avviso di pagamento")
		step("making the avviso", 0) // "Attendere…" over the family view first
		f.tap(t, "Verifica il pagamento")
		step("checking the payment", 0)
		f.tap(t, "Indietro")
		step("back to the family", 0)
		f.tap(t, "Esci")
		step("signing out", 0)
	}
}

// TestStaffRowsMakeNoThemeScopes: the rows of a staff list (a page of
// pupils found, meals to void) make no theme scope when drawn.
func TestStaffRowsMakeNoThemeScopes(t *testing.T) {
	newKioskApp(t)
	before := fyneOverrideCount.Load()
	s := &StaffScreen{}
	w := test.NewTempWindow(t, container.NewVBox(
		s.row(theme.AccountIcon(), nil, "Rossi Mario · Primaria Dante 3B", "Saldo 12,00 €", "Badge 0A00000001"),
		s.row(nil, nil, "Pasto 23/11 12:04"),
	))
	w.Resize(fyne.NewSize(700, 400))
	if n := fyneOverrideCount.Load() - before; n != 0 {
		t.Errorf("two staff rows made %d theme scopes", n)
	}
}
