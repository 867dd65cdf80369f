package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// decodeQR decodes the QR code on screen (shownQR), drawn with at least 8
// px per module of a 41-module code.
func decodeQR(t *testing.T, f *counterFixture) string {
	t.Helper()
	text, width, _ := f.shownQR(t)
	if width < 41*8 {
		t.Errorf("QR code drawn %d px wide: want at least 8 px per module (328 px)", width)
	}
	return text
}

// TestCounterTopUpToPaid is the top-up end to end: from the counter screen
// through the real server on loopback to paid. Tap an amount, see the
// avviso (its QR code decoded from a capture of the screen), the server
// records pagoPA's receipt, and the screen shows "Pagamento ricevuto" and
// the new balance.
func TestCounterTopUpToPaid(t *testing.T) {
	f := newCounterFixture(t, true)
	var printed []app.Notice
	var printLang string
	f.s.OnPrint = func(n app.Notice, tr *Catalogue) (PrintResult, error) {
		printed, printLang = append(printed, n), tr.Lang()
		return PrintResult{File: "/var/lib/mensakiosk/avvisi/avviso-" + n.NoticeCode + ".pdf"}, nil
	}
	f.s.PostBadge("0A00000001")
	f.tap(t, "Ricarica", "20,00 €")
	wantCounterTexts(t, f.texts(), "Importo: 20,00 €")
	f.tap(t, "Crea l'avviso di pagamento")

	ns := f.central.Notices("F1")
	if len(ns) != 1 {
		t.Fatalf("server notices: %d", len(ns))
	}
	n := ns[0]
	if n.Amount != 2000 || n.State != app.NoticeValid {
		t.Fatalf("notice = %+v", n)
	}
	want, err := pagopa.Payload(n.NoticeCode, f.central.Creditor.FiscalCode, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, f); got != want {
		t.Errorf("QR on screen = %q, want %q", got, want)
	}
	got := f.texts()
	wantCounterTexts(t, got, "Avviso di pagamento", pagopa.GroupNoticeCode(n.NoticeCode), f.central.Creditor.Name,
		f.central.Creditor.FiscalCode, "20,00 €", n.Subject, "Dove pagare", "In attesa del pagamento…")
	due, _ := time.ParseInLocation(time.DateOnly, string(n.DueDate), romeTZ)
	wantCounterTexts(t, got, "Da pagare entro il "+FormatDate(due))

	f.tap(t, "Stampa avviso")
	if len(printed) != 1 || printed[0].NoticeCode != n.NoticeCode || printLang != "it" {
		t.Errorf("printed %+v in %q", printed, printLang)
	}
	// The parent is told where the avviso went.
	wantCounterTexts(t, f.texts(), "Avviso salvato in /var/lib/mensakiosk/avvisi/avviso-"+n.NoticeCode+".pdf")

	// Not paid yet: checking says so.
	f.tap(t, "Verifica il pagamento")
	wantCounterTexts(t, f.texts(), "In attesa del pagamento…")

	// pagoPA's receipt reaches the server.
	f.clk.Add(3 * time.Minute)
	if _, err := f.central.Pay(app.Receipt{ReceiptID: "R-1", NoticeCode: n.NoticeCode, Amount: 2000, PaidAt: f.clk.Now(), PSP: "Banca Test"}); err != nil {
		t.Fatal(err)
	}
	f.tap(t, "Verifica il pagamento")
	wantCounterTexts(t, f.texts(), "Pagamento ricevuto", "Nuovo saldo: 56,50 €")
	// Paid: the avviso gives way to the receipt (counter_receipt.go):
	// the payment's QR code is no longer on screen, the receipt's is, and
	// the avviso is not offered for printing.
	wantCounterTexts(t, f.texts(), "Ricevuta di pagamento", pagopa.GroupNoticeCode(n.NoticeCode), "23/11/2026 alle 08:03", "Banca Test", "R-1")
	if qr := decodeScreenQR(t, f); !strings.HasPrefix(qr, "RICEVUTA PAGOPA\n") || !strings.Contains(qr, "ID ricevuta: R-1") {
		t.Errorf("the paid notice's QR code reads %q, want the receipt", qr)
	}
	walk(f.s.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Stampa avviso" {
			t.Error("a paid notice can still be printed as an avviso")
		}
	})
	f.tap(t, "Indietro")
	wantCounterTexts(t, f.texts(), "Saldo 56,50 € — aggiornato al 23/11/2026 alle 08:03", "Pagato")
}

// TestCounterPollsUntilPaid: the avviso screen polls by itself and stops
// once paid, with no tap.
func TestCounterPollsUntilPaid(t *testing.T) {
	f := newCounterFixture(t, true)
	f.s.opts.PollInterval = 20 * time.Millisecond
	f.s.PostBadge("0A00000001")
	f.tap(t, "Ricarica", "50,00 €", "Crea l'avviso di pagamento")
	ns := f.central.Notices("F1")
	if len(ns) != 1 {
		t.Fatalf("server notices: %d", len(ns))
	}
	if _, err := f.central.Pay(app.Receipt{ReceiptID: "R-2", NoticeCode: ns[0].NoticeCode, Amount: 5000, PaidAt: f.clk.Now(), PSP: "Banca Test"}); err != nil {
		t.Fatal(err)
	}
	// The poller ends its goroutine once it has seen the payment: wait for
	// it, then look.
	f.s.pollers.Wait()
	wantCounterTexts(t, f.texts(), "Pagamento ricevuto", "Nuovo saldo: 86,50 €")
}
