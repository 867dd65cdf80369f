package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
)

func readEvent(id string, seq uint64, at time.Time, r app.MessageRead) app.OutboxEvent {
	return outboxEvent(id, seq, app.EventMessageRead, at, r)
}

func messageIDs(ms []app.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// TestMessagesToFamilies: the office's messages reach the family, the
// class, the school or everyone they name, newest first, in the counter's
// family view; a family's read comes with the counter's push and is kept
// once (the first time); a canteen's token may neither read family views
// nor push reads; the admin socket sends and lists them with their reads.
func TestMessagesToFamilies(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	send := func(m app.Message) app.Message {
		t.Helper()
		sent, err := e.s.SendMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		return sent
	}
	mFam := send(app.Message{Title: "Saldo basso", Body: "Ricaricate", Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "A1"}})
	mClass := send(app.Message{Title: "Gita", Body: "Pranzo al sacco", Audience: app.MessageAudience{Kind: app.AudienceClass, School: "Rodari", Class: "1B"}})
	mSchool := send(app.Message{Title: "Menù invernale", URL: "https://comune.example.it/menu.pdf", Audience: app.MessageAudience{Kind: app.AudienceSchool, School: "rodari"}})
	mOther := send(app.Message{Title: "Altra scuola", Audience: app.MessageAudience{Kind: app.AudienceSchool, School: "Collodi"}})
	mAll := send(app.Message{Title: "Attestazioni 730", Audience: app.MessageAudience{Kind: app.AudienceAll}})
	if mFam.ID == "" || mFam.ID == mClass.ID || !mFam.Sent.Equal(testNow) {
		t.Fatalf("ids and times: %+v %+v", mFam, mClass)
	}
	for _, bad := range []app.Message{
		{Title: "", Audience: app.MessageAudience{Kind: app.AudienceAll}},
		{Title: "x", URL: "javascript:alert(1)", Audience: app.MessageAudience{Kind: app.AudienceAll}},
		{Title: "x", Audience: app.MessageAudience{Kind: app.AudienceClass, School: "Rodari"}},
		{Title: "x", Audience: app.MessageAudience{Kind: "planet"}},
	} {
		if _, err := e.s.SendMessage(bad); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	var ce *central.Error
	if _, err := e.s.SendMessage(app.Message{Title: "x", Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "A9"}}); !errors.As(err, &ce) || ce.Code != central.CodeUnknownAccount {
		t.Fatalf("unknown family: %v", err)
	}

	counter := e.roleToken("C1", RoleCounter)
	c := e.client(counter)
	v, err := c.Family(t.Context(), "A1", testDay, testDay)
	if err != nil {
		t.Fatal(err)
	}
	// A1 (Giulia 3A, Marco 1B at Rodari): family, class, school, all.
	if got, want := messageIDs(v.Messages), []string{mAll.ID, mSchool.ID, mClass.ID, mFam.ID}; !slices.Equal(got, want) {
		t.Fatalf("A1's messages %v, want %v", got, want)
	}
	if v.Messages[1].URL != "https://comune.example.it/menu.pdf" || !v.Messages[1].ReadAt.IsZero() {
		t.Fatalf("school message %+v", v.Messages[1])
	}
	v2, _ := e.s.Family("A2", testDay, testDay) // Sara, Rodari 2A
	if got, want := messageIDs(v2.Messages), []string{mAll.ID, mSchool.ID}; !slices.Equal(got, want) {
		t.Fatalf("A2's messages %v, want %v", got, want)
	}
	_ = mOther

	// The counter pushes the reads; the first time is kept.
	readAt := testNow.Add(-10 * time.Minute)
	rep := e.push(counter, app.PushBatch{Epoch: "c1", Events: []app.OutboxEvent{
		readEvent("r-1", 1, readAt, app.MessageRead{MessageID: mFam.ID, AccountID: "A1"}),
		readEvent("r-2", 2, readAt.Add(time.Minute), app.MessageRead{MessageID: mFam.ID, AccountID: "A1"}),
		readEvent("r-3", 3, readAt, app.MessageRead{MessageID: mFam.ID, AccountID: "A2"}), // not A2's
		readEvent("r-4", 4, readAt, app.MessageRead{MessageID: "M999999", AccountID: "A1"}),
	}})
	if st := []app.EventStatus{rep.Results[0].Status, rep.Results[1].Status, rep.Results[2].Status, rep.Results[3].Status}; st[0] != app.EventAccepted ||
		st[1] != app.EventAccepted || st[2] != app.EventRejected || st[3] != app.EventRejected {
		t.Fatalf("push results %+v", rep.Results)
	}
	v, _ = c.Family(t.Context(), "A1", testDay, testDay)
	if !v.Messages[3].ReadAt.Equal(readAt) || !v.Messages[0].ReadAt.IsZero() {
		t.Fatalf("after the read: %+v", v.Messages)
	}
	if at, err := e.s.MessageReadAt("A1", mFam.ID); err != nil || !at.Equal(readAt) {
		t.Fatalf("read at %v %v", at, err)
	}

	// A canteen's token: no family view, no reads.
	canteen := e.roleToken("K1", RoleCanteen)
	if code, body, _ := e.do(http.MethodGet, central.PathFamilies+"A1?from=2025-03-10&to=2025-03-10", canteen, nil); code != http.StatusForbidden {
		t.Fatalf("canteen family view: %d %s", code, body)
	}
	body, _ := json.Marshal(app.PushBatch{Epoch: "k1", Events: []app.OutboxEvent{readEvent("r-9", 1, readAt, app.MessageRead{MessageID: mAll.ID, AccountID: "A1"})}})
	if code, b := e.pushRaw(canteen, body); code != http.StatusForbidden {
		t.Fatalf("canteen read: %d %s", code, b)
	}
	if at, _ := e.s.MessageReadAt("A1", mAll.ID); !at.IsZero() {
		t.Fatal("a canteen's read was stored")
	}

	// Through the admin socket.
	ln, err := e.s.ListenAdmin()
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.s.ServeAdmin(t.Context(), ln) }()
	defer ln.Close()
	ac := NewAdminClient(e.dir)
	sent, err := ac.SendMessage(app.Message{Title: "Sciopero", Body: "Servizio ridotto", Audience: app.MessageAudience{Kind: app.AudienceAll}})
	if err != nil || sent.ID == "" {
		t.Fatalf("admin send: %+v %v", sent, err)
	}
	if _, err := ac.SendMessage(app.Message{Title: "x", URL: "ftp://x", Audience: app.MessageAudience{Kind: app.AudienceAll}}); err == nil {
		t.Fatal("admin send: a bad link accepted")
	}
	list, err := ac.Messages()
	if err != nil || len(list) != 6 || list[0].ID != sent.ID {
		t.Fatalf("admin list: %+v %v", list, err)
	}
	for _, m := range list {
		if want := map[bool]int{true: 1, false: 0}[m.ID == mFam.ID]; m.Reads != want {
			t.Fatalf("reads of %s: %d", m.ID, m.Reads)
		}
	}
}

// TestFamilyMessagesIndexed: a family's view reads its own messages
// through the index, not everyone's: with 300 messages to other families
// it still gets exactly its own (school matched without regard to case),
// at most FamilyMessagesMax of them, newest first.
func TestFamilyMessagesIndexed(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	for i := range 300 {
		acc := app.AccountID("A2")
		if i%100 == 0 {
			acc = "A1"
		}
		if _, err := e.s.SendMessage(app.Message{Title: "Saldo", Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: acc}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.s.SendMessage(app.Message{Title: "Scuola", Audience: app.MessageAudience{Kind: app.AudienceSchool, School: "RODARI"}}); err != nil {
		t.Fatal(err)
	}
	v, err := e.s.Family("A1", testDay, testDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Messages) != 4 || v.Messages[0].Title != "Scuola" || v.Messages[1].ID != "M000201" {
		t.Fatalf("A1's messages: %d, %+v", len(v.Messages), v.Messages)
	}
	v, _ = e.s.Family("A2", testDay, testDay)
	if len(v.Messages) != FamilyMessagesMax || v.Messages[0].Title != "Scuola" || compareMessageIDs(v.Messages[1].ID, v.Messages[2].ID) <= 0 {
		t.Fatalf("A2's messages: %d", len(v.Messages))
	}
}

// TestMessagesPull: a counter pulls every message in the order sent, by
// pages after the last id it holds; messages older than a year are not
// handed out; a canteen's token may not pull them; a malformed id is 400.
func TestMessagesPull(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	e.clock.Set(testNow.AddDate(-2, 0, 0))
	if _, err := e.s.SendMessage(app.Message{Title: "Vecchio", Audience: app.MessageAudience{Kind: app.AudienceAll}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(testNow)
	for i := range 5 {
		aud := app.MessageAudience{Kind: app.AudienceFamily, AccountID: "A2"}
		if i%2 == 0 {
			aud = app.MessageAudience{Kind: app.AudienceClass, School: "Rodari", Class: "3A"}
		}
		if _, err := e.s.SendMessage(app.Message{Title: "Nuovo", Audience: aud}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client(e.roleToken("C1", RoleCounter))
	var got []string
	last := ""
	for range 10 {
		p, err := c.Messages(t.Context(), last, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, messageIDs(p.Messages)...)
		last = p.Last
		if !p.More {
			break
		}
	}
	if want := []string{"M000002", "M000003", "M000004", "M000005", "M000006"}; !slices.Equal(got, want) || last != "M000006" {
		t.Fatalf("pulled %v (last %s), want %v", got, last, want)
	}
	if p, err := c.Messages(t.Context(), last, 0); err != nil || len(p.Messages) != 0 || p.More || p.Last != last {
		t.Fatalf("nothing new: %+v %v", p, err)
	}
	if code, body, _ := e.do(http.MethodGet, central.PathMessages, e.roleToken("K1", RoleCanteen), nil); code != http.StatusForbidden {
		t.Fatalf("canteen token: %d %s", code, body)
	}
	if code, body, _ := e.do(http.MethodGet, central.PathMessages+"?after=../x", e.roleToken("C2", RoleCounter), nil); code != http.StatusBadRequest {
		t.Fatalf("bad id: %d %s", code, body)
	}
}
