package storage

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
)

// Non-meal events share the meals' sequence, go out in order with them,
// leave the outbox when answered (even out of order, beyond a hole), and
// the staff lock is kept.
func TestEventsInOutbox(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.PutRoster(app.Roster{Pupils: []app.Pupil{{ID: "p0", AccountID: "a1"}, {ID: "p1", AccountID: "a1"}}}); err != nil {
		t.Fatal(err)
	}
	recordN(t, s, "2026-11-23", 1) // seq 1
	a1 := app.OutboxEvent{ID: "audit-1", Kind: app.EventStaffAction, At: time.Now(), Payload: json.RawMessage(`{"staff_id":"S1","action":"login"}`)}
	if err := s.SaveStaffLock(app.StaffLock{Fails: 2}, a1); err != nil { // seq 2
		t.Fatal(err)
	}
	recordN(t, s, "2026-11-24", 2) // seq 3, 4
	if err := s.AppendEvents(app.OutboxEvent{ID: "audit-2", Kind: app.EventStaffAction, At: time.Now(), Payload: json.RawMessage(`{"staff_id":"S1","action":"quit"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvents(app.OutboxEvent{ID: "bad", Kind: app.EventMealRecorded, Payload: json.RawMessage(`{}`)}); err == nil {
		t.Fatal("a meal accepted as an event")
	}
	if l, err := s.StaffLock(); err != nil || l.Fails != 2 {
		t.Fatalf("lock %+v, %v", l, err)
	}
	out, err := s.Outbox(100)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"meal.recorded/1", "staff.action/2", "meal.recorded/3", "meal.recorded/4", "staff.action/5"}
	if len(out) != len(want) {
		t.Fatalf("outbox %d events, want %d", len(out), len(want))
	}
	for i, e := range out {
		if got := fmt.Sprintf("%s/%d", e.Kind, e.Seq); got != want[i] {
			t.Errorf("outbox[%d] = %s, want %s", i, got, want[i])
		}
	}
	if lim, _ := s.Outbox(2); len(lim) != 2 || lim[1].ID != "audit-1" {
		t.Fatalf("limit 2: %+v", lim)
	}
	// Answer 2 and 5 first (a hole at 1): they leave, the watermark waits.
	acks, err := s.ApplyPush([]app.OutboxEvent{out[1], out[4]}, answers([]app.OutboxEvent{out[1], out[4]}, app.EventAccepted))
	if err != nil || acks.Delivered != 2 || acks.Acked != 0 {
		t.Fatalf("acks %+v, %v", acks, err)
	}
	if rest, _ := s.Outbox(100); len(rest) != 3 || rest[0].Seq != 1 || rest[1].Seq != 3 {
		t.Fatalf("rest %+v", rest)
	}
	rest, _ := s.Outbox(100)
	acks, err = s.ApplyPush(rest, answers(rest, app.EventAccepted))
	if err != nil || acks.Acked != 5 {
		t.Fatalf("acks %+v, %v", acks, err)
	}
	if st, _ := s.SyncState(); st.Waiting != 0 {
		t.Fatalf("waiting %d", st.Waiting)
	}
	// Reopen from 1: the four events above go again, the audit ones too.
	if n, err := s.Reopen(1); err != nil || n != 4 {
		t.Fatalf("reopen %d, %v", n, err)
	}
	if again, _ := s.Outbox(100); len(again) != 4 || again[0].ID != "audit-1" || again[3].ID != "audit-2" {
		t.Fatalf("after reopen %+v", again)
	}
	if evs, err := s.Events(); err != nil || len(evs) != 2 || evs[0].Seq != 2 || evs[1].Seq != 5 {
		t.Fatalf("events %+v, %v", evs, err)
	}
}

// BenchmarkSearchPupils measures the staff's surname search, a scan of
// 5,000 pupils.
func BenchmarkSearchPupils(b *testing.B) {
	s, err := Open(b.TempDir()+"/k.db", Options{SkipCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	surnames := []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"}
	var r app.Roster
	for i := range 5000 {
		r.Pupils = append(r.Pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("p%05d", i)), AccountID: app.AccountID(fmt.Sprintf("a%05d", i/2)),
			FirstName: "Nome", LastName: fmt.Sprintf("%s%d", surnames[i%10], i), School: "Dante", Class: "3A", Weekdays: []time.Weekday{1, 2, 3, 4, 5}})
	}
	if err := s.PutRoster(r); err != nil {
		b.Fatal(err)
	}
	c, err := app.NewCanteen(s, apptest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)), app.CanteenConfig{KioskID: "k", Location: time.UTC,
		Window: app.ServiceWindow{Start: 0, End: 24 * 60}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		hits, err := c.SearchPupils("ros", 9)
		if err != nil || len(hits) != 9 {
			b.Fatalf("%d hits, %v", len(hits), err)
		}
	}
}
