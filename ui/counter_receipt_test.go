package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The receipt, the reopened notices and the yearly certificate at the
// counter: the real use case (app.Counter) on apptest's store and central
// server, which holds the family's old notices and its certificates.

const (
	rcValid   = "301000000000000144"
	rcPaid    = "301000000000000238"
	rcExpired = "301000000000000286"
)

var rcCreditor = app.Creditor{FiscalCode: "99999000013", Name: "Comune di Città di Prova"}

func rcNotice(code string, amount app.Cents, state app.NoticeState, created time.Time) app.Notice {
	return app.Notice{IUPD: "99999000013-" + code[1:], NoticeCode: code, AccountID: "F1", DebtorFiscalCode: "RSSNNA80A41H501L",
		DebtorName: "Rossi Anna", Amount: amount, Subject: "Ricarica conto mensa scolastica", DueDate: app.DayOf(created.AddDate(0, 0, 30), romeTZ),
		State: state, Created: created, Creditor: rcCreditor}
}

// newReceiptFixture: the family F1 (two children), identified, with three
// notices on the server: one payable (due 23 December 2026), one paid on
// 20 November, one expired; certificates of 2025 and 2026.
func newReceiptFixture(t *testing.T, long bool) *counterFixture {
	t.Helper()
	f := newCounterFixture(t, true)
	valid := rcNotice(rcValid, 2000, app.NoticeValid, counterStart.Add(-time.Hour))
	paid := rcNotice(rcPaid, 5000, app.NoticePaid, counterStart.AddDate(0, 0, -5))
	paid.Receipt = &app.Receipt{ReceiptID: "RCPT-2026-000777", NoticeCode: rcPaid, Amount: 5000, PaidAt: time.Date(2026, 11, 20, 16, 42, 0, 0, romeTZ), PSP: "Poste Italiane"}
	expired := rcNotice(rcExpired, 1000, app.NoticeExpired, counterStart.AddDate(0, -3, 0))
	names := [2][2]string{{"Marco", "Rossi"}, {"Sara", "Rossi"}}
	if long {
		names = [2][2]string{{"Maria Vittoria Benedetta", "Rossi Bianchi Ferraris"}, {"Giovanni Battista Alessandro", "Rossi Bianchi Ferraris"}}
		paid.Receipt.PSP = "Istituto Centrale delle Banche Popolari Italiane S.p.A. — circuito CBILL, home banking"
		paid.Receipt.ReceiptID = strings.Repeat("R", 35) + "-2026-11-20-000000000777"
		paid.Creditor.Name = "Comune di San Giovanni in Persiceto"
		paid.DebtorName = "Rossi Bianchi Ferraris Anna Maria"
	}
	f.central.PutNotices(valid, paid, expired)
	for _, y := range []int{2025, 2026} {
		f.central.PutCertificate(app.FamilyCertificate{Year: y, AccountID: "F1", Creditor: rcCreditor, PayerName: "Rossi Anna", PayerFiscalCode: "RSSNNA80A41H501L",
			Total: app.Cents(21050 + y - 2025), Payments: []app.CertificatePayment{{Day: app.Day(fmt.Sprint(y, "-03-02")), NoticeCode: rcPaid, Amount: app.Cents(21050 + y - 2025)}},
			Children: []app.ChildCertificate{
				{PupilID: "P1", FirstName: names[0][0], LastName: names[0][1], School: fitSchool2, Meals: 18, MealsValue: 9000, Amount: 11111},
				{PupilID: "P2", FirstName: names[1][0], LastName: names[1][1], School: fitSchool, Meals: 23, MealsValue: 8050, Amount: app.Cents(9939 + y - 2025)}}})
	}
	f.s.PostBadge("0A00000001")
	f.s.wait()
	return f
}

// serverNotice is the notice code as the server now holds it.
func serverNotice(t *testing.T, f *counterFixture, code string) app.Notice {
	t.Helper()
	for _, n := range f.central.Notices("F1") {
		if n.NoticeCode == code {
			return n
		}
	}
	t.Fatalf("the server holds no notice %s", code)
	return app.Notice{}
}

// decodeScreenQR decodes the QR code on screen, as a phone would read it.
func decodeScreenQR(t *testing.T, f *counterFixture) string {
	t.Helper()
	text, _, _ := f.shownQR(t)
	return text
}

// TestCounterReceiptAfterPayment: the avviso of a payable notice, reopened
// from the Avvisi tab, turns into the receipt when the payment arrives:
// notice code, amount, date and time, PSP, receipt id, its QR code for
// the phone, and the print button.
func TestCounterReceiptAfterPayment(t *testing.T) {
	f := newReceiptFixture(t, false)
	var printed []app.Notice
	f.s.OnPrintReceipt = func(n app.Notice, tr *Catalogue) (PrintResult, error) {
		printed = append(printed, n)
		return PrintResult{File: "/var/lib/mensakiosk/avvisi/ricevuta-" + n.NoticeCode + ".pdf"}, nil
	}
	f.tap(t, "Avvisi", "Apri") // the newest: the payable one
	wantCounterTexts(t, f.texts(), "Avviso di pagamento", "3010 0000 0000 0001 44", "20,00 €", "Da pagare entro il 23/12/2026", "In attesa")
	if _, err := f.central.Pay(app.Receipt{ReceiptID: "RCPT-1", NoticeCode: rcValid, Amount: 2000, PaidAt: time.Date(2026, 12, 6, 9, 15, 0, 0, time.UTC), PSP: "Banca Esempio"}); err != nil {
		t.Fatal(err)
	}
	f.tap(t, "Verifica il pagamento")
	got := f.texts()
	wantCounterTexts(t, got, "Ricevuta di pagamento", "3010 0000 0000 0001 44", "Importo pagato", "20,00 €",
		"06/12/2026 alle 10:15", "Banca Esempio", "RCPT-1", "Pagamento ricevuto", "Nuovo saldo: 56,50 €")
	if strings.Contains(got, "Dove pagare") {
		t.Error("the receipt says where to pay")
	}
	n := serverNotice(t, f, rcValid)
	want, _ := app.ReceiptQRText(n, romeTZ)
	if qr := decodeScreenQR(t, f); qr != want {
		t.Errorf("receipt QR reads\n%s\nwant\n%s", qr, want)
	}
	f.tap(t, "Stampa ricevuta")
	if len(printed) != 1 || printed[0].Receipt == nil || printed[0].Receipt.ReceiptID != "RCPT-1" {
		t.Fatalf("printed %+v", printed)
	}
	wantCounterTexts(t, f.texts(), "Ricevuta salvata in /var/lib/mensakiosk/avvisi/ricevuta-"+rcValid+".pdf")

	// In English, the same receipt.
	f.s.mu.Lock()
	f.s.tr = f.s.cats["en"]
	f.s.renderLocked()
	f.s.mu.Unlock()
	wantCounterTexts(t, f.texts(), "Payment receipt", "Amount paid", "06/12/2026 at 10:15", "Payment service provider (PSP)")
}

// TestCounterReopenNotices: from the Avvisi tab a paid notice opens as its
// receipt, a payable one as its avviso with its QR code and due date, an
// expired one as its avviso with no QR code to pay.
func TestCounterReopenNotices(t *testing.T) {
	f := newReceiptFixture(t, false)
	f.tap(t, "Avvisi")
	wantCounterTexts(t, f.texts(), "3010 0000 0000 0002 38", "Pagato", "Scaduto")
	f.tap(t, "Vedi ricevuta")
	wantCounterTexts(t, f.texts(), "Ricevuta di pagamento", "3010 0000 0000 0002 38", "50,00 €", "20/11/2026 alle 16:42", "Poste Italiane", "RCPT-2026-000777")
	if !strings.Contains(decodeScreenQR(t, f), "ID ricevuta: RCPT-2026-000777") {
		t.Error("the reopened receipt's QR code lacks its id")
	}
	f.tap(t, "Indietro")
	f.button(t, "Attestazione 730") // back on the Avvisi tab

	f.tap(t, "Apri") // the payable one
	wantCounterTexts(t, f.texts(), "Avviso di pagamento", "Da pagare entro il 23/12/2026", "Dove pagare")
	if qr := decodeQR(t, f); qr != "PAGOPA|002|"+rcValid+"|99999000013|2000" {
		t.Errorf("reopened avviso's QR reads %q", qr)
	}
	// A notice issued meanwhile (another top-up) is listed on the way
	// back: the family is reloaded.
	f.central.PutNotices(rcNotice("301000000000000335", 7000, app.NoticeValid, counterStart.Add(-time.Minute)))
	f.tap(t, "Indietro")
	wantCounterTexts(t, f.texts(), "3010 0000 0000 0003 35 — 70,00 €")
	f.tap(t, "Successivo") // three to a page: the expired one is on the second

	f.tap(t, "Apri")
	got := f.texts()
	wantCounterTexts(t, got, "Avviso di pagamento", "3010 0000 0000 0002 86", "10,00 €", "Scaduto")
	if strings.Contains(got, "Dove pagare") {
		t.Error("an expired notice says where to pay")
	}
	f.s.mu.Lock()
	qr := f.s.qrImg
	f.s.mu.Unlock()
	if qr != nil {
		t.Error("an expired notice offers its QR code for payment")
	}
}

// TestCounterCertificateYearChoice: the certificate opens on the previous
// year, the parent chooses the current one, and prints it.
func TestCounterCertificateYearChoice(t *testing.T) {
	f := newReceiptFixture(t, false)
	var printed []app.FamilyCertificate
	f.s.OnPrintCertificate = func(c app.FamilyCertificate, tr *Catalogue) (PrintResult, error) {
		printed = append(printed, c)
		return PrintResult{Printed: true}, nil
	}
	f.tap(t, "Avvisi", "Attestazione 730")
	wantCounterTexts(t, f.texts(), "Attestazione delle spese per il servizio di mensa scolastica", "Scegli l'anno",
		"Pagato dalla famiglia nell'anno: 210,50 €", "Marco Rossi — 111,11 € — 18 pasti", "Sara Rossi — 99,39 € — 23 pasti", "RSSNNA80A41H501L")
	if b := f.button(t, "2025"); b.Importance != widget.HighImportance {
		t.Error("the previous year is not the one shown")
	}
	f.tap(t, "2026")
	wantCounterTexts(t, f.texts(), "Pagato dalla famiglia nell'anno: 210,51 €", "Sara Rossi — 99,40 € — 23 pasti")
	f.tap(t, "Stampa attestazione")
	if len(printed) != 1 || printed[0].Year != 2026 {
		t.Fatalf("printed %+v", printed)
	}
	wantCounterTexts(t, f.texts(), "Attestazione inviata alla stampante")
	if asked := f.central.CertificatesAsked(); !slices.Equal(asked, []int{2025, 2026}) {
		t.Errorf("asked for %v, want [2025 2026]", asked)
	}
	// A year the server cannot answer: said plainly, nothing to print.
	f.central.Fail(app.ErrUnreachable)
	f.tap(t, "2025")
	wantCounterTexts(t, f.texts(), "Il server centrale non è raggiungibile")
	if !f.button(t, "Stampa attestazione").Disabled() {
		t.Error("print is offered without a certificate")
	}
	f.central.Fail(nil)
	f.tap(t, "Indietro")
	f.button(t, "Attestazione 730")
}

// TestCounterReceiptViewsFit: the receipt, the reopened notices and the
// certificate, with long texts, fit every kiosk display (fit_test.go).
func TestCounterReceiptViewsFit(t *testing.T) {
	sizes := []fyne.Size{{Width: fitDemoW, Height: fitDemoH}}
	for _, sc := range fitScreens {
		sizes = append(sizes, sc.size())
	}
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			f := newReceiptFixture(t, true)
			f.s.OnPrintReceipt = func(n app.Notice, _ *Catalogue) (PrintResult, error) {
				return PrintResult{File: "/home/mensa/.local/state/mensakiosk/avvisi/ricevuta-" + n.NoticeCode + ".pdf"}, nil
			}
			f.s.OnPrintCertificate = func(c app.FamilyCertificate, _ *Catalogue) (PrintResult, error) {
				return PrintResult{File: "/home/mensa/.local/state/mensakiosk/avvisi/attestazione-2025-F1.pdf"}, nil
			}
			check := func(name string) {
				t.Helper()
				f.s.wait()
				fitCheck(t, name, f.w, f.s.Content(), size.Width, size.Height)
			}
			f.tap(t, "Avvisi")
			check("counter notices (reopen)")
			f.tap(t, "Vedi ricevuta")
			check("counter receipt")
			f.tap(t, "Stampa ricevuta")
			check("counter receipt printed")
			f.tap(t, "Indietro", "Apri")
			check("counter reopened avviso")
			f.tap(t, "Indietro", "Attestazione 730")
			check("counter certificate")
			f.tap(t, "Stampa attestazione")
			check("counter certificate printed")
		})
	}
}
