package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"mensakiosk/app"
)

// Every view must fit the kiosk's window: a Fyne window grows to its
// content's MinSize, and under the real driver a screen taller than the
// display goes off it. These tests walk every view of the counter, staff
// and canteen screens with long, realistic data and measure the content's
// MinSize laid out in the window the kiosk opens.

const (
	// The demo: a 1600×900 window less the demo reader panel beside the
	// role screen (at most fitDemoPanelW wide), less a little for the
	// window's own decorations.
	fitDemoW, fitDemoH = 1100, 860
	fitDemoPanelW      = 420
	// The demo panel has the window's full height.
	fitDemoWindowH = 900
)

// fitCheck lays o out in w at maxW×maxH and fails if its MinSize is larger.
// Wrapped labels compute their height at the width they are given, so the
// content is laid out at the target size before it is measured.
func fitCheck(t *testing.T, name string, w fyne.Window, o fyne.CanvasObject, maxW, maxH float32) {
	t.Helper()
	w.Resize(fyne.NewSize(maxW, maxH))
	o.Refresh()
	o.Resize(fyne.NewSize(maxW, maxH))
	ms := o.MinSize()
	t.Logf("%-28s %6.0f × %-6.0f (limit %.0f × %.0f)", name, ms.Width, ms.Height, maxW, maxH)
	if ms.Width > maxW || ms.Height > maxH {
		t.Errorf("%s: MinSize %.0f × %.0f does not fit %.0f × %.0f", name, ms.Width, ms.Height, maxW, maxH)
	}
	checkPagersReadable(t, name, o, 0) // counter_pager_test.go: a page number is never cut
}

const (
	fitSchool  = "Scuola dell'Infanzia Gianni Rodari"
	fitSchool2 = "Scuola Primaria Statale Giovanni Pascoli — plesso di via Garibaldi"
)

// fitCounterData is the counter's roster with long texts: three children in
// schools with long names, news with a long body, documents with long URLs.
func fitCounterData() counterData {
	d := counterRosterData()
	days := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	d.Pupils[0].School, d.Pupils[1].School = fitSchool, fitSchool2
	d.Pupils[0].Weekdays, d.Pupils[1].Weekdays = days, days
	d.Pupils[1].Diet = &app.Diet{Code: "GLUT", Name: "Senza glutine, senza lattosio e senza frutta a guscio",
		Allergens: []string{"glutine", "latte e derivati", "frutta a guscio", "sedano", "senape", "uova"}}
	d.Pupils = append(d.Pupils, app.Pupil{ID: "P3", AccountID: "F1", FirstName: "Maria Vittoria", LastName: "Rossi",
		FiscalCode: "RSSMVT19E41H501R", School: fitSchool2, Class: "5C sezione Montessori", Weekdays: days, FeeBand: "C — esenzione parziale", MealPrice: 290})
	d.News = []app.News{
		{ID: "n1", Title: "Nuovo menu invernale nelle scuole dell'infanzia e primarie del Comune", Published: counterStart.Add(-48 * time.Hour),
			Body: strings.Repeat("Dal 1° dicembre entra in vigore il menu invernale approvato dalla commissione mensa e dal servizio di igiene degli alimenti dell'ASL. ", 4)},
		{ID: "n2", Title: "Iscrizioni al servizio", Body: "Le iscrizioni per il prossimo anno scolastico si aprono il 7 gennaio.", Published: counterStart.Add(-96 * time.Hour)},
		{ID: "n3", Title: "Sciopero del personale", Body: "Il 12 dicembre il servizio potrebbe non essere garantito.", Published: counterStart.Add(-120 * time.Hour)},
	}
	d.Documents = []app.Document{
		{ID: "d1", Title: "Regolamento del servizio di refezione scolastica del Comune", URL: "https://www.comune.example.it/amministrazione/servizi-scolastici/refezione/regolamento-servizio-refezione-scolastica-2026.pdf", Published: counterStart.Add(-72 * time.Hour)},
		{ID: "d2", Title: "Tariffe e fasce ISEE", URL: "https://www.comune.example.it/amministrazione/servizi-scolastici/refezione/tariffe-fasce-isee-anno-scolastico-2026-2027.pdf", Published: counterStart.Add(-72 * time.Hour)},
		{ID: "d3", Title: "Modulo di richiesta dieta speciale per motivi di salute o religiosi", URL: "https://www.comune.example.it/amministrazione/servizi-scolastici/refezione/modulistica/richiesta-dieta-speciale.pdf", Published: counterStart.Add(-72 * time.Hour)},
		{ID: "d4", Title: "Menu invernale", URL: "https://www.comune.example.it/menu-invernale.pdf", Published: counterStart.Add(-72 * time.Hour)},
	}
	return d
}

// fitCounterViews taps through every view of the counter screen and calls
// check at each one.
func fitCounterViews(t *testing.T, check func(t *testing.T, name string, f *counterFixture)) {
	// tapCheck taps the button and checks the view it leads to.
	tapCheck := func(t *testing.T, f *counterFixture, button, name string) {
		t.Helper()
		f.tap(t, button)
		check(t, name, f)
	}
	t.Run("server", func(t *testing.T) {
		f := newCounterFixtureWith(t, true, fitCounterData())
		f.s.OnPrint = func(n app.Notice, _ *Catalogue) (PrintResult, error) {
			return PrintResult{File: "/home/mensa/.local/state/mensakiosk/avvisi/avviso-" + n.NoticeCode + ".pdf"}, nil
		}
		check(t, "counter home", f)
		f.tap(t, "Identificati con il codice fiscale")
		f.type_(t, tCF)
		check(t, "counter identify keyboard", f)
		f.tap(t, "Avanti")
		f.type_(t, "1")
		f.tap(t, "Accedi") // wrong: the error line shows too
		check(t, "counter code keypad", f)
		f.type_(t, tCode)
		tapCheck(t, f, "Accedi", "counter children")
		tapCheck(t, f, "Successivo", "counter children (diet)")
		tapCheck(t, f, "Prenotazioni", "counter bookings")
		tapCheck(t, f, "Disdici pasto", "counter bookings (changed)")
		f.tap(t, "Ricarica", "20,00 €")
		check(t, "counter top-up", f)
		tapCheck(t, f, "Crea l'avviso di pagamento", "counter avviso")
		f.tap(t, "Stampa avviso")
		wantCounterTexts(t, f.texts(), "Avviso salvato in")
		check(t, "counter avviso printed", f)
		ns := f.central.Notices("F1")
		if len(ns) != 1 {
			t.Fatalf("notices %d", len(ns))
		}
		if _, err := f.central.Pay(app.Receipt{ReceiptID: "R-1", NoticeCode: ns[0].NoticeCode, Amount: 2000, PaidAt: f.clk.Now(), PSP: "Banca Test"}); err != nil {
			t.Fatal(err)
		}
		f.tap(t, "Verifica il pagamento")
		wantCounterTexts(t, f.texts(), "Pagamento ricevuto")
		check(t, "counter paid", f)
		tapCheck(t, f, "Indietro", "counter notices")
	})
	t.Run("cached", func(t *testing.T) {
		d := fitCounterData()
		f := newCounterFixtureWith(t, false, d)
		asOf := counterStart.Add(-26 * time.Hour)
		var meals []app.Meal
		var notices []app.Notice
		for day := 2; day <= 20; day++ {
			meals = append(meals, app.Meal{EventID: fmt.Sprint("e", day), PupilID: "P3", AccountID: "F1",
				Day: app.Day(time.Date(2026, 11, day, 12, 0, 0, 0, romeTZ).Format(time.DateOnly)), Price: 290, Via: app.ViaManual, Voided: day%4 == 0})
		}
		for i := range 7 {
			notices = append(notices, app.Notice{NoticeCode: fmt.Sprintf("3%02d000000000000%03d", i, i), Amount: app.Cents(100000 + i),
				State: app.NoticeExpired, Created: asOf.Add(-time.Duration(i) * 240 * time.Hour)})
		}
		if err := f.store.PutFamilyCache(app.FamilyView{Account: app.Account{ID: "F1", Balance: -123456, BalanceAsOf: asOf},
			Meals: meals, Notices: notices, BookingCutoff: "09:30", AsOf: asOf}); err != nil {
			t.Fatal(err)
		}
		f.s.PostBadge("0A00000001")
		check(t, "counter children (cached)", f)
		tapCheck(t, f, "Pasti", "counter meals")
		tapCheck(t, f, "Prenotazioni", "counter bookings (offline)")
		tapCheck(t, f, "Ricarica", "counter top-up (offline)")
		tapCheck(t, f, "Avvisi", "counter notices (cached)")
	})
}

// fitScreen is a display the kiosk must fit: its pixels, and the scale
// asked for (window.scale, or what a DPI-detecting driver would pick).
// The kiosk runs at KioskScale of them; Fyne lays out in units of
// pixels/scale, so a view fits the display when it fits that many units
// on the test driver.
type fitScreen struct {
	w, h int
	want float64
}

func (f fitScreen) String() string {
	return fmt.Sprintf("%dx%d@%.2f(runs at %.1f)", f.w, f.h, f.want, KioskScale(f.w, f.h, f.want))
}

func (f fitScreen) size() fyne.Size {
	sc := KioskScale(f.w, f.h, f.want)
	return fyne.NewSize(float32(f.w)/sc, float32(f.h)/sc)
}

// fitScreens: a 10" 1280×800 panel and a 1280×720 one at scale 1 and at
// the 1.25 asked for (or detected), and a 1600×1000 display at 1.25.
var fitScreens = []fitScreen{{1280, 800, 1}, {1280, 720, 1}, {1280, 800, 1.25}, {1280, 720, 1.25}, {1600, 1000, 1.25}}

func TestCounterViewsFit(t *testing.T) {
	for _, sc := range fitScreens {
		t.Run(sc.String(), func(t *testing.T) {
			sz := sc.size()
			fitCounterViews(t, func(t *testing.T, name string, f *counterFixture) {
				t.Helper()
				f.s.wait()
				fitCheck(t, name, f.w, f.s.Content(), sz.Width, sz.Height)
			})
		})
	}
}

// TestCounterViewsFitDemo: in demo mode the role screen has the window less
// the demo panel.
func TestCounterViewsFitDemo(t *testing.T) {
	fitCounterViews(t, func(t *testing.T, name string, f *counterFixture) {
		t.Helper()
		f.s.wait()
		fitCheck(t, name, f.w, f.s.Content(), fitDemoW, fitDemoH)
	})
}

// fitStaffBackend has many pupils with long school names, most of them
// served today.
func fitStaffBackend(t *testing.T) *kioskBackend {
	t.Helper()
	week := []time.Weekday{1, 2, 3, 4, 5}
	names := []string{"Giulia", "Marco", "Maria Vittoria", "Leonardo", "Aurora", "Francesco", "Alice", "Tommaso", "Beatrice", "Gabriele"}
	var pupils []app.Pupil
	var badges []app.Badge
	for i, n := range names {
		p := app.Pupil{ID: app.PupilID(fmt.Sprint("P", i)), AccountID: "A1", FirstName: n, LastName: "Rossi Bianchi",
			School: []string{fitSchool, fitSchool2}[i%2], Class: fmt.Sprintf("%dB", 1+i%5), Weekdays: week, MealPrice: 450}
		if i%3 == 0 {
			p.Diet = &app.Diet{Code: "GF", Name: "Senza glutine e senza lattosio", Allergens: []string{"glutine", "latte"}}
		}
		pupils = append(pupils, p)
		badges = append(badges, app.Badge{ID: app.BadgeID(fmt.Sprintf("01000000%02d", i)), PupilID: p.ID})
	}
	b := newKioskBackendWith(t, pupils, badges)
	for _, bd := range badges[:8] {
		if _, err := b.c.Tap(context.Background(), bd.ID); err != nil {
			t.Fatal(err)
		}
		b.clk.Add(4 * time.Second)
	}
	b.dirs = append(b.dirs, "/media/kiosk/CHIAVETTA USB DELLA SEGRETERIA SCOLASTICA/report mensa/anno 2026-2027")
	// The reader page with more recent frames than it lists, accepted and
	// refused with the device's long reasons (issue 10: eight frames grew
	// the window past the display).
	info := ReaderInfo{Status: app.ReaderStatus{State: app.ReaderDisconnected, Port: "/dev/serial/by-id/usb-RDM6300_125kHz_RFID_reader_0001-if00-port0",
		Err: "open /dev/serial/by-id/usb-RDM6300_125kHz_RFID_reader_0001-if00-port0: no such file or directory"}, Accepted: 1234, Rejected: 56}
	for i := range 12 {
		fr := ReaderFrame{At: noon.Add(time.Duration(i) * time.Second), Badge: app.BadgeID(fmt.Sprintf("01000000%02d", i))}
		if i%2 == 1 {
			fr = ReaderFrame{At: fr.At, Raw: "<02>0100000001AB<03><02>0100000001AB<03><02>01000000", Err: "checksum mismatch: frame 0x3A, computed 0x3B; frame too long (26 bytes, want 14)"}
		}
		info.Frames = append(info.Frames, fr)
	}
	b.reader = &info
	return b
}

// staffKnownTooBig are the staff views not yet made to fit: measured and
// logged, not asserted. Empty: every staff view fits.
var staffKnownTooBig = map[string]bool{}

func TestStaffViewsFit(t *testing.T) {
	sizes := []fyne.Size{{Width: fitDemoW, Height: fitDemoH}}
	for _, sc := range fitScreens {
		sizes = append(sizes, sc.size())
	}
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			s, b := newStaffTestScreenWith(t, fitStaffBackend(t))
			w := fyne.CurrentApp().Driver().AllWindows()[0]
			check := func(name string) {
				t.Helper()
				if staffKnownTooBig[name] {
					w.Resize(size)
					ms := s.Content().MinSize()
					t.Logf("%-28s %6.0f × %-6.0f (limit %.0f × %.0f) KNOWN NOT TO FIT", name, ms.Width, ms.Height, size.Width, size.Height)
					return
				}
				fitCheck(t, name, w, s.Content(), size.Width, size.Height)
			}
			// tapCheck taps the button and checks the view it leads to.
			tapCheck := func(button, name string) {
				t.Helper()
				tapButton(t, s, button)
				check(name)
			}
			s.Begin(nil)
			check("staff PIN")
			for range 5 {
				typePIN(t, s, "9999")
			}
			wantText(t, s, "bloccato")
			check("staff PIN locked")
			b.clk.Add(time.Minute)
			s.Tick()
			s.Begin(nil)
			typePIN(t, s, "2468")
			check("staff menu")
			tapCheck("Pasto manuale", "staff manual keyboard")
			tapCheck("R", "staff manual results")
			tapCheck("Rossi Bianchi Beatrice", "staff manual confirm")
			tapCheck("Registra il pasto", "staff manual result")
			tapButton(t, s, "Indietro")
			tapCheck("Annulla pasto", "staff void list")
			tapCheck("12:07 · ", "staff void reasons")
			tapCheck("Registrato due volte", "staff void confirm")
			tapCheck("Annulla il pasto", "staff void done")
			s.showMenu()
			tapCheck("Report", "staff report")
			tapCheck("Esporta CSV", "staff export")
			tapCheck(b.dirs[0], "staff export done")
			s.showMenu()
			tapCheck("Invii in attesa", "staff outbox")
			tapButton(t, s, "Indietro")
			tapCheck("Lettore", "staff reader")
			tapButton(t, s, "Indietro")
			tapCheck("Impostazioni", "staff settings")
			tapSettingsField(t, s, s.settingsForm.url)
			check("staff settings keyboard")
			tapButton(t, s, "Annulla")
			tapSettingsField(t, s, s.settingsForm.from)
			check("staff settings keypad")
			tapButton(t, s, "Annulla")
			s.settingsForm.debounce.SetText("99s")
			s.settingsForm.url.SetText("http://mensa.example.it")
			s.settingsForm.from.SetText("15:00")
			tapCheck("Applica", "staff settings errors")
			tapButton(t, s, "Indietro")
			tapCheck("Esci dal chiosco", "staff quit")
		})
	}
}

func TestCanteenViewsFit(t *testing.T) {
	for _, tc := range results() {
		s, w := newTestScreen(t, "it", time.Hour)
		s.ShowResult(tc.r)
		for _, sc := range fitScreens {
			sz := sc.size()
			fitCheck(t, "canteen "+tc.name+" "+sc.String(), w, s.Content(), sz.Width, sz.Height)
		}
		fitCheck(t, "canteen demo "+tc.name, w, s.Content(), fitDemoW, fitDemoH)
	}
}

// TestDemoPanelWidth: the demo panel beside the role screen stays narrow
// with the longest entries the demo makes.
func TestDemoPanelWidth(t *testing.T) {
	newKioskApp(t)
	entries := []DemoEntry{{Tags: []DemoTag{DemoTagMarkPaid}}, DemoUnknown(nil), DemoGarbled(nil), DemoUnplug(), DemoReplug(), DemoNetCut(), DemoNetRestore(),
		{Label: "Anna Cuoca Bianchi", Tags: []DemoTag{DemoTagStaff}, Detail: "2468"},
		{Label: "Maria Vittoria R. 5C", Tags: []DemoTag{DemoTagFamilyCode, DemoTagBlocked}, Detail: "RSSMVT19E41H501S 482913"}}
	entries = append(entries, demoEntries(12)...)
	for _, lang := range []string{"it", "en"} {
		p := NewDemoPanel(MustCatalogue(lang), entries, nil)
		w := test.NewTempWindow(t, p.Content())
		for page := range p.Pages() {
			p.SetPage(page)
			w.Resize(fyne.NewSize(fitDemoPanelW, fitDemoWindowH))
			ms := p.Content().MinSize()
			t.Logf("demo panel %s page %d: %.0f × %.0f", lang, page+1, ms.Width, ms.Height)
			if ms.Width > fitDemoPanelW || ms.Height > fitDemoWindowH {
				t.Errorf("demo panel %s page %d: MinSize %.0f × %.0f, want within %d × %d", lang, page+1, ms.Width, ms.Height, fitDemoPanelW, fitDemoWindowH)
			}
		}
	}
}
