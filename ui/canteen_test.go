package ui

import (
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
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
	newKioskApp(t)
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
	s.SetReader(app.ReaderStatus{State: app.ReaderDisconnected, Port: "/dev/ttyUSB0", Err: "open /dev/ttyUSB0: no such file or directory"})
	if got := s.readerDown.title.Text() + " / " + s.readerDown.lines[0].Text(); !s.readerDown.root.Visible() || got != "The badge reader is not working / Please call the staff" {
		t.Errorf("reader down in English: %q", got)
	}
	if got := s.readerText.Text; got != "Reader disconnected — retrying (/dev/ttyUSB0)" {
		t.Errorf("footer in English: %q", got)
	}
	s.SetReader(app.ReaderStatus{State: app.ReaderConnected, Port: "/dev/ttyUSB0"})
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
	// Reader down: the big red panel says it in place of the prompt, which
	// would ask for a badge that cannot be read; the footer names the
	// state without the raw error.
	if s.promptBox.Visible() {
		t.Error("reader down: the prompt to tap a badge is still shown")
	}
	if got := s.readerDown.title.Text() + " / " + s.readerDown.lines[0].Text(); got != "Il lettore di badge non funziona / Chiamare il personale" {
		t.Errorf("reader down panel %q", got)
	}
	if p, c := s.readerDown.root.Size(), s.promptBox.Size(); p != c || p.Height < 300 {
		t.Errorf("reader down panel %v in the idle view's %v: want it to fill it", p, c)
	}
	if got := s.readerText.Text; strings.Contains(got, "no such file") || got != "Lettore scollegato — nuovo tentativo in corso (/dev/ttyUSB0)" {
		t.Errorf("footer %q: want the state, not the raw error", got)
	}
	assertMarkup(t, "idle_reader_down_outside_standalone", w)

	s.SetReader(app.ReaderStatus{State: app.ReaderNone})
	s.SetSync(app.SyncStatus{Configured: true, Online: true, LastSync: st.Now.Add(-time.Minute)})
	if s.readerDown.root.Visible() || !s.readerNone.root.Visible() || !s.promptBox.Visible() {
		t.Error("idle notes: want no reader, and the prompt back")
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
	// A failure the network will not cure is named, not "unreachable".
	for problem, want := range map[app.SyncProblem]string{
		app.SyncRefused:    "Il server centrale rifiuta questo chiosco (token non valido): avvisare l'assistenza · 2 eventi da inviare · mai sincronizzato",
		app.SyncBadRequest: "Il server centrale rifiuta le richieste del chiosco: aggiornare chiosco o server, avvisare l'assistenza · 2 eventi da inviare · mai sincronizzato",
		app.SyncNotStarted: "Collegamento al server centrale non avviato: configurazione da correggere, avvisare l'assistenza · 2 eventi da inviare · mai sincronizzato",
	} {
		s.SetSync(app.SyncStatus{Configured: true, Waiting: 2, Problem: problem, OfflineSince: st.Now.Add(-time.Hour)})
		if got := s.syncText.Text; got != want {
			t.Errorf("problem %d: sync text %q", problem, got)
		}
	}
}

// TestSyncStates checks the footer's sync line, the first sync's progress
// and the idle notes for staff (clock skew, alarms, rejected events).
func TestSyncStates(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	noNotes := func(name string) {
		t.Helper()
		for _, n := range []*panel{s.skewNote, s.alarmNote, s.rejectedNote} {
			if n.root.Visible() {
				t.Errorf("%s: a sync note is shown: %q", name, n.title.Text())
			}
		}
	}

	// Online, nothing waiting.
	s.SetSync(app.SyncStatus{Configured: true, Online: true, LastSync: noon.Add(-time.Minute)})
	if got := s.syncText.Text; got != "Server centrale collegato · ultima sincronizzazione 12:06" {
		t.Errorf("online: sync text %q", got)
	}
	if s.pullRow.Visible() {
		t.Error("online: pull progress shown")
	}
	noNotes("online")

	// Offline since a time today, events waiting.
	s.SetSync(app.SyncStatus{Configured: true, OfflineSince: noon.Add(-27 * time.Minute), Waiting: 3,
		LastSync: noon.Add(-28 * time.Minute)})
	if got := s.syncText.Text; got != "Server centrale non raggiungibile dalle 11:40 · 3 eventi da inviare · ultima sincronizzazione 11:39" {
		t.Errorf("offline: sync text %q", got)
	}
	noNotes("offline")
	// ... and since yesterday.
	s.SetSync(app.SyncStatus{Configured: true, OfflineSince: asOf, Waiting: 1, LastSync: asOf})
	if got := s.syncText.Text; got != "Server centrale non raggiungibile dalle 22/11/2026 20:15 · 1 evento da inviare · ultima sincronizzazione 22/11/2026 20:15" {
		t.Errorf("offline since yesterday: sync text %q", got)
	}
	s.SetSync(app.SyncStatus{Configured: true, Online: false, OfflineSince: noon.Add(-27 * time.Minute),
		Waiting: 3, LastSync: noon.Add(-28 * time.Minute)})
	assertMarkup(t, "idle", w) // as newTestScreen left it
}

func TestSyncPulling(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	offline := s.sync
	pulling := app.SyncStatus{Configured: true, Online: true, Pulling: true, PullDone: 12000, PullTotal: 50000}
	s.SetSync(pulling)
	if !s.pullRow.Visible() || !s.pullBar.Visible() {
		t.Fatal("pull progress not shown")
	}
	if got := s.pullText.Text; got != "Scaricamento anagrafica: 12.000 di 50.000" {
		t.Errorf("pull text %q", got)
	}
	if s.pullBar.Value != 12000 || s.pullBar.Max != 50000 {
		t.Errorf("pull bar %v of %v", s.pullBar.Value, s.pullBar.Max)
	}
	if got := s.syncText.Text; got != "Server centrale collegato · mai sincronizzato" {
		t.Errorf("sync text while pulling %q", got)
	}
	assertMarkup(t, "idle_sync_pulling", w)

	// Taps are still answered, and the progress stays in the footer.
	s.ShowResult(served(marco))
	if s.current() != viewResult || !s.pullRow.Visible() {
		t.Fatal("a tap while pulling: want the result and the progress")
	}
	assertMarkup(t, "served_sync_pulling", w)
	s.SetSync(app.SyncStatus{Configured: true, Online: true, Pulling: true, PullDone: 50000, PullTotal: 50000})
	if got := s.pullText.Text; got != "Scaricamento anagrafica: 50.000 di 50.000" || s.current() != viewResult {
		t.Errorf("pull text %q, view %d", got, s.current())
	}
	s.ClearError() // not an error: stays on the result
	s.expire(s.gen)

	// A total the server has not told.
	s.SetSync(app.SyncStatus{Configured: true, Online: true, Pulling: true, PullDone: 1})
	if got := s.pullText.Text; got != "Scaricamento anagrafica: 1 record ricevuto" || s.pullBar.Visible() {
		t.Errorf("pull text %q, bar shown %v", got, s.pullBar.Visible())
	}
	s.SetSync(app.SyncStatus{Configured: true, Online: true, Pulling: true, PullDone: 1500})
	if got := s.pullText.Text; got != "Scaricamento anagrafica: 1.500 record ricevuti" {
		t.Errorf("pull text %q", got)
	}
	// The words got longer: their row is laid out again.
	if got, want := s.pullText.Size().Width, s.pullText.MinSize().Width; got < want {
		t.Errorf("pull text %v wide, needs %v", got, want)
	}

	// The pull ends: the footer shrinks back.
	s.SetSync(offline)
	if s.pullRow.Visible() {
		t.Error("pull progress still shown")
	}
	assertMarkup(t, "idle", w)
}

func TestSyncSkew(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	base := s.sync
	for _, tc := range []struct {
		skew time.Duration
		want string
	}{
		{0, ""},
		{2 * time.Minute, ""},
		{-2 * time.Minute, ""},
		// ClockSkew is the server's clock minus the kiosk's.
		{-3*time.Minute - 20*time.Second, "L'orologio del chiosco è avanti di 3 min rispetto al server: avvisare l'assistenza"},
		{2*time.Minute + 40*time.Second, "L'orologio del chiosco è indietro di 3 min rispetto al server: avvisare l'assistenza"},
		{2*time.Minute + time.Second, "L'orologio del chiosco è indietro di 2 min rispetto al server: avvisare l'assistenza"},
		{-95 * time.Minute, "L'orologio del chiosco è avanti di 1 h 35 min rispetto al server: avvisare l'assistenza"},
		{30 * time.Hour, "L'orologio del chiosco è indietro di 30 h 0 min rispetto al server: avvisare l'assistenza"},
		{-3 * 24 * time.Hour, "L'orologio del chiosco è avanti di 3 giorni rispetto al server: avvisare l'assistenza"},
	} {
		st := base
		st.ClockSkew = tc.skew
		s.SetSync(st)
		if got := s.skewNote.root.Visible(); got != (tc.want != "") {
			t.Errorf("skew %s: note shown %v", tc.skew, got)
		}
		if tc.want != "" && s.skewNote.title.Text() != tc.want {
			t.Errorf("skew %s: note %q, want %q", tc.skew, s.skewNote.title.Text(), tc.want)
		}
	}
	st := base
	st.ClockSkew = -3 * time.Minute
	s.SetSync(st)
	assertMarkup(t, "idle_sync_skew", w)
}

func TestSyncAlarms(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	base := s.sync
	alarm := func(codes ...string) []app.Alarm {
		var as []app.Alarm
		for _, c := range codes {
			as = append(as, app.Alarm{Code: c, Message: "details", At: noon})
		}
		return as
	}
	for _, tc := range []struct {
		name            string
		alarms          []app.Alarm
		rejected        int
		skew            time.Duration
		alarm, rejectTx string
	}{
		{"none", nil, 0, 0, "", ""},
		{"one", alarm(app.AlarmSeqGap), 0, 0,
			"Allarme sincronizzazione: mancano eventi nella sequenza ricevuta dal server", ""},
		{"more", alarm(app.AlarmRestoredCopy, app.AlarmSeqGap), 0, 0,
			"Allarme sincronizzazione: database del chiosco ripristinato da una copia non aggiornata (+1 altro)", ""},
		{"many", alarm(app.AlarmEpochChanged, app.AlarmSeqGap, app.AlarmServerBehind), 0, 0,
			"Allarme sincronizzazione: database del chiosco sostituito o ricreato (+2 altri)", ""},
		{"server behind", alarm(app.AlarmServerBehind), 0, 0,
			"Allarme sincronizzazione: il server ha perso eventi del chiosco, nuovo invio in corso", ""},
		{"unknown code", alarm("disk_on_fire"), 0, 0, "Allarme sincronizzazione: anomalia sconosciuta (disk_on_fire)", ""},
		{"rejected only", nil, 1, 0, "", "1 evento rifiutato dal server, in attesa di verifica"},
		// The rejected note tells the rejected-events alarm, the skew note the
		// clock-skew alarm: neither is repeated as an alarm.
		{"rejected alarm and count", alarm(app.AlarmRejected, app.AlarmRestoredCopy), 4, 0,
			"Allarme sincronizzazione: database del chiosco ripristinato da una copia non aggiornata",
			"4 eventi rifiutati dal server, in attesa di verifica"},
		{"rejected alarm, no count", alarm(app.AlarmRejected), 0, 0, "Allarme sincronizzazione: eventi rifiutati dal server", ""},
		{"skew alarm and warning", alarm(app.AlarmClockSkew), 0, 5 * time.Minute, "", ""},
		{"skew alarm only", alarm(app.AlarmClockSkew), 0, time.Minute,
			"Allarme sincronizzazione: orologio del chiosco non allineato al server", ""},
	} {
		st := base
		st.Alarms, st.Rejected, st.ClockSkew = tc.alarms, tc.rejected, tc.skew
		s.SetSync(st)
		if got := s.alarmNote.root.Visible(); got != (tc.alarm != "") {
			t.Errorf("%s: alarm note shown %v", tc.name, got)
		} else if got && s.alarmNote.title.Text() != tc.alarm {
			t.Errorf("%s: alarm %q, want %q", tc.name, s.alarmNote.title.Text(), tc.alarm)
		}
		if got := s.rejectedNote.root.Visible(); got != (tc.rejectTx != "") {
			t.Errorf("%s: rejected note shown %v", tc.name, got)
		} else if got && s.rejectedNote.title.Text() != tc.rejectTx {
			t.Errorf("%s: rejected %q, want %q", tc.name, s.rejectedNote.title.Text(), tc.rejectTx)
		}
	}

	// Everything at once, as staff would find it.
	st := base
	st.Alarms, st.Rejected, st.ClockSkew = alarm(app.AlarmSeqGap, app.AlarmRestoredCopy), 3, 4*time.Minute
	s.SetSync(st)
	assertMarkup(t, "idle_sync_alarms", w)

	// A crowded idle view (service closed, a first sync and every sync
	// note) leaves out the prompt's icon, never its words.
	idle := idleStatus()
	idle.InWindow, idle.Now = false, noon.Add(-3*time.Hour)
	s.SetIdle(idle)
	st.Pulling, st.PullDone, st.PullTotal = true, 12000, 50000
	s.SetSync(st)
	promptBottom := s.promptBox.Position().Y + s.prompt.Position().Y + s.prompt.Size().Height
	if notesTop := s.idleNotes.Position().Y; promptBottom > notesTop {
		t.Errorf("crowded: the prompt ends at %v, below the notes' top %v", promptBottom, notesTop)
	}
	assertMarkup(t, "idle_crowded", w)
	// The reader down as well: its panel, in the prompt's place, still has
	// room for its words above the notes.
	s.SetReader(app.ReaderStatus{State: app.ReaderDisconnected, Port: "/dev/ttyUSB0", Err: "no such file or directory"})
	if got, need := s.readerDown.root.Size().Height, s.readerDown.root.MinSize().Height; got < need {
		t.Errorf("crowded, reader down: the panel has %v of the %v its words need", got, need)
	}
	if bottom, notesTop := s.readerDown.root.Position().Y+s.readerDown.root.Size().Height, s.idleNotes.Position().Y; bottom > notesTop {
		t.Errorf("crowded, reader down: the panel ends at %v, below the notes' top %v", bottom, notesTop)
	}
	assertMarkup(t, "idle_crowded_reader_down", w)
	s.SetReader(app.ReaderStatus{State: app.ReaderConnected, Port: "/dev/ttyUSB0"})
	s.SetIdle(idleStatus())
	st.Pulling = false
	s.SetSync(st)
	assertMarkup(t, "idle_sync_alarms", w) // the icon is back
	// The notes belong to the idle view: a result covers them.
	s.ShowResult(served(marco))
	if s.idleView.Visible() {
		t.Error("idle view shown with a result")
	}
	s.SetSync(base)
	if s.alarmNote.root.Visible() || s.rejectedNote.root.Visible() || s.skewNote.root.Visible() {
		t.Error("sync notes still shown after the alarms cleared")
	}
}

func TestSyncAlarmsEnglish(t *testing.T) {
	s, w := newTestScreen(t, "en", time.Hour)
	st := s.sync
	st.Alarms = []app.Alarm{{Code: app.AlarmEpochChanged, At: noon}, {Code: app.AlarmSeqGap, At: noon}}
	st.Rejected, st.ClockSkew = 2, -3*time.Minute
	st.Pulling, st.PullDone, st.PullTotal = true, 12000, 50000
	s.SetSync(st)
	for _, tc := range []struct{ got, want string }{
		{s.alarmNote.title.Text(), "Sync alarm: the kiosk's database was replaced or recreated (+1 more)"},
		{s.rejectedNote.title.Text(), "2 events rejected by the server, awaiting review"},
		{s.skewNote.title.Text(), "The kiosk's clock is 3 min ahead of the server's: call for support"},
		{s.pullText.Text, "Downloading records: 12.000 of 50.000"},
		{s.syncText.Text, "Central server unreachable since 11:40 · 3 events to send · last sync 11:39"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	st.ClockSkew = 3 * time.Minute
	s.SetSync(st)
	if got := s.skewNote.title.Text(); got != "The kiosk's clock is 3 min behind the server's: call for support" {
		t.Errorf("skew behind %q", got)
	}
	assertMarkup(t, "idle_sync_alarms_en", w)
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
	if !s.banner.root.Visible() || s.banner.title.Text() != "DIETA SPECIALE + PASTO IN BIANCO" ||
		s.banner.lines[0].Text() != "Senza glutine (celiachia)" || s.banner.lines[1].Text() != "Allergeni: glutine" {
		t.Errorf("banner: %q %q %q", s.banner.title.Text(), s.banner.lines[0].Text(), s.banner.lines[1].Text())
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
			if !tc.panel.root.Visible() || tc.panel.title.Text() != tc.title {
				t.Errorf("%s: panel visible %v, title %q, want %q", tc.name, tc.panel.root.Visible(), tc.panel.title.Text(), tc.title)
			}
			for _, p := range []*panel{s.green, s.amber, s.red} {
				if p != tc.panel && p.root.Visible() {
					t.Errorf("%s: another panel is visible too", tc.name)
				}
			}
		}
	}
	s.ShowResult(results()[0].r)
	if got := s.red.small.Text(); got != "Codice badge: 1F00C0FFEE" {
		t.Errorf("unknown badge id line %q", got)
	}
	s.ShowResult(served(marco))
	if got := s.green.lines[1].Text(); got != "Saldo previsto 12,30 €" {
		t.Errorf("balance line %q", got)
	}
	if got := s.green.small.Text(); got != "aggiornato al 22/11/2026 alle 20:15" {
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
	if got := s.errPanel.title.Text(); got != "Errore: il pasto NON è stato registrato" {
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

// A clock found behind the newest stored event is a red note for staff,
// in the screen's language, with both times.
func TestClockBehindNote(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	cb := &app.ClockBehind{Now: time.Date(2026, 3, 9, 11, 0, 0, 0, time.UTC), Newest: time.Date(2026, 3, 12, 11, 31, 0, 0, time.UTC)}
	for lang, want := range map[string]string{
		"it": "L'orologio del chiosco segna 09/03/2026 12:00, prima dell'ultimo evento registrato (12/03/2026 12:31)",
		"en": "The kiosk's clock says 09/03/2026 12:00, earlier than the last event recorded (12/03/2026 12:31)",
	} {
		s := NewCanteenScreen(MustCatalogue(lang), CanteenOptions{Location: rome})
		s.SetSync(app.SyncStatus{})
		if s.clockNote.root.Visible() {
			t.Errorf("%s: the note shows with a sound clock", lang)
		}
		s.SetSync(app.SyncStatus{ClockBehind: cb})
		if !s.clockNote.root.Visible() || !strings.HasPrefix(s.clockNote.title.Text(), want) {
			t.Errorf("%s: note shown %v: %q, want %q…", lang, s.clockNote.root.Visible(), s.clockNote.title.Text(), want)
		}
		s.Close()
	}
}
