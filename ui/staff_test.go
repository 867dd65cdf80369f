package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
)

// kioskBackend is StaffBackend as cmd/kiosk wires it: the real staff desk
// (staff mode, the canteen's and the kiosk's staff actions) over apptest's
// in-memory store, clock and kiosk program; what only the wiring knows
// (the USB sticks, the outbox's summary, the reader's page) is given here.
type kioskBackend struct {
	*app.StaffDesk
	c     *app.Canteen
	s     *apptest.Store
	clk   *apptest.Clock
	kiosk *apptest.Kiosk
	dirs  []string
	// reader, when set, is what the reader page shows.
	reader *ReaderInfo
}

func newKioskBackend(t *testing.T) *kioskBackend {
	t.Helper()
	gf := &app.Diet{Code: "GF", Name: "Senza glutine", Allergens: []string{"glutine"}}
	week := []time.Weekday{1, 2, 3, 4, 5}
	return newKioskBackendWith(t, []app.Pupil{
		{ID: "P1", AccountID: "A1", FirstName: "Giulia", LastName: "Rossi", School: "Primaria Dante", Class: "3B", Weekdays: week, MealPrice: 450},
		{ID: "P2", AccountID: "A1", FirstName: "Marco", LastName: "Rossi", School: "Primaria Dante", Class: "1A", Weekdays: week, MealPrice: 450, Diet: gf},
	}, []app.Badge{{ID: "0100000001", PupilID: "P1"}})
}

// newKioskBackendWith is newKioskBackend with the given pupils (of account
// A1) and badges.
func newKioskBackendWith(t *testing.T, pupils []app.Pupil, badges []app.Badge) *kioskBackend {
	t.Helper()
	s := apptest.NewStore()
	asOf := noon.Add(-5 * time.Hour)
	if err := s.PutRoster(app.Roster{
		Accounts: []app.Account{{ID: "A1", Balance: 3650, BalanceAsOf: asOf}},
		Pupils:   pupils,
		Badges:   badges,
	}); err != nil {
		t.Fatal(err)
	}
	s.PutStaff(app.Staff{ID: "S1", Name: "Anna Cuoca", Role: app.StaffCanteen, PINHash: apptest.HashPIN("2468")})
	clk := apptest.NewClock(noon)
	m, err := app.NewStaffMode(s, clk, app.StaffConfig{}, apptest.VerifyPIN)
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.NewCanteen(s, clk, app.CanteenConfig{KioskID: "K1", Location: rome, Window: window, Debounce: 3 * time.Second, LowBalance: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kiosk := apptest.NewKiosk(app.KioskSettings{Role: "canteen", ReaderPort: "/dev/ttyUSB0", ReaderFormat: "rdm6300", ServerURL: "https://mensa.example.it",
		LowBalanceCents: 1000, WindowStart: "11:30", WindowEnd: "14:30", Debounce: "3s", IdleSeconds: 60})
	kiosk.CheckSettings(app.KioskSettings.Validate) // as cmd/kiosk validates a change
	tr := MustCatalogue("it")
	desk, err := app.NewStaffDesk(m, c, kiosk, app.StaffDeskConfig{KioskID: "K1", Header: func(k string) string { return tr.T(k) }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &kioskBackend{StaffDesk: desk, c: c, s: s, clk: clk, kiosk: kiosk, dirs: []string{t.TempDir()}}
}

// calls counts the kiosk program's calls of that name since the last look
// (apptest.Kiosk.Taken).
func (b *kioskBackend) calls(name string) int {
	n := 0
	for _, c := range b.kiosk.Taken() {
		if c == name {
			n++
		}
	}
	return n
}

func (b *kioskBackend) CandidateDirs() []string { return b.dirs }
func (b *kioskBackend) Outbox() (OutboxSummary, error) {
	return OutboxSummary{Sync: app.SyncStatus{Configured: true, Waiting: b.s.OutboxLen()}, Rejected: []RejectedItem{{Seq: 7, Reason: "unknown pupil \"P9\""},
		{Seq: 9, Code: app.RejectVoidOtherKiosk, Reason: "void_other_kiosk: meal m1 was recorded by kiosk porta-2"}}}, nil
}
func (b *kioskBackend) Reader() ReaderInfo {
	if b.reader != nil {
		return *b.reader
	}
	return ReaderInfo{Status: app.ReaderStatus{State: app.ReaderConnected, Port: "/dev/ttyUSB0"}, Accepted: 2, Rejected: 1,
		Frames: []ReaderFrame{{At: noon, Badge: "0100000001"}, {At: noon, Raw: "02 41 03", Err: "checksum"}}}
}
func (b *kioskBackend) Settings() app.KioskSettings { return b.kiosk.Settings() }

// --- walking the screen

// walk calls fn for every object under o, hidden ones left out, into the
// staff rows' lines and the counter's tap zone.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, fn)
		}
	case *container.ThemeOverride:
		walk(x.Content, fn)
	case *refreshStop: // counter_tabrow.go
		walk(x.content, fn)
	case *staffRow:
		for _, l := range x.lines {
			walk(l, fn)
		}
	case *counterTapZone:
		walk(x.obj, fn)
	}
}

// tappable is a button or a staff row, as tapButton finds them.
type tappable struct {
	text     string
	disabled bool
	obj      fyne.Tappable
}

func tappables(t *testing.T, root fyne.CanvasObject) []tappable {
	t.Helper()
	var out []tappable
	walk(root, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			out = append(out, tappable{x.Text, x.Disabled(), x})
		case *staffRow:
			if x.MinSize().Height < MinTouchTarget {
				t.Fatalf("staff row %q is %.0f high, less than a touch target", x.Text(), x.MinSize().Height)
			}
			out = append(out, tappable{x.Text(), false, x})
		}
	})
	return out
}

// tapButton taps the button or staff row whose text is text, or else
// contains it.
func tapButton(t *testing.T, s *StaffScreen, text string) {
	t.Helper()
	all := tappables(t, s.Content())
	for _, b := range all { // an exact match first: "R" is a key, not "Rossi Marco"
		if b.text == text {
			test.Tap(b.obj)
			return
		}
	}
	for _, b := range all {
		if strings.Contains(b.text, text) {
			if b.disabled {
				t.Fatalf("button %q is disabled", b.text)
			}
			test.Tap(b.obj)
			return
		}
	}
	var have []string
	for _, b := range all {
		have = append(have, b.text)
	}
	t.Fatalf("no button %q; have %q", text, have)
}

// screenText is every label's text on screen, joined by newlines.
func screenText(s *StaffScreen) string {
	var out []string
	walk(s.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text != "" {
			out = append(out, l.Text)
		} else if it, ok := o.(*inkText); ok && it.Text() != "" {
			out = append(out, it.Text())
		}
	})
	return strings.Join(out, "\n")
}

func wantText(t *testing.T, s *StaffScreen, want string) {
	t.Helper()
	if got := screenText(s); !strings.Contains(got, want) {
		t.Fatalf("screen lacks %q; shows:\n%s", want, got)
	}
}

func newStaffTestScreen(t *testing.T) (*StaffScreen, *kioskBackend) {
	t.Helper()
	return newStaffTestScreenWith(t, newKioskBackend(t))
}

func newStaffTestScreenWith(t *testing.T, b *kioskBackend) (*StaffScreen, *kioskBackend) {
	t.Helper()
	newKioskApp(t)
	s := NewStaffScreen(MustCatalogue("it"), b, StaffOptions{Location: rome, Now: b.clk.Now})
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(kioskW, kioskH))
	return s, b
}

// typeKeys taps the keys of keys, one rune each.
func typeKeys(t *testing.T, s *StaffScreen, keys string) {
	t.Helper()
	for _, k := range keys {
		tapButton(t, s, string(k))
	}
}

func typePIN(t *testing.T, s *StaffScreen, pin string) {
	t.Helper()
	typeKeys(t, s, pin)
	tapButton(t, s, "Entra")
}

func login(t *testing.T, s *StaffScreen) {
	t.Helper()
	s.Begin(nil)
	typePIN(t, s, "2468")
	wantText(t, s, "Modalità personale — Anna Cuoca")
}

func TestStaffScreenPINLockCountdown(t *testing.T) {
	s, b := newStaffTestScreen(t)
	s.Begin(nil)
	wantText(t, s, "Digitare il PIN")
	typePIN(t, s, "1111")
	wantText(t, s, "PIN errato")
	if strings.Contains(screenText(s), "1111") {
		t.Fatal("the PIN shows in clear")
	}
	tapButton(t, s, "1")
	tapButton(t, s, "2")
	wantText(t, s, "●●")
	tapButton(t, s, "Azzera")
	for range 4 {
		typePIN(t, s, "9999")
	}
	wantText(t, s, "bloccato fino alle 12:07 (ancora 0:30)")
	b.clk.Add(10 * time.Second)
	s.Tick()
	wantText(t, s, "(ancora 0:20)")
	typePIN(t, s, "2468") // the right PIN, while locked
	wantText(t, s, "(ancora 0:20)")
	b.clk.Add(20 * time.Second)
	s.Tick()
	if strings.Contains(screenText(s), "bloccato") {
		t.Fatal("the lock still shows after it ended")
	}
	typePIN(t, s, "2468")
	wantText(t, s, "Anna Cuoca")
}

func TestStaffScreenIdleExit(t *testing.T) {
	s, b := newStaffTestScreen(t)
	left := 0
	s.OnLeave = func() { left++ }
	login(t, s)
	b.clk.Add(50 * time.Second)
	tapButton(t, s, "Lettore") // a touch: the minute starts again
	wantText(t, s, "Lettore collegato")
	wantText(t, s, "scartata 02 41 03: checksum")
	b.clk.Add(50 * time.Second)
	s.Tick()
	if left != 0 {
		t.Fatal("left before an idle minute")
	}
	b.clk.Add(10 * time.Second)
	s.Tick()
	if left != 1 {
		t.Fatal("did not leave after an idle minute")
	}
	wantText(t, s, "Digitare il PIN")
	if _, ok := b.Active(); ok {
		t.Fatal("session still active")
	}
}

func TestStaffScreenManualMeal(t *testing.T) {
	s, b := newStaffTestScreen(t)
	login(t, s)
	tapButton(t, s, "Pasto manuale")
	typeKeys(t, s, "ROS")
	tapButton(t, s, "Rossi Marco · 1A · Primaria Dante · Dieta: Senza glutine")
	wantText(t, s, "Marco Rossi")
	tapButton(t, s, "Registra il pasto")
	wantText(t, s, "Rossi Marco — 1A")
	wantText(t, s, "DIETA SPECIALE")
	wantText(t, s, "Senza glutine")
	wantText(t, s, "32,00 €")
	// Again: the search marks him served; the rules say already served.
	tapButton(t, s, "Altro pasto manuale")
	typeKeys(t, s, "ROSSI")
	tapButton(t, s, "Rossi Marco · 1A · Primaria Dante · già servito oggi · Dieta: Senza glutine")
	tapButton(t, s, "Registra il pasto")
	wantText(t, s, "Già servito")
	if n := b.s.OutboxLen(); n != 3 { // login, meal, its audit
		t.Fatalf("waiting %d", n)
	}
	tapButton(t, s, "Altro pasto manuale")
	typeKeys(t, s, "ZZ")
	wantText(t, s, "Nessun alunno")
}

func TestStaffScreenVoid(t *testing.T) {
	s, b := newStaffTestScreen(t)
	if r, err := b.c.Tap(context.Background(), "0100000001"); err != nil || r.Outcome != app.OutcomeServed {
		t.Fatalf("tap %+v, %v", r, err)
	}
	login(t, s)
	tapButton(t, s, "Annulla pasto")
	tapButton(t, s, "12:07 · Rossi Giulia · 3B")
	tapButton(t, s, "Registrato due volte")
	tapButton(t, s, "Annulla il pasto")
	wantText(t, s, "Pasto annullato: Rossi Giulia · 3B · Primaria Dante — 4,50 €")
	tapButton(t, s, "Indietro")
	wantText(t, s, "Nessun pasto registrato oggi")
	ms, _ := b.c.TodayMeals()
	if len(ms) != 0 {
		t.Fatalf("meals after the void: %+v", ms)
	}
}

func TestStaffScreenReportExport(t *testing.T) {
	s, b := newStaffTestScreen(t)
	b.c.Tap(context.Background(), "0100000001")
	login(t, s)
	tapButton(t, s, "Report")
	wantText(t, s, "Report del 23/11/2026")
	wantText(t, s, "Non hanno ancora mangiato: 1")
	wantText(t, s, "Rossi Marco")
	tapButton(t, s, "Esporta CSV")
	tapButton(t, s, b.dirs[0])
	path := filepath.Join(b.dirs[0], app.ReportFileName("K1", "2026-11-23"))
	wantText(t, s, "Report salvato in "+path)
	raw, ok := b.kiosk.Files()[path]
	if !ok {
		t.Fatalf("no file %s written: %v", path, b.kiosk.Files())
	}
	for _, want := range []string{"Scuola;Classe;Prenotati;Serviti", "Primaria Dante;3B;1;1;0;0;0;0;0;0", "Totale;;2;1;", "Primaria Dante;1A;Rossi;Marco;Senza glutine"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("CSV lacks %q:\n%s", want, raw)
		}
	}
}

func TestStaffScreenSettings(t *testing.T) {
	s, b := newStaffTestScreen(t)
	login(t, s)
	tapButton(t, s, "Impostazioni")
	f := s.settingsForm
	if f.debounce.Text != "3s" || f.low.Text != "10,00" || f.role.Selected != "Mensa" {
		t.Fatalf("form shows %q %q %q", f.debounce.Text, f.low.Text, f.role.Selected)
	}
	before := b.Settings()
	f.debounce.SetText("99s")
	f.url.SetText("http://mensa.example.it")
	f.from.SetText("15:00")
	tapButton(t, s, "Applica")
	wantText(t, s, "Nessuna modifica applicata:")
	// Each problem shows under its field, and only there.
	wantFieldErrors := func(want map[string]string) {
		t.Helper()
		for field, e := range f.fieldErrors {
			got := ""
			if e.Visible() {
				got = e.Text
			}
			if !strings.HasPrefix(got, want[field]) || (got == "") != (want[field] == "") {
				t.Errorf("field %s shows %q, want %q", field, got, want[field])
			}
		}
	}
	wantFieldErrors(map[string]string{app.FieldDebounce: "valore fuori dai limiti consentiti", app.FieldServerURL: "usare https",
		app.FieldWindowEnd: "la fine deve venire dopo l'inizio"})
	wantText(t, s, "valore fuori dai limiti consentiti")
	wantText(t, s, "la fine deve venire dopo l'inizio")
	if b.Settings() != before {
		t.Fatal("settings changed despite the errors")
	}
	f.low.SetText("dieci")
	tapButton(t, s, "Applica")
	wantFieldErrors(map[string]string{app.FieldLowBalance: "valore fuori"})
	f.debounce.SetText("5s")
	f.url.SetText("https://mensa2.example.it")
	f.from.SetText("11:45")
	f.low.SetText("7,5")
	tapButton(t, s, "Applica")
	wantText(t, s, "Impostazioni applicate")
	if got := b.Settings(); got.Debounce != "5s" || got.LowBalanceCents != 750 || got.WindowStart != "11:45" {
		t.Fatalf("settings %+v", got)
	}
}

func TestStaffScreenOutboxAndQuit(t *testing.T) {
	s, b := newStaffTestScreen(t)
	login(t, s)
	tapButton(t, s, "Invii in attesa")
	wantText(t, s, "1 evento da inviare") // the login
	wantText(t, s, "N. 7: unknown pupil")
	// A refusal the server names by its code, in the staff's words.
	wantText(t, s, "N. 9: Annullamento rifiutato: il pasto è stato registrato da un altro chiosco (void_other_kiosk: meal m1")
	tapButton(t, s, "Sincronizza ora")
	wantText(t, s, "Sincronizzazione avviata")
	if b.calls("sync-now") != 1 {
		t.Fatal("no sync asked")
	}
	tapButton(t, s, "Indietro")
	tapButton(t, s, "Esci dal chiosco")
	wantText(t, s, "Il chiosco si chiude")
	tapButton(t, s, "Sì, esci dal chiosco")
	if b.calls("quit") != 1 {
		t.Fatal("not quit")
	}
	evs := b.s.Events()
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Payload))
	}
	got := strings.Join(kinds, " ")
	for _, a := range []string{app.ActionLogin, app.ActionSync, app.ActionQuit} {
		if !strings.Contains(got, `"action":"`+a+`"`) {
			t.Errorf("no %s audit in %s", a, got)
		}
	}
}

func TestHiddenCorner(t *testing.T) {
	clk := apptest.NewClock(noon)
	fired := 0
	h := newHiddenCorner(func() { fired++ }, clk.Now)
	for range 4 {
		test.Tap(h)
		clk.Add(500 * time.Millisecond)
	}
	clk.Add(2 * time.Second) // the first taps are now over 3 s old
	test.Tap(h)
	if fired != 0 {
		t.Fatal("fired on taps spread over more than 3 s")
	}
	for range 4 {
		clk.Add(200 * time.Millisecond)
		test.Tap(h)
	}
	if fired != 1 {
		t.Fatalf("fired %d times, want 1", fired)
	}
	test.Tap(h)
	if fired != 1 {
		t.Fatal("fired again at once")
	}
	if HiddenCorner(func() {}).MinSize().Width < MinTouchTarget {
		t.Fatal("the corner is too small to hit")
	}
}

// TestStaffScreenManualPages: more pupils than a page beside the keyboard
// page with buttons, and the rows are touch targets cut to the page's width.
func TestStaffScreenManualPages(t *testing.T) {
	s, _ := newStaffTestScreenWith(t, fitStaffBackend(t))
	login(t, s)
	tapButton(t, s, "Pasto manuale")
	tapButton(t, s, "R")
	rows := func() []string {
		var out []string
		for _, tp := range tappables(t, s.Content()) {
			if r, ok := tp.obj.(*staffRow); ok {
				out = append(out, r.lines[0].Text)
			}
		}
		return out
	}
	first := rows()
	if len(first) != searchRows || !strings.HasPrefix(first[0], "Rossi Bianchi Alice") || !strings.HasPrefix(first[6], "Rossi Bianchi Leonardo") {
		t.Fatalf("page 1 lists %q", first)
	}
	wantText(t, s, "1/2")
	tapButton(t, s, "Avanti")
	second := rows()
	if len(second) != 3 || !strings.HasPrefix(second[0], "Rossi Bianchi Marco") || !strings.HasPrefix(second[1], "Rossi Bianchi Maria Vittoria") || !strings.HasPrefix(second[2], "Rossi Bianchi Tommaso") {
		t.Fatalf("page 2 lists %q", second)
	}
	wantText(t, s, "2/2")
	tapButton(t, s, "Rossi Bianchi Tommaso")
	wantText(t, s, "Tommaso Rossi Bianchi")
}

// TestStaffScreenReportColumns: every line of the report is one line, its
// figures under their titles, and the pages reach the totals, the diets
// and who has not eaten.
func TestStaffScreenReportColumns(t *testing.T) {
	s, _ := newStaffTestScreenWith(t, fitStaffBackend(t))
	login(t, s)
	tapButton(t, s, "Report")
	w := fyne.CurrentApp().Driver().AllWindows()[0]
	w.Resize(fyne.NewSize(fitDemoW, fitDemoH))
	check := func() int {
		t.Helper()
		var xs []float32
		lines := 0
		walk(s.Content(), func(o fyne.CanvasObject) {
			c, ok := o.(*fyne.Container)
			if !ok {
				return
			}
			if _, ok := c.Layout.(*reportColumns); !ok {
				return
			}
			lines++
			for i, cell := range c.Objects[1:] {
				if xs == nil || len(xs) <= i {
					xs = append(xs, cell.Position().X)
				} else if cell.Position().X != xs[i] {
					t.Errorf("line %d: figure %d at x %.0f, its title at %.0f", lines, i, cell.Position().X, xs[i])
				}
			}
			if lines > 1 && c.Size().Height > 1.5*theme.TextSize()+2*theme.Padding()+8 {
				t.Errorf("line %d is %.0f high: not one line", lines, c.Size().Height)
			}
		})
		return lines
	}
	if n := check(); n != 1+reportRows {
		t.Fatalf("page 1 has %d lines with figures, want the titles and %d", n, reportRows)
	}
	wantText(t, s, "1B · Scuola")
	tapButton(t, s, "Avanti")
	check()
	wantText(t, s, "Totale")
	wantText(t, s, "Dieta: Senza glutine e senza lattosio")
	wantText(t, s, "Non hanno ancora mangiato: 2")
	wantText(t, s, "Rossi Bianchi Beatrice · 4B · Scuola dell'Infanzia Gianni Rodari")
}

// TestStaffScreenPINKeypadStays: a staff badge's PIN page names whose PIN
// it asks for, and a wrong PIN's message does not move the keypad under
// the finger about to tap it again.
func TestStaffScreenPINKeypadStays(t *testing.T) {
	s, _ := newStaffTestScreen(t)
	s.Begin(&app.Staff{ID: "S1", Name: "Anna Cuoca", Role: app.StaffCanteen})
	wantText(t, s, "Anna Cuoca: digitare il PIN")
	keyAt := func() fyne.Position {
		s.Content().Refresh() // lays the page out again, as the window would
		for _, b := range tappables(t, s.Content()) {
			if b.text == "5" {
				return fyne.CurrentApp().Driver().AbsolutePositionForObject(b.obj.(fyne.CanvasObject))
			}
		}
		t.Fatal("no key 5")
		return fyne.Position{}
	}
	before := keyAt()
	typePIN(t, s, "1111")
	wantText(t, s, "PIN errato")
	if after := keyAt(); after != before {
		t.Fatalf("the keypad moved from %v to %v after a wrong PIN", before, after)
	}
	typePIN(t, s, "2468")
	wantText(t, s, "Modalità personale — Anna Cuoca")
}
