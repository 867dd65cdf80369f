package ui

import (
	"image"
	"image/draw"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
)

// The counter screen's fixtures: the real use case (app.Counter) on
// apptest's in-memory kiosk store, with apptest's central server or none.

var (
	romeTZ       = counterZone("Europe/Rome")
	counterStart = time.Date(2026, 11, 23, 8, 0, 0, 0, romeTZ) // a Monday
)

func counterZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

const (
	tCF   = "RSSMRC15A01H501I"
	tCode = "482913"
)

// counterData is what the Comune's office imports for the counter: the
// roster, the news and documents, and the families' access codes.
type counterData struct {
	Accounts    []app.Account
	Pupils      []app.Pupil
	Badges      []app.Badge
	News        []app.News
	Documents   []app.Document
	AccessCodes map[app.AccountID]string
}

func counterRosterData() counterData {
	days := []time.Weekday{time.Monday, time.Wednesday, time.Friday}
	return counterData{
		Accounts: []app.Account{{ID: "F1", Holder: "Rossi Anna", HolderFiscalCode: "RSSNNA80A41H501L", Balance: 3650}},
		Pupils: []app.Pupil{
			{ID: "P1", AccountID: "F1", FirstName: "Marco", LastName: "Rossi", FiscalCode: tCF, School: "Primaria Dante", Class: "3B", Weekdays: days, FeeBand: "B", MealPrice: 390},
			{ID: "P2", AccountID: "F1", FirstName: "Sara", LastName: "Rossi", FiscalCode: "RSSSRA17C41H501W", School: "Primaria Dante", Class: "1A", Weekdays: days, FeeBand: "B", MealPrice: 390,
				Diet: &app.Diet{Code: "GLUT", Name: "Senza glutine", Allergens: []string{"glutine"}}},
		},
		Badges:      []app.Badge{{ID: "0A00000001", PupilID: "P1"}, {ID: "0A00000002", PupilID: "P2", Blocked: true}},
		News:        []app.News{{ID: "n1", Title: "Menu invernale", Body: "Dal 1° dicembre il menu invernale.", Published: counterStart.Add(-48 * time.Hour)}},
		Documents:   []app.Document{{ID: "d1", Title: "Regolamento mensa", URL: "https://comune.example.it/regolamento.pdf", Published: counterStart.Add(-72 * time.Hour)}},
		AccessCodes: map[app.AccountID]string{"F1": tCode},
	}
}

type counterFixture struct {
	clk     *apptest.Clock
	store   *apptest.Store
	central *apptest.Central // nil: standalone
	c       *app.Counter
	s       *CounterScreen
	w       fyne.Window
}

// newCounterFixture builds the screen in a 1920×1080 test window. With
// withServer the kiosk has the roster, news and documents a pull from the
// central server gives and talks to it; without, the roster is written to
// the store and the counter is standalone.
func newCounterFixture(t *testing.T, withServer bool) *counterFixture {
	t.Helper()
	return newCounterFixtureWith(t, withServer, counterRosterData())
}

// newCounterFixtureWith is newCounterFixture with the given roster, news
// and documents.
func newCounterFixtureWith(t *testing.T, withServer bool, data counterData) *counterFixture {
	t.Helper()
	f := newCounterBackend(t, withServer, data)
	f.show(t, CounterOptions{PollInterval: time.Hour}, fyne.NewSize(1920, 1080))
	return f
}

// newCounterBackend is the fixture's use case without its screen: the
// real counter on apptest's store holding data, with apptest's central
// server or none.
func newCounterBackend(t *testing.T, withServer bool, data counterData) *counterFixture {
	t.Helper()
	f := &counterFixture{clk: apptest.NewClock(counterStart), store: apptest.NewStore()}
	r := app.Roster{Accounts: append([]app.Account(nil), data.Accounts...), Pupils: data.Pupils, Badges: data.Badges}
	asOf := counterStart.Add(-30 * time.Minute) // standalone: the balance as last imported
	if withServer {
		asOf = counterStart // as the pull gives it
	}
	for i := range r.Accounts {
		if code, ok := data.AccessCodes[r.Accounts[i].ID]; ok {
			r.Accounts[i].AccessHash = apptest.HashPIN(code)
		}
		r.Accounts[i].BalanceAsOf = asOf
	}
	if err := f.store.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	var cc app.CounterCentral
	if withServer {
		f.central = apptest.NewCentral(f.clk, romeTZ)
		f.central.PutRoster(r)
		f.store.PutNews(data.News...)
		f.store.PutDocuments(data.Documents...)
		cc = f.central
	}
	c, err := app.NewCounter(f.store, cc, f.clk, app.CounterConfig{Location: romeTZ}, apptest.VerifyPIN, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

// show puts the counter screen over f.c in a test window of the given
// size.
func (f *counterFixture) show(t *testing.T, opts CounterOptions, size fyne.Size) {
	t.Helper()
	newKioskApp(t)
	f.s = NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, f.c, opts)
	t.Cleanup(func() { f.s.Close(); f.s.wait(); f.s.pollers.Wait() })
	f.s.SetSync(app.SyncStatus{Configured: f.central != nil, Online: f.central != nil})
	f.w = newSizedWindow(t, f.s.Content(), size)
}

// texts is every label's text on screen, one per line.
func (f *counterFixture) texts() string {
	f.s.wait()
	return f.textsNow() // counter_bookings_test.go
}

func (f *counterFixture) button(t *testing.T, text string) *widget.Button {
	t.Helper()
	f.s.wait()
	var found *widget.Button
	walk(f.s.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q on screen; texts:\n%s", text, f.texts())
	}
	return found
}

func (f *counterFixture) tap(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		b := f.button(t, text)
		if b.Disabled() {
			t.Fatalf("button %q is disabled", text)
		}
		test.Tap(b)
		f.s.wait()
	}
}

func (f *counterFixture) type_(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		f.tap(t, string(r))
	}
}

func wantCounterTexts(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("screen lacks %q; it shows:\n%s", w, got)
		}
	}
}

func TestCounterScreenIdentifyByKeyboard(t *testing.T) {
	f := newCounterFixture(t, true)
	wantCounterTexts(t, f.texts(), "Avvicina il badge di tuo figlio o identificati con il codice fiscale",
		"Menu invernale", "Regolamento mensa", "https://comune.example.it/regolamento.pdf", "Server centrale collegato")
	f.tap(t, "Identificati con il codice fiscale")
	f.type_(t, "RSSMRC15A01H501X")
	f.tap(t, "⌫")
	f.type_(t, "I")
	wantCounterTexts(t, f.texts(), tCF+"_")
	f.tap(t, "Avanti")
	f.type_(t, "111111")
	wantCounterTexts(t, f.texts(), "••••••_")
	f.tap(t, "Accedi")
	wantCounterTexts(t, f.texts(), "Codice fiscale o codice di accesso non riconosciuti")
	if _, ok := f.c.Current(); ok {
		t.Fatal("identified with a wrong code")
	}
	f.type_(t, tCode)
	f.tap(t, "Accedi")
	got := f.texts()
	wantCounterTexts(t, got, "Saldo 36,50 € — aggiornato al 23/11/2026 alle 08:00", "Marco R.", "Scuola: Primaria Dante",
		"Classe: 3B", "Giorni di mensa: lunedì, mercoledì, venerdì", "Fascia B — costo del pasto 3,90 €", "Menu normale")
	if strings.Contains(got, "Rossi") || strings.Contains(got, tCF) {
		t.Errorf("the family view shows more than first name and initial:\n%s", got)
	}
	f.tap(t, "Successivo")
	wantCounterTexts(t, f.texts(), "Sara R.", "Dieta speciale: Senza glutine", "Allergeni: glutine")
}

func TestCounterScreenSlowdown(t *testing.T) {
	f := newCounterFixture(t, false)
	f.tap(t, "Identificati con il codice fiscale")
	f.type_(t, tCF)
	f.tap(t, "Avanti")
	for range 3 {
		f.type_(t, "9")
		f.tap(t, "Accedi")
	}
	f.type_(t, "9")
	f.tap(t, "Accedi")
	wantCounterTexts(t, f.texts(), "Troppi tentativi non riusciti: riprova tra 5 secondi")
}

func TestCounterScreenLanguage(t *testing.T) {
	f := newCounterFixture(t, true)
	f.tap(t, "English")
	wantCounterTexts(t, f.texts(), "Hold your child's badge to the reader or sign in with the tax code", "News", "Documents")
	f.s.PostBadge("0A00000001")
	f.tap(t, "Meals")
	wantCounterTexts(t, f.texts(), "Balance 36,50 € — as of 23/11/2026 at 08:00", "November 2026", "No meals this month")
	f.tap(t, "Sign out")
	f.tap(t, "Italiano")
	wantCounterTexts(t, f.texts(), "Notizie")
}

// TestCounterScreenRefusals: a blocked badge, an unknown one, and a counter
// configured with a canteen's token, which pulls its roster but is refused
// the family view (403): each time the screen says why in the parent's
// words (for the token: the kiosk is not enabled as a counter, not "try
// again") and no family is current.
func TestCounterScreenRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse error // what the central server answers the family view
		badges []app.BadgeID
		want   []string
	}{
		{"badges", nil, []app.BadgeID{"0A00000002", "0AFFFFFFFF"},
			[]string{"Badge bloccato: rivolgersi alla segreteria", "Badge non riconosciuto: rivolgersi alla segreteria"}},
		{"canteen's token", app.ErrForbidden, []app.BadgeID{"0A00000001"},
			[]string{"Il server centrale non abilita questo chiosco come sportello: rivolgiti alla segreteria"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newCounterFixture(t, true)
			f.central.Fail(tc.refuse)
			for i, b := range tc.badges {
				f.s.PostBadge(b)
				wantCounterTexts(t, f.texts(), tc.want[i])
			}
			if _, ok := f.c.Current(); ok {
				t.Error("a family is current after the refusal")
			}
		})
	}
}

func TestCounterScreenIdleWipe(t *testing.T) {
	f := newCounterFixture(t, true)
	f.s.PostBadge("0A00000001")
	wantCounterTexts(t, f.texts(), "Marco R.")
	f.clk.Add(40 * time.Second)
	f.tap(t, "Pasti") // a touch: the minute starts again
	f.clk.Add(59 * time.Second)
	f.s.Tick()
	wantCounterTexts(t, f.texts(), "Saldo 36,50 €")
	f.clk.Add(time.Second)
	f.s.Tick()
	got := f.texts()
	wantCounterTexts(t, got, "Avvicina il badge di tuo figlio o identificati con il codice fiscale")
	if strings.Contains(got, "Saldo") || strings.Contains(got, "Marco") {
		t.Errorf("family still on screen after the idle minute:\n%s", got)
	}
	if _, ok := f.c.Current(); ok {
		t.Error("family still current after the idle minute")
	}
	if f.s.hasFam || len(f.s.family.Pupils) != 0 {
		t.Error("the screen keeps the family")
	}
	// Typing a code and walking away is wiped too.
	f.tap(t, "Identificati con il codice fiscale")
	f.type_(t, "RSS")
	f.clk.Add(time.Minute)
	f.s.Tick()
	if f.s.cf != "" || f.s.view != cvHome {
		t.Error("typed code kept after the idle minute")
	}
}

func TestCounterScreenOffline(t *testing.T) {
	f := newCounterFixture(t, false)
	// A cached view with meals, as a server gave it earlier.
	asOf := counterStart.Add(-26 * time.Hour)
	var meals []app.Meal
	for d := 2; d <= 20; d++ {
		meals = append(meals, app.Meal{EventID: "e" + string(rune('a'+d)), PupilID: "P1", AccountID: "F1",
			Day: app.Day(time.Date(2026, 11, d, 12, 0, 0, 0, romeTZ).Format(time.DateOnly)), Price: 390, Via: app.ViaBadge, Voided: d == 4})
	}
	meals = append(meals, app.Meal{EventID: "oct", PupilID: "P2", Day: "2026-10-30", Price: 390, Via: app.ViaManual})
	if err := f.store.PutFamilyCache(app.FamilyView{Account: app.Account{ID: "F1", Balance: 1280, BalanceAsOf: asOf},
		Meals: meals, BookingCutoff: "09:30", AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	f.s.PostBadge("0A00000001")
	got := f.texts()
	wantCounterTexts(t, got, "Saldo 12,80 € — aggiornato al 22/11/2026 alle 06:00",
		"Server centrale non raggiungibile: dati aggiornati al 22/11/2026 alle 06:00",
		"Modalità autonoma: nessun server centrale configurato")
	f.tap(t, "Pasti")
	wantCounterTexts(t, f.texts(), "novembre 2026", "18 pasti nel mese, 70,20 €", "lunedì 02/11/2026 — Marco R. — 3,90 € — badge",
		"mercoledì 04/11/2026 — Marco R. — 3,90 € — badge — ANNULLATO", "1 / 5")
	f.tap(t, "Successivo", "Successivo", "Successivo", "Successivo")
	wantCounterTexts(t, f.texts(), "venerdì 20/11/2026 — Marco R. — 3,90 € — badge", "5 / 5")
	if !f.button(t, "Successivo").Disabled() {
		t.Error("next enabled on the last page")
	}
	f.tap(t, "Mese precedente")
	wantCounterTexts(t, f.texts(), "ottobre 2026", "venerdì 30/10/2026 — Sara R. — 3,90 € — registrato dal personale")
	f.tap(t, "Prenotazioni")
	wantCounterTexts(t, f.texts(), "Prenotazioni non disponibili: il server centrale non è raggiungibile")
	if !f.button(t, "Disdici pasto").Disabled() {
		t.Error("booking enabled offline")
	}
	f.tap(t, "Ricarica")
	wantCounterTexts(t, f.texts(), "Ricarica non disponibile: il server centrale non è raggiungibile")
}

func TestCounterScreenBooking(t *testing.T) {
	f := newCounterFixture(t, true)
	f.s.PostBadge("0A00000001")
	f.tap(t, "Prenotazioni")
	wantCounterTexts(t, f.texts(), "Modifiche entro le 09:30 del giorno stesso", "lunedì 23/11/2026 — Presente")
	f.tap(t, "Disdici pasto") // today's, the first row: before the cut-off
	wantCounterTexts(t, f.texts(), "lunedì 23/11/2026 — Pasto disdetto")
	if b := (func() app.Booking { fam, _ := f.c.Current(); return fam.Booking("P1", "2026-11-23") })(); !b.Cancelled {
		t.Errorf("booking = %+v", b)
	}
	f.tap(t, "Annulla modifica")
	wantCounterTexts(t, f.texts(), "lunedì 23/11/2026 — Presente")
	f.clk.Add(2 * time.Hour) // 10:00: today is closed
	f.tap(t, "Figli", "Prenotazioni")
	wantCounterTexts(t, f.texts(), "Non più modificabile")
}

func TestCounterScreenTopUpRange(t *testing.T) {
	f := newCounterFixture(t, true)
	f.s.PostBadge("0A00000001")
	f.tap(t, "Ricarica")
	wantCounterTexts(t, f.texts(), "Importo da 1,00 € a 500,00 €")
	f.type_(t, "600")
	wantCounterTexts(t, f.texts(), "Importo: 600,00 €")
	f.tap(t, "Crea l'avviso di pagamento")
	wantCounterTexts(t, f.texts(), "Importo non ammesso: scegli da 1,00 € a 500,00 €")
	if ns := f.central.Notices("F1"); len(ns) != 0 {
		t.Errorf("%d notices made for an amount out of range", len(ns))
	}
}

func TestCounterScreenStaffGesture(t *testing.T) {
	f := newCounterFixture(t, false)
	n := 0
	f.s.OnStaffGesture = func() { n++ }
	var zone *counterTapZone
	walk(f.s.Content(), func(o fyne.CanvasObject) {
		if z, ok := o.(*counterTapZone); ok {
			zone = z
		}
	})
	for range 4 {
		test.Tap(zone)
		f.clk.Add(time.Second) // the first tap is 4 s old at the fifth
	}
	test.Tap(zone)
	if n != 0 {
		t.Errorf("gesture fired with taps spread over 4 s")
	}
	for range 4 {
		test.Tap(zone)
	}
	if n != 1 {
		t.Errorf("gesture fired %d times for five quick taps", n)
	}
}

// shownQR captures the window through Fyne's software renderer, crops the
// QR image's region and decodes it with an independent decoder
// (gozxing), as a phone reads it: its text, its width on screen in pixels
// and the side of one of its modules in pixels.
func (f *counterFixture) shownQR(t *testing.T) (text string, widthPx int, modulePx float32) {
	t.Helper()
	f.s.wait()
	f.s.mu.Lock()
	img := f.s.qrImg
	f.s.mu.Unlock()
	if img == nil {
		t.Fatal("no QR code on screen")
	}
	shot := f.w.Canvas().Capture()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(img)
	size := img.Size()
	scale := float32(shot.Bounds().Dx()) / f.w.Canvas().Size().Width
	r := image.Rect(int(pos.X*scale), int(pos.Y*scale), int((pos.X+size.Width)*scale), int((pos.Y+size.Height)*scale))
	crop := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(crop, crop.Bounds(), shot, r.Min, draw.Src)
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decoding the QR code captured from the screen: %v", err)
	}
	return res.GetText(), r.Dx(), float32(r.Dx()) / float32(img.Image.Bounds().Dx())
}
