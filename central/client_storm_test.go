package central_test

// The end-to-end storm: the real reference server (central/server) on
// loopback over a temp bbolt directory, netfault in front with every fault
// on, and the resty client with short per-attempt timeouts. This file is an
// external test package so that it may import central/server, which itself
// imports central.

import (
	"context"
	"encoding/json"
	"errors"
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
	if err := proxy.SetPlan(central.StormPlan(2025)); err != nil {
		t.Fatal(err)
	}
	central.InjectEach(proxy)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	accepted := map[string]int{}
	answered := map[string]app.EventStatus{}
	calls, failed := 0, 0
	for from := 0; from < len(events); from += stormBatch {
		b := app.PushBatch{Epoch: epoch, Events: events[from:min(from+stormBatch, len(events))]}
		for try := 0; ; try++ {
			if try == 100 {
				t.Fatalf("batch at %d: no answer after 100 calls", from)
			}
			calls++
			rep, err := c.Push(ctx, b)
			if err != nil {
				if ctx.Err() == nil && (errors.Is(err, app.ErrUnreachable) || errors.Is(err, central.ErrMalformedReply)) {
					failed++
					continue
				}
				t.Fatalf("batch at %d: %v", from, err)
			}
			for _, r := range rep.Results {
				answered[r.ID] = r.Status
				switch r.Status {
				case app.EventAccepted:
					if accepted[r.ID]++; accepted[r.ID] > 1 {
						t.Fatalf("event %s accepted twice", r.ID)
					}
					if len(r.Flags) > 0 {
						t.Errorf("event %s flagged %v", r.ID, r.Flags)
					}
				case app.EventRejected:
					t.Fatalf("event %s rejected: %s", r.ID, r.Reason)
				}
			}
			if rep.Kiosk.AckedSeq != b.Events[len(b.Events)-1].Seq {
				t.Fatalf("after batch at %d: acked seq %d, want %d", from, rep.Kiosk.AckedSeq, b.Events[len(b.Events)-1].Seq)
			}
			break
		}
	}
	st := proxy.Stats()
	t.Logf("push: %d events in %d calls (%d failed after retries); proxy %+v", len(events), calls, failed, st)
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
	if err := proxy.SetPlan(central.StormPlan(2026)); err != nil {
		t.Fatal(err)
	}
	central.InjectEach(proxy)
	pupils := map[app.PupilID]int{}
	accounts := map[app.AccountID]app.Account{}
	cursor, pages, pullFails, inReset := "", 0, 0, false
	var last app.PullPage
	for {
		page, err := c.Pull(ctx, cursor, 64)
		if err != nil {
			if ctx.Err() == nil && (errors.Is(err, app.ErrUnreachable) || errors.Is(err, central.ErrMalformedReply)) {
				if pullFails++; pullFails > 300 {
					t.Fatalf("pull: %v", err)
				}
				continue
			}
			t.Fatalf("pull: %v", err)
		}
		if page.Reset && !inReset {
			clear(pupils)
			clear(accounts)
		}
		inReset = page.Reset && page.More
		pages++
		for _, p := range page.Pupils {
			pupils[p.ID]++
		}
		for _, a := range page.Accounts {
			accounts[a.ID] = a
		}
		cursor, last = page.Cursor, page
		if !page.More {
			break
		}
	}
	t.Logf("pull: %d pages, %d failed calls; proxy %+v", pages, pullFails, proxy.Stats())
	if pages < 2 {
		t.Fatalf("%d pages: the pull was not paged", pages)
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

	// A pull from the final cursor, in calm weather, has nothing new.
	if err := proxy.SetPlan(netfault.Plan{}); err != nil {
		t.Fatal(err)
	}
	page, err := c.Pull(ctx, cursor, 64)
	if err != nil || page.More || page.Len() != 0 {
		t.Fatalf("pull after the end: %d records, more %v, %v", page.Len(), page.More, err)
	}
}
