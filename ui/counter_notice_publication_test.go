package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// newPublicationFixture: the counter's fixture (the real app.Counter on
// apptest's store and central server) whose new notices start at pub on
// pagoPA, in a 1280×720 window in language lang.
func newPublicationFixture(t *testing.T, pub app.NoticePublication, lang string) *counterFixture {
	t.Helper()
	f := newCounterBackend(t, true, counterRosterData())
	f.central.Publication = pub
	f.show(t, CounterOptions{PollInterval: time.Hour, Location: romeTZ, Language: lang}, fyne.NewSize(1280, 720))
	return f
}

// madeNotice is the notice the family's top-up made, as the server holds it.
func madeNotice(t *testing.T, f *counterFixture) app.Notice {
	t.Helper()
	ns := f.central.Notices("F1")
	if len(ns) != 1 {
		t.Fatalf("the server holds %d notices, want the one made", len(ns))
	}
	return ns[0]
}

// TestCounterNoticePreparingUntilPublished: until pagoPA holds the
// position the counter shows "preparing the notice" and nothing payable
// (no QR code, no notice code, no print); once accepted, the avviso;
// once paid, "Pagamento ricevuto".
func TestCounterNoticePreparingUntilPublished(t *testing.T) {
	f := newPublicationFixture(t, app.NoticePreparing, "it")
	f.s.PostBadge("0A00000001")
	f.tap(t, "Ricarica", "20,00 €", "Crea l'avviso di pagamento")
	publicationCode := madeNotice(t, f).NoticeCode
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
	if err := f.central.Publish(publicationCode, ""); err != nil {
		t.Fatal(err)
	}
	f.tap(t, "Verifica ora")
	wantCounterTexts(t, f.texts(), "Avviso di pagamento", pagopa.GroupNoticeCode(publicationCode), "In attesa del pagamento…")
	f.s.mu.Lock()
	qr = f.s.qrImg
	f.s.mu.Unlock()
	if qr == nil {
		t.Error("no QR code once published")
	}
	if _, err := f.central.Pay(app.Receipt{ReceiptID: "R-1", NoticeCode: publicationCode, Amount: 2000, PaidAt: counterStart, PSP: "Banca"}); err != nil {
		t.Fatal(err)
	}
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
	}{
		{app.NoticeUnavailable, "it", "10,00 €", "L'avviso non può essere emesso ora"},
		{app.NoticeRefused, "it", "10,00 €", "L'avviso non è stato emesso"},
		{app.NoticeUnavailable, "en", "10,00 €", "The notice cannot be issued now"},
		{app.NoticePreparing, "en", "10,00 €", "Preparing the notice…"},
	} {
		// A subtest each: the screen's poller ends with its fixture.
		t.Run(string(tc.pub)+"-"+tc.lang, func(t *testing.T) {
			f := newPublicationFixture(t, tc.pub, tc.lang)
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
			if strings.Contains(got, pagopa.GroupNoticeCode(madeNotice(t, f).NoticeCode)) || qr != nil {
				t.Errorf("%s %s: something payable on screen", tc.pub, tc.lang)
			}
		})
	}
}
