package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// publicationBackend is an in-memory CounterBackend: one family, and a
// notice whose publication on pagoPA the test moves on.
type publicationBackend struct {
	mu     sync.Mutex
	fam    app.Family
	notice app.Notice
	has    bool
}

func (b *publicationBackend) IdentifyBadge(context.Context, app.BadgeID) (app.Family, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.has = true
	return b.fam, nil
}
func (b *publicationBackend) IdentifyFiscalCode(context.Context, string, string) (app.Family, error) {
	return b.IdentifyBadge(context.Background(), "")
}
func (b *publicationBackend) Current() (app.Family, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fam, b.has
}
func (b *publicationBackend) Refresh(context.Context) (app.Family, error) { return b.fam, nil }
func (b *publicationBackend) Forget()                                     { b.mu.Lock(); b.has = false; b.mu.Unlock() }
func (b *publicationBackend) Touch()                                      {}
func (b *publicationBackend) IdleExpired() bool                           { return false }
func (b *publicationBackend) SetOnline(bool)                              {}
func (b *publicationBackend) Online() bool                                { return true }
func (b *publicationBackend) Book(context.Context, app.BookingRequest) (app.Family, error) {
	return b.fam, nil
}
func (b *publicationBackend) BookingOpen(app.Day) bool { return true }
func (b *publicationBackend) TopUp(_ context.Context, amount app.Cents) (app.Notice, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.notice.Amount = amount
	return b.notice, nil
}
func (b *publicationBackend) NewTopUp() {}
func (b *publicationBackend) PollNotice(context.Context, string) (app.Notice, app.Family, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.notice, b.fam, nil
}
func (b *publicationBackend) News() ([]app.News, error)          { return nil, nil }
func (b *publicationBackend) Documents() ([]app.Document, error) { return nil, nil }
func (b *publicationBackend) Config() app.CounterConfig {
	return app.CounterConfig{Location: romeTZ, TopUpMin: 100, TopUpMax: 50000, Presets: []app.Cents{1000, 2000, 5000}}
}
func (b *publicationBackend) Now() time.Time             { return counterStart }
func (b *publicationBackend) AttemptWait() time.Duration { return 0 }

// set changes what the server answers about the notice.
func (b *publicationBackend) set(fn func(n *app.Notice)) {
	b.mu.Lock()
	fn(&b.notice)
	b.mu.Unlock()
}

const publicationCode = "301000000000000144"

func newPublicationFixture(t *testing.T, pub app.NoticePublication, lang string) (*counterFixture, *publicationBackend) {
	t.Helper()
	b := &publicationBackend{
		fam: app.Family{Account: app.Account{ID: "F1", Holder: "Rossi Mario", Balance: 1250}, AsOf: counterStart},
		notice: app.Notice{IUPD: "99999000013-01000000000000144", NoticeCode: publicationCode, AccountID: "F1", DebtorFiscalCode: "RSSMRA80A01H501U",
			DebtorName: "Rossi Mario", Subject: "Ricarica servizio mensa scolastica", DueDate: "2026-12-23", State: app.NoticeValid,
			Created: counterStart, Creditor: app.Creditor{FiscalCode: "99999000013", Name: "Comune di Esempio"}, Publication: pub},
	}
	test.NewTempApp(t).Settings().SetTheme(KioskTheme())
	s := NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, b,
		CounterOptions{PollInterval: time.Hour, Location: romeTZ, Language: lang})
	t.Cleanup(func() { s.Close(); s.wait(); s.pollers.Wait() })
	s.SetSync(app.SyncStatus{Configured: true, Online: true})
	f := &counterFixture{s: s, w: test.NewTempWindow(t, s.Content())}
	f.w.SetPadded(false)
	f.w.Resize(fyne.NewSize(1280, 720))
	return f, b
}

// TestCounterNoticePreparingUntilPublished: until pagoPA holds the
// position the counter shows "preparing the notice" and nothing payable
// (no QR code, no notice code, no print); once accepted, the avviso;
// once paid, "Pagamento ricevuto".
func TestCounterNoticePreparingUntilPublished(t *testing.T) {
	f, b := newPublicationFixture(t, app.NoticePreparing, "it")
	f.s.PostBadge("0A00000001")
	f.tap(t, "Ricarica", "20,00 €", "Crea l'avviso di pagamento")
	got := f.texts()
	wantCounterTexts(t, got, "Preparazione dell'avviso in corso…", "Ricarica richiesta: 20,00 €")
	for _, no := range []string{pagopa.GroupNoticeCode(publicationCode), publicationCode, "Avviso di pagamento", "Dove pagare"} {
		if strings.Contains(got, no) {
			t.Errorf("%q shown before pagoPA accepted the notice", no)
		}
	}
	f.s.mu.Lock()
	qr := f.s.qrImg
	f.s.mu.Unlock()
	if qr != nil {
		t.Error("a QR code is on screen before pagoPA accepted the notice")
	}
	// Accepted by pagoPA: the next poll (here asked now) shows the avviso.
	b.set(func(n *app.Notice) { n.Publication = "" })
	f.tap(t, "Verifica ora")
	wantCounterTexts(t, f.texts(), "Avviso di pagamento", pagopa.GroupNoticeCode(publicationCode), "In attesa del pagamento…")
	f.s.mu.Lock()
	qr = f.s.qrImg
	f.s.mu.Unlock()
	if qr == nil {
		t.Error("no QR code once published")
	}
	b.set(func(n *app.Notice) {
		n.State = app.NoticePaid
		n.Receipt = &app.Receipt{ReceiptID: "R-1", NoticeCode: publicationCode, Amount: 2000, PaidAt: counterStart, PSP: "Banca"}
	})
	f.tap(t, "Verifica il pagamento")
	wantCounterTexts(t, f.texts(), "Pagamento ricevuto")
}

// TestCounterNoticeNotIssued: pagoPA down or refusing: a plain message,
// nothing payable, in Italian and English.
func TestCounterNoticeNotIssued(t *testing.T) {
	for _, tc := range []struct {
		pub          app.NoticePublication
		lang, amount string
		want         string
		code         string
	}{
		{app.NoticeUnavailable, "it", "10,00 €", "L'avviso non può essere emesso ora", publicationCode},
		{app.NoticeRefused, "it", "10,00 €", "L'avviso non è stato emesso", publicationCode},
		{app.NoticeUnavailable, "en", "10,00 €", "The notice cannot be issued now", publicationCode},
		{app.NoticePreparing, "en", "10,00 €", "Preparing the notice…", publicationCode},
	} {
		// A subtest each: the screen's poller ends with its fixture.
		t.Run(string(tc.pub)+"-"+tc.lang, func(t *testing.T) {
			f, _ := newPublicationFixture(t, tc.pub, tc.lang)
			f.s.PostBadge("0A00000001")
			if tc.lang == "en" {
				f.tap(t, "Top up", tc.amount, "Create the payment notice")
			} else {
				f.tap(t, "Ricarica", tc.amount, "Crea l'avviso di pagamento")
			}
			got := f.texts()
			wantCounterTexts(t, got, tc.want)
			f.s.mu.Lock()
			qr := f.s.qrImg
			f.s.mu.Unlock()
			if strings.Contains(got, pagopa.GroupNoticeCode(tc.code)) || qr != nil {
				t.Errorf("%s %s: something payable on screen", tc.pub, tc.lang)
			}
		})
	}
}
