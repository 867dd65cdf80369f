package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"mensakiosk/app"
)

// TestCounterAbsence: "assente da … a …" for all the children in one
// call; the family view shows each canteen day cancelled; one day is
// undone on its own; the first day's cut-off, another family's child, a
// span too long and the server's absence are each refused before anything
// is sent.
func TestCounterAbsence(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	e.identify(t, "0A00000001")
	mon, wed, fri := app.Day("2026-11-23"), app.Day("2026-11-25"), app.Day("2026-11-27")
	f, err := e.c.Absent(ctx, nil, mon, fri) // 08:00: today still open
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range f.Bookings {
		if b.Cancelled {
			n++
		}
	}
	// Monday, Wednesday, Friday for Marco and Sara.
	if n != 6 || !f.Booking("P1", mon).Cancelled || !f.Booking("P2", fri).Cancelled || f.Booking("P1", "2026-11-24").Cancelled {
		t.Fatalf("after the absence: %+v", f.Bookings)
	}
	// Undo Wednesday for Sara only.
	if f, err = e.c.Book(ctx, app.BookingRequest{PupilID: "P2", Day: wed}); err != nil {
		t.Fatal(err)
	}
	if f.Booking("P2", wed).Cancelled || !f.Booking("P1", wed).Cancelled {
		t.Fatalf("after undoing one day: %+v", f.Bookings)
	}
	// One child only.
	f, err = e.c.Absent(ctx, []app.PupilID{"P1"}, "2026-11-30", "2026-12-02")
	if err != nil || !f.Booking("P1", "2026-11-30").Cancelled || f.Booking("P2", "2026-11-30").Cancelled {
		t.Fatalf("one child: %v %+v", err, f.Bookings)
	}
	if _, err := e.c.Absent(ctx, []app.PupilID{"P3"}, wed, fri); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("another family's child: %v", err)
	}
	if _, err := e.c.Absent(ctx, nil, fri, wed); !errors.Is(err, app.ErrAbsenceSpan) {
		t.Errorf("to before from: %v", err)
	}
	if _, err := e.c.Absent(ctx, nil, wed, "2027-03-01"); !errors.Is(err, app.ErrAbsenceSpan) {
		t.Errorf("a span too long: %v", err)
	}
	e.clk.Set(at("2026-11-23", "09:30:00"))
	if _, err := e.c.Absent(ctx, nil, mon, fri); !errors.Is(err, app.ErrAfterCutoff) {
		t.Errorf("after the cut-off: %v", err)
	}
	e.c.SetOnline(false)
	if _, err := e.c.Absent(ctx, nil, wed, fri); !errors.Is(err, app.ErrOffline) {
		t.Errorf("offline: %v", err)
	}
}

// TestCounterMessages: after identification the family's unread messages
// (its own, its children's class and school, everyone's; not another
// school's); marking one read writes a message.read event to the outbox,
// which the sync engine pushes and the server records with the reading
// time; a reload before the push keeps it read; offline, the cached view
// shows the messages with its as-of time and a read made offline is
// queued and kept.
func TestCounterMessages(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	send := func(title, url string, aud app.MessageAudience) app.Message {
		t.Helper()
		m, err := e.srv.SendMessage(app.Message{Title: title, Body: "Testo di " + title, URL: url, Audience: aud})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	mFam := send("Saldo", "", app.MessageAudience{Kind: app.AudienceFamily, AccountID: "F1"})
	mClass := send("Gita 3B", "https://comune.example.it/gita", app.MessageAudience{Kind: app.AudienceClass, School: "Primaria Dante", Class: "3B"})
	send("Altra scuola", "", app.MessageAudience{Kind: app.AudienceSchool, School: "Primaria Manzoni"})
	mAll := send("Attestazioni", "https://comune.example.it/730", app.MessageAudience{Kind: app.AudienceAll})

	f, err := e.c.IdentifyBadge(ctx, "0A00000001")
	if err != nil {
		t.Fatal(err)
	}
	un := e.c.Unread()
	if len(f.Messages) != 3 || len(un) != 3 || un[0].ID != mAll.ID || un[2].ID != mFam.ID {
		t.Fatalf("unread %+v", un)
	}
	e.clk.Add(time.Minute)
	readAt := e.clk.Now()
	if f, err = e.c.MarkRead(mClass.ID, mFam.ID); err != nil {
		t.Fatal(err)
	}
	if len(e.c.Unread()) != 1 || f.Messages[1].ReadAt.IsZero() {
		t.Fatalf("after reading: %+v", f.Messages)
	}
	evs, err := e.store.Events()
	if err != nil || len(evs) != 2 || evs[0].Kind != app.EventMessageRead {
		t.Fatalf("outbox %+v %v", evs, err)
	}
	// Reading again queues nothing.
	if _, err := e.c.MarkRead(mClass.ID); err != nil {
		t.Fatal(err)
	}
	if evs, _ := e.store.Events(); len(evs) != 2 {
		t.Fatalf("a second read queued again: %d events", len(evs))
	}
	// Not pushed yet: a reload from the server still shows them read.
	if f, err = e.c.Refresh(ctx); err != nil || len(e.c.Unread()) != 1 {
		t.Fatalf("refresh before the push: %v %+v", err, f.Messages)
	}
	sy := app.NewSyncer(e.store, e.cl, e.clk, app.SyncConfig{KioskID: "counter-1"}, nil)
	if _, err := sy.PushAll(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := e.store.SyncState(); err != nil || st.Waiting != 0 || st.Rejected != 0 {
		t.Fatalf("after the push: %+v %v", st, err)
	}
	if got, err := e.srv.MessageReadAt("F1", mClass.ID); err != nil || !got.Equal(readAt) {
		t.Fatalf("server read time %v, want %v (%v)", got, readAt, err)
	}

	// Offline: the cached view, with its time; a read queued.
	asOf := f.AsOf
	e.c.Forget()
	e.stop()
	e.c.SetOnline(false)
	e.clk.Add(time.Hour)
	f, err = e.c.IdentifyBadge(ctx, "0A00000001")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Cached || !f.AsOf.Equal(asOf) || len(f.Messages) != 3 || len(e.c.Unread()) != 1 {
		t.Fatalf("offline: cached %v as of %v, messages %+v", f.Cached, f.AsOf, f.Messages)
	}
	if _, err := e.c.MarkRead(mAll.ID); err != nil {
		t.Fatal(err)
	}
	if st, err := e.store.SyncState(); err != nil || st.Waiting != 1 || st.LastSeq != 3 {
		t.Fatalf("offline read not queued: %+v %v", st, err)
	}
	e.c.Forget()
	if _, err := e.c.IdentifyBadge(ctx, "0A00000001"); err != nil || len(e.c.Unread()) != 0 {
		t.Fatalf("offline, the read is kept in the cache: %v %+v", err, e.c.Unread())
	}
}

// TestCounterMessagesOfflineFromCopy: identifying any family online pulls
// the kiosk's copy of the office's messages into its store; offline, a
// family never shown here gets those that reach it from the copy, with the
// copy's time, and can read them (queued in the outbox).
func TestCounterMessagesOfflineFromCopy(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	for _, m := range []app.Message{
		{Title: "Per Bianchi", Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "F2"}},
		{Title: "Per la 2A", URL: "https://comune.example.it/2a", Audience: app.MessageAudience{Kind: app.AudienceClass, School: "Primaria Dante", Class: "2A"}},
		{Title: "Per la 3B", Audience: app.MessageAudience{Kind: app.AudienceClass, School: "Primaria Dante", Class: "3B"}},
		{Title: "Per tutti", Audience: app.MessageAudience{Kind: app.AudienceAll}},
	} {
		if _, err := e.srv.SendMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	// F1 online: its view, and the copy of every message.
	e.identify(t, "0A00000001")
	ms, last, asOf, err := e.store.MessageCache()
	if err != nil || len(ms) != 4 || last != "M000004" || !asOf.Equal(e.clk.Now()) {
		t.Fatalf("copy: %d messages, last %q, as of %v (%v)", len(ms), last, asOf, err)
	}
	e.c.Forget()
	e.stop()
	e.c.SetOnline(false)
	e.clk.Add(time.Hour)
	// F2 was never shown here: its messages come from the copy.
	f, err := e.c.IdentifyBadge(ctx, "0A00000003")
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, m := range f.Messages {
		titles = append(titles, m.Title)
	}
	if !f.Cached || len(f.Messages) != 3 || !f.MessagesAsOf.Equal(asOf) || len(e.c.Unread()) != 3 {
		t.Fatalf("offline from the copy: cached %v, messages %v, as of %v", f.Cached, titles, f.MessagesAsOf)
	}
	if _, err := e.c.MarkRead(f.Messages[0].ID); err != nil || len(e.c.Unread()) != 2 {
		t.Fatalf("read offline: %v, unread %d", err, len(e.c.Unread()))
	}
	if st, _ := e.store.SyncState(); st.Waiting != 1 {
		t.Fatalf("the read is not queued: %+v", st)
	}
}

// TestKioskReportWithAbsence: after a multi-day absence made at the
// counter, a kiosk that pulled it counts the absent children as cancelled
// in the kitchen's report of a day inside the absence (offline, from its
// own store), and as booked again the week after.
func TestKioskReportWithAbsence(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	e.identify(t, "0A00000001")
	if _, err := e.c.Absent(ctx, nil, "2026-11-23", "2026-11-27"); err != nil {
		t.Fatal(err)
	}
	st, err := e.store.SyncState()
	if err != nil {
		t.Fatal(err)
	}
	for cursor := st.Cursor; ; {
		p, err := e.cl.Pull(ctx, cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.ApplyPull(p); err != nil {
			t.Fatal(err)
		}
		if cursor = p.Cursor; !p.More {
			break
		}
	}
	canteen, err := app.NewCanteen(e.store, e.clk, config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := canteen.Report("2026-11-25")
	if err != nil {
		t.Fatal(err)
	}
	// Marco and Sara away on Wednesday; Giulia (another family) booked.
	if r.Totals.Cancelled != 2 || r.Totals.Booked != 1 {
		t.Fatalf("inside the absence: %+v", r.Totals)
	}
	if r, _ = canteen.Report("2026-11-30"); r.Totals.Cancelled != 0 || r.Totals.Booked != 3 {
		t.Fatalf("the Monday after: %+v", r.Totals)
	}
}
