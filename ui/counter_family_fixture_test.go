package ui

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The fixture of the family's messages, take-home links and absence: the
// counter's fixture (the real app.Counter on apptest's store and central
// server) with the office's messages on the server and two documents, in a
// 1280×800 window.

// familyMessages are the office's messages to the family F1, newest first:
// one to Marco's class, one to the family, one to everyone (read by the
// family 20 days ago).
func familyMessages() []app.Message {
	now := counterStart
	return []app.Message{
		{ID: "M3", Title: "Gita al museo", Body: "Giovedì 3 dicembre la classe 3B pranza al sacco: il pasto è disdetto d'ufficio.",
			URL: "https://comune.example.it/scuola/gita-museo", Sent: now.Add(-2 * time.Hour),
			Audience: app.MessageAudience{Kind: app.AudienceClass, School: "Primaria Dante", Class: "3B"}},
		{ID: "M2", Title: "Saldo in esaurimento", Body: "Il saldo è sotto i 5 euro: ricaricate allo sportello.",
			Sent: now.Add(-26 * time.Hour), Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "F1"}},
		{ID: "M1", Title: "Attestazioni per il 730", Body: "Le attestazioni delle spese di mensa sono disponibili.",
			URL: "https://comune.example.it/mensa/attestazioni-730", Sent: now.Add(-30 * 24 * time.Hour),
			Audience: app.MessageAudience{Kind: app.AudienceAll}},
	}
}

// familyDocuments are the documents on the home view, newest first.
func familyDocuments() []app.Document {
	now := counterStart
	return []app.Document{
		{ID: "d1", Title: "Regolamento del servizio di refezione scolastica", URL: "https://comune.example.it/mensa/regolamento-2026.pdf", Published: now.Add(-72 * time.Hour)},
		{ID: "d2", Title: "Menù invernale", URL: "https://comune.example.it/mensa/menu-inverno.pdf", Published: now.Add(-96 * time.Hour)},
	}
}

// familyFixture is the counter's fixture with the family's messages.
type familyFixture struct {
	*counterFixture
	docs []app.Document
}

func newFamilyFixture(t *testing.T) *familyFixture {
	t.Helper()
	return newFamilyFixtureWith(t, nil)
}

// newFamilyFixtureWith is newFamilyFixture with edit's changes to the
// roster, the documents and the messages, made before the screen shows
// them.
func newFamilyFixtureWith(t *testing.T, edit func(d *counterData, ms []app.Message)) *familyFixture {
	t.Helper()
	f := newFamilyBackend(t, edit)
	f.show(t, CounterOptions{PollInterval: time.Hour}, fyne.NewSize(1280, 800))
	return f
}

// newFamilyBackend is the family fixture without its screen.
func newFamilyBackend(t *testing.T, edit func(d *counterData, ms []app.Message)) *familyFixture {
	t.Helper()
	data, ms := counterRosterData(), familyMessages()
	data.News, data.Documents = nil, familyDocuments()
	if edit != nil {
		edit(&data, ms)
	}
	f := &familyFixture{counterFixture: newCounterBackend(t, true, data), docs: data.Documents}
	f.central.PutMessages(ms...)
	f.central.Read("F1", "M1", counterStart.Add(-20*24*time.Hour))
	return f
}

// buttons returns the visible buttons whose text starts with prefix.
func (f *familyFixture) buttons(prefix string) []*widget.Button {
	f.s.wait()
	var out []*widget.Button
	walk(f.s.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, prefix) {
			out = append(out, b)
		}
	})
	return out
}

// badge is Marco's badge on the reader.
func (f *familyFixture) badge(t *testing.T) {
	t.Helper()
	f.s.PostBadge("0A00000001")
	f.s.wait()
}

// decodeShownQR is the QR code on screen (shownQR): its text and the side
// of its module in pixels.
func (f *familyFixture) decodeShownQR(t *testing.T) (string, float32) {
	t.Helper()
	text, _, module := f.shownQR(t)
	return text, module
}

// reads are the messages the counter marked read, in order: the ids of
// the message.read events in the kiosk's outbox.
func (f *familyFixture) reads(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, e := range f.store.Events() {
		if e.Kind != app.EventMessageRead {
			continue
		}
		var r app.MessageRead
		if err := json.Unmarshal(e.Payload, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r.MessageID)
	}
	return out
}

// offlineWithNewMessage: the office sends one more message to the family
// (M4, between M3 and M2 in time), the kiosk's copy gets it on its next
// pull, and then the server is out of reach: the family's next view is
// the cached one, with M4 added from the copy, whose time it says.
func (f *familyFixture) offlineWithNewMessage(t *testing.T) {
	t.Helper()
	f.central.PutMessages(app.Message{ID: "M4", Title: "Menù della settimana", Body: "Da lunedì il menù invernale.",
		Sent: counterStart.Add(-3 * time.Hour), Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "F1"}})
	if _, err := f.c.PullMessages(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.c.SetOnline(false)
}
