package central_test

// The end-to-end storm: the real reference server (central/server) on
// loopback over a temp bbolt directory, netfault in front with every fault
// on, and the resty client with short per-attempt timeouts. This file is an
// external test package so that it may import central/server, which itself
// imports central.

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
	"mensakiosk/internal/netfault"
)

const (
	stormPupils   = 300
	stormAccounts = 100
	stormEvents   = 2000
	stormBatch    = 25
	stormPrice    = app.Cents(450)
	stormOpening  = app.Cents(100_000)
)

func TestStormEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("storm")
	}
	srv := servertest.Start(t, servertest.Options(server.Options{NoSync: true}))

	// The roster: accounts, and pupils that belong to them.
	var data server.ImportData
	for a := range stormAccounts {
		data.Accounts = append(data.Accounts, app.Account{ID: app.AccountID(fmt.Sprintf("A%03d", a)), Holder: "Famiglia", Balance: stormOpening})
	}
	for i := range stormPupils {
		data.Pupils = append(data.Pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("P%04d", i)),
			AccountID: app.AccountID(fmt.Sprintf("A%03d", i%stormAccounts)), FirstName: "Giulia", LastName: "Bianchi",
			School: "Primaria", Class: "3A", Weekdays: []time.Weekday{time.Monday, time.Wednesday, time.Friday}, MealPrice: stormPrice})
	}
	if _, err := srv.Import(data); err != nil {
		t.Fatal(err)
	}
	const kiosk, epoch = "kiosk-storm", "epoch-1"
	token, err := srv.CreateToken(kiosk, server.RoleCanteen)
	if err != nil {
		t.Fatal(err)
	}

	proxy, err := netfault.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	c, err := central.NewClient(central.ClientConfig{BaseURL: proxy.URL(), Token: token, Epoch: epoch,
		Timeout: time.Second, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)

	// The events: one meal per pupil per day, each (pupil, day) once, in the
	// last days (the server refuses absurd times).
	now := time.Now().UTC()
	events := make([]app.OutboxEvent, 0, stormEvents)
	perAccount := map[app.AccountID]int{}
	for i := range stormEvents {
		pu := data.Pupils[i%stormPupils]
		at := now.Add(-time.Duration(i/stormPupils+1) * 24 * time.Hour)
		m := app.Meal{EventID: fmt.Sprintf("storm-%05d", i), Seq: uint64(i + 1), KioskID: kiosk, PupilID: pu.ID,
			AccountID: pu.AccountID, Day: app.DayOf(at, time.UTC), Service: app.ServiceLunch, Price: stormPrice,
			At: at, Via: app.ViaBadge}
		payload, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, app.OutboxEvent{ID: m.EventID, Seq: m.Seq, Kind: app.EventMealRecorded, At: at, Payload: payload})
		perAccount[pu.AccountID]++
	}

	// Push through the storm, each batch again until it has an answer.
	answered := central.StormPush(t, proxy, c, epoch, events, stormBatch, 2025, func(b app.PushBatch, rep app.PushReply) {
		for _, r := range rep.Results {
			switch r.Status {
			case app.EventAccepted:
				if len(r.Flags) > 0 {
					t.Errorf("event %s flagged %v", r.ID, r.Flags)
				}
			case app.EventRejected:
				t.Fatalf("event %s rejected: %s", r.ID, r.Reason)
			}
		}
		if rep.Kiosk.AckedSeq != b.Events[len(b.Events)-1].Seq {
			t.Fatalf("after batch at %s: acked seq %d, want %d", b.Events[0].ID, rep.Kiosk.AckedSeq, b.Events[len(b.Events)-1].Seq)
		}
	})
	st := proxy.Stats()
	if len(answered) != stormEvents {
		t.Fatalf("answers for %d events", len(answered))
	}
	if st.DropAfter == 0 || st.Garble == 0 {
		t.Fatalf("the storm lost no committed answer: %+v", st)
	}

	// The server holds each event exactly once.
	n, err := srv.EventCount(kiosk)
	if err != nil {
		t.Fatal(err)
	}
	if n != stormEvents {
		t.Fatalf("server holds %d events from the kiosk, want %d", n, stormEvents)
	}
	counts, err := srv.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if counts.Events != stormEvents || counts.MealsCharged != stormEvents || counts.Review != 0 {
		t.Fatalf("counts %+v", counts)
	}
	for _, e := range events {
		if _, ok, err := srv.Event(e.ID); err != nil || !ok {
			t.Fatalf("event %s not held (%v)", e.ID, err)
		}
	}
	view, err := srv.KioskView(kiosk, epoch)
	if err != nil || view.AckedSeq != stormEvents {
		t.Fatalf("kiosk view %+v %v", view, err)
	}

	// Pull the whole roster through the storm.
	got := central.StormPull(t, proxy, c, 64, 2026, 300)
	pupils, accounts, last := got.Pupils, got.Accounts, got.Last
	if got.Pages < 2 {
		t.Fatalf("%d pages: the pull was not paged", got.Pages)
	}
	if len(pupils) != stormPupils || len(accounts) != stormAccounts {
		t.Fatalf("pulled %d pupils and %d accounts, want %d and %d", len(pupils), len(accounts), stormPupils, stormAccounts)
	}
	for id, k := range pupils {
		if k != 1 {
			t.Fatalf("pupil %s came %d times", id, k)
		}
	}
	for id, a := range accounts {
		want := stormOpening - app.Cents(perAccount[id])*stormPrice
		if a.Balance != want {
			t.Fatalf("account %s: pulled balance %d, want %d", id, a.Balance, want)
		}
	}
	if last.Kiosk.AckedSeq != stormEvents || last.Done != last.Total {
		t.Fatalf("last page: kiosk %+v done %d/%d", last.Kiosk, last.Done, last.Total)
	}

	// A pull from the final cursor, in calm weather (StormPull calmed it),
	// has nothing new.
	page, err := c.Pull(context.Background(), last.Cursor, 64)
	if err != nil || page.More || page.Len() != 0 {
		t.Fatalf("pull after the end: %d records, more %v, %v", page.Len(), page.More, err)
	}
}
