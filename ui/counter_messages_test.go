package ui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/theme"

	"mensakiosk/app"
)

// TestCounterMessagesAfterIdentification: a family with unread messages
// lands on the Messages tab; the message on screen is marked read (and
// only that one), keeps its "new" tag for the visit, and the tab counts
// the unread ones left; paging shows the next, which is marked read too.
func TestCounterMessagesAfterIdentification(t *testing.T) {
	f := newFamilyFixture(t)
	f.badge(t)
	got := f.texts()
	wantCounterTexts(t, got, "Gita al museo", "Nuova", "Alla classe 3B, Primaria Dante",
		"pranza al sacco", "https://comune.example.it/scuola/gita-museo")
	if reads := f.reads(t); reads == nil || !slices.Equal(reads, []string{"M3"}) {
		t.Fatalf("reads %v, want [M3]", reads)
	}
	if len(f.buttons("Messaggi 1")) != 1 {
		t.Errorf("the tab does not count the one unread left: %v", f.buttons("Messaggi"))
	}
	f.tap(t, "Successivo")
	wantCounterTexts(t, f.texts(), "Saldo in esaurimento", "Nuova", "Alla tua famiglia")
	if reads := f.reads(t); !slices.Equal(reads, []string{"M3", "M2"}) {
		t.Fatalf("reads %v", reads)
	}
	f.tap(t, "Successivo")
	got = f.texts()
	wantCounterTexts(t, got, "Attestazioni per il 730", "A tutte le famiglie")
	if reads := f.reads(t); strings.Contains(got, "Nuova") || len(reads) != 2 {
		t.Errorf("a message read before is shown as new or read again: reads %v\n%s", reads, got)
	}
	if len(f.buttons("Messaggi ")) != 0 || len(f.buttons("Messaggi")) != 1 {
		t.Error("the tab still counts unread messages")
	}
	// Offline, with messages from the kiosk's copy: the copy's time is said.
	f.tap(t, "Esci")
	f.offlineWithNewMessage(t)
	f.badge(t)
	wantCounterTexts(t, f.texts(), "Gita al museo", "Comunicazioni dalla copia del chiosco, aggiornata al 23/11/2026 alle 08:00")
	f.tap(t, "Successivo") // the unread one, from the copy, read here
	f.c.SetOnline(true)
	// Out and in again: nothing is new any more, the screen opens on the children.
	f.tap(t, "Esci")
	f.badge(t)
	if got := f.texts(); strings.Contains(got, "Nuova") || !strings.Contains(got, "Marco R.") {
		t.Errorf("second visit:\n%s", got)
	}
}

// TestCounterMessageLinkQR: a message's link, taken home: its QR code
// decoded from the screen is the link, drawn with modules of at least
// takeHomeModulePx; printing calls the wiring with the message and says it printed.
func TestCounterMessageLinkQR(t *testing.T) {
	f := newFamilyFixture(t)
	var printed []TakeHome
	f.s.OnPrintLink = func(l TakeHome, tr *Catalogue) (PrintResult, error) {
		printed = append(printed, l)
		return PrintResult{Printed: true}, nil
	}
	f.badge(t)
	f.tap(t, "Porta a casa")
	wantCounterTexts(t, f.texts(), "Porta a casa questo collegamento", "Gita al museo", "Inquadra il codice QR con la fotocamera del telefono")
	text, module := f.decodeShownQR(t)
	if text != "https://comune.example.it/scuola/gita-museo" {
		t.Fatalf("QR reads %q", text)
	}
	if module < takeHomeModulePx {
		t.Errorf("QR module %.1f px: want at least %d", module, takeHomeModulePx)
	}
	f.tap(t, "Stampa")
	wantCounterTexts(t, f.texts(), "Foglio stampato")
	if len(printed) != 1 || printed[0].URL != text || printed[0].Title != "Gita al museo" {
		t.Fatalf("printed %+v", printed)
	}
	f.tap(t, "Indietro")
	wantCounterTexts(t, f.texts(), "Gita al museo")
	f.s.mu.Lock()
	view, img := f.s.view, f.s.qrImg
	f.s.mu.Unlock()
	if view != cvFamily || img != nil {
		t.Errorf("back: view %d, QR %v", view, img != nil)
	}
}

// TestCounterDocumentQRDecodes: from the home view, without identifying,
// each document's "Porta a casa" shows its address as a QR code; the code
// captured from the screen and decoded by gozxing is the URL. In English
// too; a print failure is said.
func TestCounterDocumentQRDecodes(t *testing.T) {
	f := newFamilyFixture(t)
	f.s.OnPrintLink = func(TakeHome, *Catalogue) (PrintResult, error) {
		return PrintResult{}, errors.New("lp: no printer")
	}
	bts := f.buttons("Porta a casa")
	if len(bts) != 2 {
		t.Fatalf("%d take-home buttons on the home view, want one per document (2)", len(bts))
	}
	for i, d := range f.docs {
		f.buttons("Porta a casa")[i].OnTapped()
		f.s.wait()
		text, module := f.decodeShownQR(t)
		if text != d.URL {
			t.Errorf("document %s: QR reads %q, want %q", d.ID, text, d.URL)
		}
		if module < takeHomeModulePx {
			t.Errorf("document %s: module %.1f px, want %d", d.ID, module, takeHomeModulePx)
		}
		wantCounterTexts(t, f.texts(), d.Title, d.URL)
		f.tap(t, "Indietro")
	}
	f.tap(t, "English")
	f.buttons("Take home")[0].OnTapped()
	f.s.wait()
	wantCounterTexts(t, f.texts(), "Take this link home", "Point your phone's camera at the QR code")
	f.tap(t, "Print")
	wantCounterTexts(t, f.texts(), "Printing failed: lp: no printer")
}

// TestCounterAbsenceForm: from the bookings tab, an absence of all the
// children from today (before the cut-off) to Wednesday: the form counts
// the meals, one call goes to the backend, and the bookings show the days
// cancelled with their undo buttons; one child alone; a refusal is said.
func TestCounterAbsenceForm(t *testing.T) {
	f := newFamilyFixture(t)
	f.badge(t)
	f.tap(t, "Prenotazioni", "Assenza di più giorni")
	wantCounterTexts(t, f.texts(), "Assenza da un giorno a un altro", "Dal lunedì 23/11/2026", "Al lunedì 23/11/2026", "Verranno disdetti 2 pasti")
	// "Al": two days on, to Wednesday: Monday and Wednesday for both.
	next := f.buttons("")
	var toNext []int
	for i, b := range next {
		if b.Text == "" && b.Icon != nil && b.Icon.Name() == theme.NavigateNextIcon().Name() {
			toNext = append(toNext, i)
		}
	}
	if len(toNext) != 2 {
		t.Fatalf("%d day buttons forward, want 2 (from, to)", len(toNext))
	}
	for range 2 {
		next[toNext[1]].OnTapped()
		f.s.wait()
		next = f.buttons("")
	}
	wantCounterTexts(t, f.texts(), "Al mercoledì 25/11/2026", "Verranno disdetti 4 pasti")
	f.tap(t, "Conferma assenza")
	if abs := f.central.Absences(); len(abs) != 1 || abs[0].From != "2026-11-23" || abs[0].To != "2026-11-25" || abs[0].PupilIDs != nil {
		t.Fatalf("absences sent %+v", abs)
	}
	got := f.texts()
	wantCounterTexts(t, got, "Assenza registrata: 4 pasti disdetti", "lunedì 23/11/2026 — Pasto disdetto", "mercoledì 25/11/2026 — Pasto disdetto")
	if len(f.buttons("Annulla modifica")) == 0 {
		t.Error("no undo on the cancelled days")
	}
	// One child, refused by the server.
	f.central.RefuseAbsences(app.ErrAfterCutoff)
	f.tap(t, "Assenza di più giorni", "Sara", "Conferma assenza")
	if a := f.central.Absences()[1]; !slices.Equal(a.PupilIDs, []app.PupilID{"P2"}) {
		t.Fatalf("one child: %+v", a)
	}
	wantCounterTexts(t, f.texts(), "Troppo tardi")
}
