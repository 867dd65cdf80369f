package ui

import (
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"mensakiosk/app"
)

var (
	update     = flag.Bool("update", false, "rewrite the markup goldens in testdata/ instead of comparing")
	screenshot = flag.String("screenshot", "", "write a PNG of the served-with-diet screen to this file (TestScreenshot)")
)

// The fixtures: Monday 23 November 2026 in a fixed zone, lunch 11:30–14:30.
var (
	rome   = time.FixedZone("CET", 3600)
	noon   = time.Date(2026, 11, 23, 12, 7, 0, 0, rome)
	asOf   = time.Date(2026, 11, 22, 20, 15, 0, 0, rome)
	window = app.ServiceWindow{Start: 11*60 + 30, End: 14*60 + 30}
	marco  = app.Pupil{ID: "P00001", AccountID: "F0001", FirstName: "Marco", LastName: "Rossi",
		School: "Scuola Primaria Dante Alighieri", Class: "3B", MealPrice: 390}
	celiac = app.Diet{Code: "GLUT", Name: "Senza glutine (celiachia)", Allergens: []string{"glutine"}}
)

const kioskW, kioskH = 1280, 800

func idleStatus() app.IdleStatus {
	return app.IdleStatus{Now: noon, Day: "2026-11-23", Service: app.ServiceLunch, InWindow: true,
		Window: window, ServedToday: 41, Waiting: 3}
}

// newTestScreen builds a canteen screen in a 1280×800 test window, with the
// kiosk theme, a connected reader and an offline central server.
func newTestScreen(t *testing.T, lang string, timeout time.Duration) (*CanteenScreen, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(KioskTheme())
	s := NewCanteenScreen(MustCatalogue(lang), CanteenOptions{Location: rome, ResultTimeout: timeout})
	t.Cleanup(s.Close)
	s.SetIdle(idleStatus())
	s.SetReader(app.ReaderStatus{State: app.ReaderConnected, Port: "/dev/ttyUSB0"})
	s.SetSync(app.SyncStatus{Configured: true, Online: false, OfflineSince: noon.Add(-27 * time.Minute),
		Waiting: 3, LastSync: noon.Add(-28 * time.Minute)})
	w := test.NewTempWindow(t, s.Content())
	w.SetPadded(false)
	w.Resize(fyne.NewSize(kioskW, kioskH))
	return s, w
}

func served(p app.Pupil) app.TapResult {
	return app.TapResult{Outcome: app.OutcomeServed, Badge: "1A00A10025", At: noon, Pupil: &p,
		Meal: &app.Meal{PupilID: p.ID, At: noon.UTC(), Price: p.MealPrice}, Balance: 1230, BalanceAsOf: asOf,
		Window: window}
}

// results are the screens of every outcome and modifier, by golden name.
func results() []struct {
	name string
	r    app.TapResult
} {
	diet := marco
	diet.FirstName, diet.LastName, diet.Class = "Giulia", "Bianchi", "2A"
	diet.Diet = &celiac
	dietBland := diet
	dietBland.Diet = &app.Diet{Code: "NUTS", Name: "Allergia frutta a guscio", Allergens: []string{"frutta a guscio", "arachidi"}}

	sDiet := served(diet)
	sBland := served(marco)
	sBland.Bland = true
	sBoth := served(dietBland)
	sBoth.Bland, sBoth.CancelledToday, sBoth.LowBalance, sBoth.Balance = true, true, true, 480
	sLow := served(marco)
	sLow.LowBalance, sLow.Balance = true, 480
	sNeg := served(marco)
	sNeg.LowBalance, sNeg.BelowZero, sNeg.Balance = true, true, -320
	sCancel := served(marco)
	sCancel.CancelledToday = true
	already := app.TapResult{Outcome: app.OutcomeAlreadyServed, Badge: "1A00A10025", At: noon.Add(40 * time.Minute),
		Pupil: &marco, Meal: &app.Meal{At: noon.UTC()}, Balance: 1230, Window: window}
	return []struct {
		name string
		r    app.TapResult
	}{
		{"unknown", app.TapResult{Outcome: app.OutcomeUnknownBadge, Badge: "1F00C0FFEE", At: noon}},
		{"blocked", app.TapResult{Outcome: app.OutcomeBlockedBadge, Badge: "1A00A10025", At: noon, Pupil: &marco}},
		{"outside_window", app.TapResult{Outcome: app.OutcomeOutsideWindow, Badge: "1A00A10025",
			At: noon.Add(-3 * time.Hour), Pupil: &marco, Balance: 1620, Window: window}},
		{"already_served", already},
		{"refused_floor", app.TapResult{Outcome: app.OutcomeRefusedFloor, Badge: "1A00A10025", At: noon,
			Pupil: &marco, Balance: 120, BelowZero: false, LowBalance: true, Window: window}},
		{"served", served(marco)},
		{"served_diet", sDiet},
		{"served_bland", sBland},
		{"served_diet_bland_cancelled_low", sBoth},
		{"served_low_balance", sLow},
		{"served_below_zero", sNeg},
		{"served_cancelled", sCancel},
	}
}

// assertMarkup compares the window's markup with testdata/canteen/name.xml,
// or writes it there with -update.
func assertMarkup(t *testing.T, name string, w fyne.Window) {
	t.Helper()
	path := "canteen/" + name + ".xml"
	if *update {
		full := filepath.Join("testdata", path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(test.RenderToMarkup(w.Canvas())), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	test.AssertRendersToMarkup(t, path, w.Canvas())
}

// TestCanteenResults taps through every result screen, as one kiosk would
// see them in a row, and compares each with its markup golden.
func TestCanteenResults(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	assertMarkup(t, "idle", w)
	for _, tc := range results() {
		s.ShowResult(tc.r)
		if s.current() != viewResult {
			t.Fatalf("%s: view %d, want the result", tc.name, s.current())
		}
		assertMarkup(t, tc.name, w)
	}
}

func TestCanteenEnglish(t *testing.T) {
	s, w := newTestScreen(t, "en", time.Hour)
	assertMarkup(t, "idle_en", w)
	for _, tc := range results() {
		if tc.name == "served_diet_bland_cancelled_low" {
			s.ShowResult(tc.r)
			assertMarkup(t, "served_diet_bland_cancelled_low_en", w)
		}
	}
}

func TestIdleStates(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	st := idleStatus()
	st.InWindow = false
	st.Now = noon.Add(-3 * time.Hour)
	s.SetIdle(st)
	s.SetReader(app.ReaderStatus{State: app.ReaderDisconnected, Port: "/dev/ttyUSB0", Err: "no such file or directory"})
	s.SetSync(app.SyncStatus{Configured: false, Waiting: 1})
	if !s.readerDown.root.Visible() || !s.outsideWindow.root.Visible() || s.readerNone.root.Visible() {
		t.Error("idle notes: want reader down and outside window")
	}
	assertMarkup(t, "idle_reader_down_outside_standalone", w)

	s.SetReader(app.ReaderStatus{State: app.ReaderNone})
	s.SetSync(app.SyncStatus{Configured: true, Online: true, LastSync: st.Now.Add(-time.Minute)})
	if s.readerDown.root.Visible() || !s.readerNone.root.Visible() {
		t.Error("idle notes: want no reader")
	}
	assertMarkup(t, "idle_no_reader_online", w)

	s.SetReader(app.ReaderStatus{State: app.ReaderConnecting, Port: "COM3"})
	if got := s.readerText.Text; got != "Lettore: connessione in corso (COM3)" {
		t.Errorf("reader text %q", got)
	}
	if got := s.syncText.Text; got != "Server centrale collegato · ultima sincronizzazione 09:06" {
		t.Errorf("sync text %q", got)
	}
	s.SetSync(app.SyncStatus{Configured: true, Waiting: 1})
	if got := s.syncText.Text; got != "Server centrale non raggiungibile · 1 evento da inviare · mai sincronizzato" {
		t.Errorf("sync text %q", got)
	}
}

// TestBanner checks that the diet banner is shown exactly when the result
// asks for it: a served pupil with a special diet or today's bland meal.
func TestBanner(t *testing.T) {
	s, _ := newTestScreen(t, "it", time.Hour)
	for _, tc := range results() {
		s.ShowResult(tc.r)
		if got, want := s.banner.root.Visible(), tc.r.Banner(); got != want {
			t.Errorf("%s: banner shown %v, Banner() %v", tc.name, got, want)
		}
	}
	// A diet on a result that is not a meal served has no banner.
	p := marco
	p.Diet = &celiac
	s.ShowResult(app.TapResult{Outcome: app.OutcomeAlreadyServed, Pupil: &p, Meal: &app.Meal{At: noon}})
	if s.banner.root.Visible() {
		t.Error("banner shown for an already served pupil")
	}
	r := served(p)
	r.Bland = true
	s.ShowResult(r)
	if !s.banner.root.Visible() || s.banner.title.Text != "DIETA SPECIALE + PASTO IN BIANCO" ||
		s.banner.lines[0].Text != "Senza glutine (celiachia)" || s.banner.lines[1].Text != "Allergeni: glutine" {
		t.Errorf("banner: %q %q %q", s.banner.title.Text, s.banner.lines[0].Text, s.banner.lines[1].Text)
	}
}

func TestResultTexts(t *testing.T) {
	s, _ := newTestScreen(t, "it", time.Hour)
	for _, tc := range []struct {
		name  string
		panel *panel
		title string
	}{
		{"unknown", s.red, "Badge non riconosciuto"},
		{"blocked", s.red, "Badge bloccato"},
		{"outside_window", s.amber, "Fuori orario"},
		{"already_served", s.amber, "Già servito alle 12:07"},
		{"refused_floor", s.red, "Saldo insufficiente"},
		{"served", s.green, "Marco R. — 3B"},
	} {
		for _, r := range results() {
			if r.name != tc.name {
				continue
			}
			s.ShowResult(r.r)
			if !tc.panel.root.Visible() || tc.panel.title.Text != tc.title {
				t.Errorf("%s: panel visible %v, title %q, want %q", tc.name, tc.panel.root.Visible(), tc.panel.title.Text, tc.title)
			}
			for _, p := range []*panel{s.green, s.amber, s.red} {
				if p != tc.panel && p.root.Visible() {
					t.Errorf("%s: another panel is visible too", tc.name)
				}
			}
		}
	}
	s.ShowResult(results()[0].r)
	if got := s.red.small.Text; got != "Codice badge: 1F00C0FFEE" {
		t.Errorf("unknown badge id line %q", got)
	}
	s.ShowResult(served(marco))
	if got := s.green.lines[1].Text; got != "Saldo previsto 12,30 €" {
		t.Errorf("balance line %q", got)
	}
	if got := s.green.small.Text; got != "aggiornato al 22/11/2026 alle 20:15" {
		t.Errorf("as-of line %q", got)
	}
	// The counter comes from the idle status, which the wiring refreshes
	// after each tap.
	s.SetIdle(app.IdleStatus{Now: noon, Day: "2026-11-23", Service: app.ServiceLunch, InWindow: true, Window: window, ServedToday: 42})
	if got := s.served.Text; got != "Pasti serviti oggi: 42" {
		t.Errorf("counter %q", got)
	}
}

func TestIgnoredChangesNothing(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	before := test.RenderToMarkup(w.Canvas())
	s.ShowResult(app.TapResult{Outcome: app.OutcomeIgnored, Badge: "1A00A10025", At: noon})
	if s.current() != viewIdle || test.RenderToMarkup(w.Canvas()) != before {
		t.Error("an ignored tap changed the idle screen")
	}
	s.ShowResult(served(marco))
	before = test.RenderToMarkup(w.Canvas())
	s.ShowResult(app.TapResult{Outcome: app.OutcomeIgnored, Badge: "1A00A10025", At: noon})
	if s.current() != viewResult || test.RenderToMarkup(w.Canvas()) != before {
		t.Error("an ignored tap changed the result on screen")
	}
}

// TestReturnToIdle checks that a result goes back to idle by itself after
// the timeout, and that a new result replaces the current one at once and
// restarts the timeout.
func TestReturnToIdle(t *testing.T) {
	const timeout = 200 * time.Millisecond
	s, _ := newTestScreen(t, "it", timeout)
	start := time.Now()
	s.ShowResult(served(marco))
	if s.current() != viewResult {
		t.Fatal("result not shown")
	}
	waitIdle(t, s, start, timeout)

	// A second result within the timeout replaces the first and restarts it.
	s.ShowResult(results()[0].r)
	time.Sleep(timeout * 6 / 10)
	start = time.Now()
	s.ShowResult(served(marco))
	s.mu.Lock()
	green := s.green.root.Visible() && !s.red.root.Visible()
	s.mu.Unlock()
	if !green {
		t.Error("the new result did not replace the old one")
	}
	time.Sleep(timeout * 6 / 10) // past the first result's timeout, not the second's
	if s.current() != viewResult {
		t.Error("the first result's timer sent the second result back to idle")
	}
	waitIdle(t, s, start, timeout)
}

func waitIdle(t *testing.T, s *CanteenScreen, start time.Time, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for s.current() != viewIdle {
		if time.Now().After(deadline) {
			t.Fatal("the result did not return to idle")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := time.Since(start); d < timeout {
		t.Errorf("returned to idle after %s, before the timeout %s", d, timeout)
	}
}

func TestErrors(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	s.ShowResult(served(marco))
	s.ShowError("storage: tap 1A00A10025: timeout waiting for the database lock")
	if s.current() != viewError || !s.dismiss.Visible() {
		t.Fatal("error view not shown with its dismiss button")
	}
	if got := s.errPanel.title.Text; got != "Errore: il pasto NON è stato registrato" {
		t.Errorf("error title %q", got)
	}
	assertMarkup(t, "error", w)
	test.Tap(s.dismiss)
	if s.current() != viewIdle {
		t.Error("dismiss did not return to idle")
	}

	s.ShowStartupError("open /var/lib/mensakiosk/kiosk.db: timeout (is another kiosk process running?)")
	if s.current() != viewError || s.dismiss.Visible() {
		t.Fatal("startup error: want the error view without dismiss")
	}
	assertMarkup(t, "error_startup", w)
	s.ShowResult(app.TapResult{Outcome: app.OutcomeIgnored})
	if s.current() != viewError {
		t.Error("an ignored tap cleared the error")
	}
	s.ShowResult(served(marco))
	if s.current() != viewResult {
		t.Error("the next result did not replace the error")
	}
}

// TestPostFromGoroutines drives the screen as the wiring does, from other
// goroutines through the Post variants; run with -race.
func TestPostFromGoroutines(t *testing.T) {
	s, _ := newTestScreen(t, "it", 20*time.Millisecond)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			s.PostReader(app.ReaderStatus{State: app.ReaderState(i % 4), Port: "/dev/ttyUSB0"})
			s.PostResult(served(marco))
			s.PostSync(app.SyncStatus{Configured: true, Online: i%2 == 0, Waiting: i})
			s.PostIdle(idleStatus())
			time.Sleep(2 * time.Millisecond)
		}
		s.PostError("disk full")
		s.PostStartupError("database corrupt")
	}()
	<-done
	if s.current() != viewError {
		t.Error("want the error view at the end")
	}
}

func TestSidePanel(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	p := NewDemoPanel(s.tr, demoEntries(30), nil)
	s.SetSidePanel(p.Content())
	if !s.side.Visible() || len(s.side.Objects) != 1 {
		t.Fatal("side panel not shown")
	}
	s.ShowResult(results()[6].r)
	assertMarkup(t, "demo_served_diet", w)
	s.SetSidePanel(nil)
	if s.side.Visible() {
		t.Error("side panel not removed")
	}
}

// TestScreenshot writes the README's screenshot when asked:
//
//	go test ./ui -run TestScreenshot -args -screenshot ../docs/screenshot-canteen.png
func TestScreenshot(t *testing.T) {
	if *screenshot == "" {
		t.Skip("no -screenshot file given")
	}
	s, w := newTestScreen(t, "it", time.Hour)
	for _, tc := range results() {
		if tc.name == "served_diet_bland_cancelled_low" {
			s.ShowResult(tc.r)
		}
	}
	img := w.Canvas().Capture()
	if err := os.MkdirAll(filepath.Dir(*screenshot), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(*screenshot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%v)", *screenshot, img.Bounds().Size())
}
