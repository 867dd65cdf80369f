package ui

import (
	"context"
	"image"
	"image/draw"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"mensakiosk/app"
)

// fakeFamilyCounter is an in-memory counter backend for the screens of
// the messages, the take-home links and the absence: one family, known by
// one badge, with its messages and bookings; it records what the screen
// asked (reads, absences).
type fakeFamilyCounter struct {
	mu       sync.Mutex
	now      time.Time
	loc      *time.Location
	online   bool
	fam      app.Family
	current  bool
	docs     []app.Document
	reads    []string
	absences []app.AbsenceRequest
	absErr   error
}

func newFakeFamilyCounter() *fakeFamilyCounter {
	days := []time.Weekday{time.Monday, time.Wednesday, time.Friday}
	now := counterStartFake()
	return &fakeFamilyCounter{now: now, loc: now.Location(), online: true,
		fam: app.Family{
			Account: app.Account{ID: "F1", Holder: "Rossi Anna", Balance: 3650, BalanceAsOf: now},
			Pupils: []app.Pupil{
				{ID: "P1", AccountID: "F1", FirstName: "Marco", LastName: "Rossi", School: "Primaria Dante", Class: "3B", Weekdays: days, FeeBand: "B", MealPrice: 390},
				{ID: "P2", AccountID: "F1", FirstName: "Sara", LastName: "Rossi", School: "Primaria Dante", Class: "1A", Weekdays: days, FeeBand: "B", MealPrice: 390},
			},
			Messages: []app.Message{
				{ID: "M3", Title: "Gita al museo", Body: "Giovedì 3 dicembre la classe 3B pranza al sacco: il pasto è disdetto d'ufficio.",
					URL: "https://comune.example.it/scuola/gita-museo", Sent: now.Add(-2 * time.Hour),
					Audience: app.MessageAudience{Kind: app.AudienceClass, School: "Primaria Dante", Class: "3B"}},
				{ID: "M2", Title: "Saldo in esaurimento", Body: "Il saldo è sotto i 5 euro: ricaricate allo sportello.",
					Sent: now.Add(-26 * time.Hour), Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "F1"}},
				{ID: "M1", Title: "Attestazioni per il 730", Body: "Le attestazioni delle spese di mensa sono disponibili.",
					URL: "https://comune.example.it/mensa/attestazioni-730", Sent: now.Add(-30 * 24 * time.Hour), ReadAt: now.Add(-20 * 24 * time.Hour),
					Audience: app.MessageAudience{Kind: app.AudienceAll}},
			},
			BookingCutoff: "09:30", AsOf: now,
		},
		docs: []app.Document{
			{ID: "d1", Title: "Regolamento del servizio di refezione scolastica", URL: "https://comune.example.it/mensa/regolamento-2026.pdf", Published: now.Add(-72 * time.Hour)},
			{ID: "d2", Title: "Menù invernale", URL: "https://comune.example.it/mensa/menu-inverno.pdf", Published: now.Add(-96 * time.Hour)},
		},
	}
}

// counterStartFake is Monday 23 November 2026, 08:00 in Rome.
func counterStartFake() time.Time {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return time.Date(2026, 11, 23, 8, 0, 0, 0, l)
}

func (f *fakeFamilyCounter) IdentifyBadge(_ context.Context, id app.BadgeID) (app.Family, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != "0A00000001" {
		return app.Family{}, app.ErrUnknownBadge
	}
	f.current = true
	return f.copyLocked(), nil
}

func (f *fakeFamilyCounter) IdentifyFiscalCode(context.Context, string, string) (app.Family, error) {
	return app.Family{}, app.ErrIdentification
}

func (f *fakeFamilyCounter) copyLocked() app.Family {
	c := f.fam
	c.Pupils, c.Bookings, c.Messages = slices.Clone(f.fam.Pupils), slices.Clone(f.fam.Bookings), slices.Clone(f.fam.Messages)
	return c
}

func (f *fakeFamilyCounter) Current() (app.Family, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.copyLocked(), f.current
}

func (f *fakeFamilyCounter) Refresh(context.Context) (app.Family, error) {
	fam, _ := f.Current()
	return fam, nil
}

func (f *fakeFamilyCounter) Forget()           { f.mu.Lock(); f.current = false; f.mu.Unlock() }
func (f *fakeFamilyCounter) Touch()            {}
func (f *fakeFamilyCounter) IdleExpired() bool { return false }
func (f *fakeFamilyCounter) SetOnline(on bool) { f.mu.Lock(); f.online = on; f.mu.Unlock() }
func (f *fakeFamilyCounter) Online() bool      { f.mu.Lock(); defer f.mu.Unlock(); return f.online }

func (f *fakeFamilyCounter) Book(_ context.Context, r app.BookingRequest) (app.Family, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fam.Bookings = slices.DeleteFunc(f.fam.Bookings, func(b app.Booking) bool { return b.PupilID == r.PupilID && b.Day == r.Day })
	if r.Cancelled || r.Bland {
		f.fam.Bookings = append(f.fam.Bookings, app.Booking(r))
	}
	return f.copyLocked(), nil
}

// BookingOpen: online, a coming day, or today before 09:30.
func (f *fakeFamilyCounter) BookingOpen(d app.Day) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	today := app.DayOf(f.now, f.loc)
	return f.online && (d > today || d == today && f.now.Hour()*60+f.now.Minute() < 9*60+30)
}

func (f *fakeFamilyCounter) TopUp(context.Context, app.Cents) (app.Notice, error) {
	return app.Notice{}, app.ErrOffline
}
func (f *fakeFamilyCounter) NewTopUp() {}
func (f *fakeFamilyCounter) PollNotice(context.Context, string) (app.Notice, app.Family, error) {
	return app.Notice{}, app.Family{}, app.ErrOffline
}
func (f *fakeFamilyCounter) News() ([]app.News, error) { return nil, nil }
func (f *fakeFamilyCounter) Documents() ([]app.Document, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.docs), nil
}
func (f *fakeFamilyCounter) Config() app.CounterConfig {
	return app.CounterConfig{Location: f.loc, IdleTimeout: time.Minute, TopUpMin: 100, TopUpMax: 50000,
		Presets: []app.Cents{1000, 2000}, MonthsBack: 3, MaxFailures: 3}
}
func (f *fakeFamilyCounter) Now() time.Time             { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeFamilyCounter) AttemptWait() time.Duration { return 0 }

// MarkRead marks the messages read now.
func (f *fakeFamilyCounter) MarkRead(ids ...string) (app.Family, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.fam.Messages {
		m := &f.fam.Messages[i]
		if slices.Contains(ids, m.ID) && m.ReadAt.IsZero() {
			m.ReadAt = f.now
			f.reads = append(f.reads, m.ID)
		}
	}
	return f.copyLocked(), nil
}

// Absent cancels the children's canteen days from..to.
func (f *fakeFamilyCounter) Absent(_ context.Context, pupils []app.PupilID, from, to app.Day) (app.Family, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.absences = append(f.absences, app.AbsenceRequest{AccountID: f.fam.Account.ID, PupilIDs: pupils, From: from, To: to})
	if f.absErr != nil {
		return app.Family{}, f.absErr
	}
	days, err := app.AbsenceDays(from, to, f.loc)
	if err != nil {
		return app.Family{}, err
	}
	for _, p := range f.fam.Pupils {
		if len(pupils) > 0 && !slices.Contains(pupils, p.ID) {
			continue
		}
		for _, d := range days {
			if p.EatsOn(d.Weekday()) {
				f.fam.Bookings = append(f.fam.Bookings, app.Booking{PupilID: p.ID, Day: app.DayOf(d, f.loc), Cancelled: true})
			}
		}
	}
	return f.copyLocked(), nil
}

var (
	_ CounterBackend       = (*fakeFamilyCounter)(nil)
	_ CounterFamilyBackend = (*fakeFamilyCounter)(nil)
)

// familyFixture is the counter screen on the fake, in a test window.
type familyFixture struct {
	b *fakeFamilyCounter
	s *CounterScreen
	w fyne.Window
}

func newFamilyFixture(t *testing.T) *familyFixture {
	t.Helper()
	f := &familyFixture{b: newFakeFamilyCounter()}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(KioskTheme())
	f.s = NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, f.b,
		CounterOptions{PollInterval: time.Hour})
	t.Cleanup(func() { f.s.Close(); f.s.wait() })
	f.s.SetSync(app.SyncStatus{Configured: true, Online: true})
	f.w = test.NewTempWindow(t, f.s.Content())
	f.w.SetPadded(false)
	f.w.Resize(fyne.NewSize(1280, 800))
	return f
}

// familyWalk calls fn for every visible object under o.
func familyWalk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			familyWalk(c, fn)
		}
	case *container.ThemeOverride:
		familyWalk(x.Content, fn)
	}
}

func (f *familyFixture) texts() string {
	f.s.wait()
	var b strings.Builder
	familyWalk(f.s.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text != "" {
			b.WriteString(l.Text + "\n")
		} else if it, ok := o.(*inkText); ok && it.Text() != "" {
			b.WriteString(it.Text() + "\n") // a note's words
		}
	})
	return b.String()
}

// buttons returns the visible buttons whose text starts with prefix.
func (f *familyFixture) buttons(prefix string) []*widget.Button {
	f.s.wait()
	var out []*widget.Button
	familyWalk(f.s.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, prefix) {
			out = append(out, b)
		}
	})
	return out
}

func (f *familyFixture) tap(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		bs := f.buttons(text)
		var found *widget.Button
		for _, b := range bs {
			if b.Text == text {
				found = b
				break
			}
		}
		if found == nil {
			t.Fatalf("no button %q on screen; texts:\n%s", text, f.texts())
		}
		if found.Disabled() {
			t.Fatalf("button %q is disabled", text)
		}
		test.Tap(found)
		f.s.wait()
	}
}

func (f *familyFixture) badge(t *testing.T) {
	t.Helper()
	f.s.PostBadge("0A00000001")
	f.s.wait()
}

// decodeShownQR captures the window with Fyne's software renderer, crops
// the QR image on screen and decodes it with an independent decoder
// (gozxing); it returns the text and the module's side in pixels.
func (f *familyFixture) decodeShownQR(t *testing.T) (string, float32) {
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
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decoding the QR code captured from the screen: %v", err)
	}
	modules := img.Image.Bounds().Dx()
	return res.GetText(), float32(r.Dx()) / float32(modules)
}
