package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// recordN records n meals for pupils p0..p(n-1) of account a1 on day d.
func recordN(t *testing.T, s *Store, d app.Day, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		m := &app.Meal{EventID: fmt.Sprintf("ev-%s-%d", d, i), KioskID: "k1", PupilID: app.PupilID(fmt.Sprintf("p%d", i)),
			AccountID: "a1", Day: d, Service: app.ServiceLunch, Price: 100, At: time.Now()}
		if err := s.Update(func(tx app.CanteenTx) error { return tx.RecordMeal(m) }); err != nil {
			t.Fatal(err)
		}
	}
}

func answers(evs []app.OutboxEvent, st app.EventStatus) app.PushReply {
	var r app.PushReply
	for _, e := range evs {
		r.Results = append(r.Results, app.EventAck{ID: e.ID, Seq: e.Seq, Status: st})
	}
	return r
}

func pending(t *testing.T, s *Store) app.Cents {
	t.Helper()
	var c app.Cents
	if err := s.View(func(tx app.CanteenTx) (err error) { c, err = tx.PendingCharges("a1"); return err }); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestApplyPushMovesWatermarkOverAnswersOnly(t *testing.T) {
	s, _ := openTemp(t)
	for i := 0; i < 5; i++ {
		if err := s.PutRoster(app.Roster{Pupils: []app.Pupil{{ID: app.PupilID(fmt.Sprintf("p%d", i)), AccountID: "a1"}}}); err != nil {
			t.Fatal(err)
		}
	}
	recordN(t, s, "2026-11-23", 5)
	out, err := s.Outbox(100)
	if err != nil || len(out) != 5 {
		t.Fatalf("outbox = %d, %v", len(out), err)
	}
	if got := pending(t, s); got != 500 {
		t.Fatalf("pending = %d, want 500", got)
	}
	// The server answers 1, 3 (rejected) and 4; 2 and 5 unanswered.
	sent := []app.OutboxEvent{out[0], out[2], out[3]}
	reply := app.PushReply{Results: []app.EventAck{
		{ID: out[0].ID, Seq: 1, Status: app.EventAccepted},
		{ID: out[2].ID, Seq: 3, Status: app.EventRejected, Reason: "unknown pupil"},
		{ID: out[3].ID, Seq: 4, Status: app.EventDuplicate, Flags: []string{app.FlagDoubleServe}},
	}}
	acks, err := s.ApplyPush(sent, reply)
	if err != nil {
		t.Fatal(err)
	}
	if acks.Acked != 1 || acks.Delivered != 2 || acks.Rejected != 1 || acks.Flagged != 1 {
		t.Fatalf("acks = %+v", acks)
	}
	out, _ = s.Outbox(100)
	if len(out) != 2 || out[0].Seq != 2 || out[1].Seq != 5 {
		t.Fatalf("outbox after = %+v", out)
	}
	st, _ := s.SyncState()
	if st.Waiting != 2 || st.Rejected != 1 || st.Acked != 1 {
		t.Fatalf("state = %+v", st)
	}
	if got := pending(t, s); got != 200 {
		t.Fatalf("pending = %d, want 200 (the two unanswered)", got)
	}
	if _, err := s.ApplyPush(out, answers(out, app.EventAccepted)); err != nil {
		t.Fatal(err)
	}
	st, _ = s.SyncState()
	if st.Waiting != 0 || st.Acked != 5 {
		t.Fatalf("state = %+v, want all answered, watermark 5", st)
	}
	rj, _ := s.Rejected()
	if len(rj) != 1 || rj[0].Seq != 3 || rj[0].Reason != "unknown pupil" {
		t.Fatalf("rejected = %+v", rj)
	}
	fl, _ := s.Flagged()
	if len(fl) != 1 || fl[0].Flags[0] != app.FlagDoubleServe {
		t.Fatalf("flagged = %+v", fl)
	}
	// No day is left in "unsynced", and the delivered set is empty.
	if err := s.db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bUnsynced).Stats().KeyN; n != 0 {
			return fmt.Errorf("unsynced days = %d", n)
		}
		if n := tx.Bucket(bDelivered).Stats().KeyN; n != 0 {
			return fmt.Errorf("delivered = %d", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestApplyPushRefusesMismatchedReply(t *testing.T) {
	s, _ := openTemp(t)
	recordN(t, s, "2026-11-23", 2)
	out, _ := s.Outbox(10)
	bad := answers(out, app.EventAccepted)
	bad.Results[1].ID = "someone-else"
	if _, err := s.ApplyPush(out, bad); err == nil {
		t.Fatal("a reply for other events was applied")
	}
	if _, err := s.ApplyPush(out, answers(out[:1], app.EventAccepted)); err == nil {
		t.Fatal("a short reply was applied")
	}
	weird := answers(out, "maybe")
	if _, err := s.ApplyPush(out, weird); err == nil {
		t.Fatal("an unknown status was applied")
	}
	if st, _ := s.SyncState(); st.Waiting != 2 || st.Acked != 0 {
		t.Fatalf("state = %+v, want nothing applied", st)
	}
}

func TestReopenSendsAgainWhatTheServerLost(t *testing.T) {
	s, _ := openTemp(t)
	recordN(t, s, "2026-11-20", 3)
	recordN(t, s, "2026-11-23", 3)
	out, _ := s.Outbox(100)
	if _, err := s.ApplyPush(out, answers(out, app.EventAccepted)); err != nil {
		t.Fatal(err)
	}
	n, err := s.Reopen(2)
	if err != nil || n != 4 {
		t.Fatalf("reopen = %d, %v; want 4", n, err)
	}
	out, _ = s.Outbox(100)
	if len(out) != 4 || out[0].Seq != 3 {
		t.Fatalf("outbox = %+v", out)
	}
	if st, _ := s.SyncState(); st.Waiting != 4 || st.Acked != 2 {
		t.Fatalf("state = %+v", st)
	}
}

func TestApplyPullStoresRecordsAndCursor(t *testing.T) {
	s, _ := openTemp(t)
	page := app.PullPage{Cursor: "c1", ServerTime: time.Now(), Delta: app.Delta{
		Accounts: []app.Account{{ID: "a1", Balance: 1000}},
		Pupils:   []app.Pupil{{ID: "p1", AccountID: "a1", FirstName: "Anna"}},
		Badges:   []app.Badge{{ID: "010063E9AE", PupilID: "p1"}},
		Bookings: []app.Booking{{PupilID: "p1", Day: "2026-11-23", Bland: true}},
		FeeBands: []app.FeeBand{{Code: "A", MealPrice: 230}},
		Diets:    []app.Diet{{Code: "GF", Name: "Senza glutine"}},
		Staff:    []app.Staff{{ID: "s1", Name: "Maria", Role: app.StaffCanteen}},
		News:     []app.News{{ID: "n1", Title: "Menu"}},
	}}
	if err := s.ApplyPull(page); err != nil {
		t.Fatal(err)
	}
	st, _ := s.SyncState()
	if st.Cursor != "c1" {
		t.Fatalf("cursor = %q", st.Cursor)
	}
	del := app.PullPage{Cursor: "c2", Delta: app.Delta{Deleted: []app.Ref{
		{Kind: app.KindBadge, ID: "010063E9AE"}, {Kind: app.KindBooking, ID: "2026-11-23/p1"}, {Kind: app.KindPupil, ID: "p1"}}}}
	if err := s.ApplyPull(del); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Count()
	if c.Pupils != 0 || c.Badges != 0 || c.Bookings != 0 || c.Accounts != 1 {
		t.Fatalf("counts after deletions = %+v", c)
	}
	if err := s.ApplyPull(app.PullPage{Cursor: "c3", Delta: app.Delta{Deleted: []app.Ref{{Kind: "meal", ID: "x"}}}}); err == nil {
		t.Fatal("an unknown kind was accepted")
	}
	if st, _ := s.SyncState(); st.Cursor != "c2" {
		t.Fatalf("cursor moved on a refused page: %q", st.Cursor)
	}
	if err := s.ApplyPull(app.PullPage{}); err == nil {
		t.Fatal("a page without cursor was applied")
	}
}

func TestAlarmsRaisedOnceAndCleared(t *testing.T) {
	s, _ := openTemp(t)
	a := app.Alarm{Code: app.AlarmSeqGap, Message: "hole at 7", At: time.Now()}
	if fresh, err := s.RaiseAlarm(a); !fresh || err != nil {
		t.Fatal(fresh, err)
	}
	a.At = a.At.Add(time.Second)
	if fresh, _ := s.RaiseAlarm(a); fresh {
		t.Fatal("the same alarm raised twice")
	}
	st, _ := s.SyncState()
	if len(st.Alarms) != 1 {
		t.Fatalf("alarms = %+v", st.Alarms)
	}
	if err := s.ClearAlarms(app.AlarmSeqGap); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.SyncState(); len(st.Alarms) != 0 {
		t.Fatalf("alarms after clear = %+v", st.Alarms)
	}
}

func TestSchema1Migrated(t *testing.T) {
	s, path := openTemp(t)
	recordN(t, s, "2026-11-23", 1)
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range v2Buckets {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put(kSchema, binary.BigEndian.AppendUint32(nil, 1))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(path, Options{SkipCheck: true})
	if err != nil {
		t.Fatalf("schema 1 file refused: %v", err)
	}
	defer s.Close()
	if out, err := s.Outbox(10); err != nil || len(out) != 1 {
		t.Fatalf("outbox after migration = %d, %v", len(out), err)
	}
}

// A reset pull (the server's database replaced) drops the records its pages
// did not carry; a new kiosk's first pull keeps everything it gets.
func TestResetPullDropsStaleRecords(t *testing.T) {
	s, _ := openTemp(t)
	first := app.PullPage{Cursor: "c1", Reset: true, More: true, Delta: app.Delta{
		Accounts: []app.Account{{ID: "a1"}, {ID: "a2"}},
		Pupils:   []app.Pupil{{ID: "p1", AccountID: "a1"}, {ID: "p2", AccountID: "a2"}}}}
	last := app.PullPage{Cursor: "c2", Reset: true, Delta: app.Delta{Badges: []app.Badge{{ID: "0A0B", PupilID: "p1"}, {ID: "0C0D", PupilID: "p2"}}}}
	for _, p := range []app.PullPage{first, last} {
		if err := s.ApplyPull(p); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := s.Count(); c.Accounts != 2 || c.Pupils != 2 || c.Badges != 2 {
		t.Fatalf("after the first pull: %+v", c)
	}
	// The server is replaced; its roster lacks a2, p2 and badge 0C0D.
	for _, p := range []app.PullPage{
		{Cursor: "d1", Reset: true, More: true, Delta: app.Delta{Accounts: []app.Account{{ID: "a1"}}}},
		{Cursor: "d2", Reset: true, Delta: app.Delta{Pupils: []app.Pupil{{ID: "p1", AccountID: "a1"}}, Badges: []app.Badge{{ID: "0A0B", PupilID: "p1"}}}},
	} {
		if err := s.ApplyPull(p); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := s.Count(); c.Accounts != 1 || c.Pupils != 1 || c.Badges != 1 {
		t.Fatalf("after the reset pull: %+v, want the stale records dropped", c)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bSeen) != nil || tx.Bucket(bMeta).Get(kResetting) != nil {
			return fmt.Errorf("reset bookkeeping left behind")
		}
		if n := tx.Bucket(bFamily).Stats().KeyN; n != 1 {
			return fmt.Errorf("family index has %d entries, want 1", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A later, normal delta keeps everything.
	if err := s.ApplyPull(app.PullPage{Cursor: "d3", Delta: app.Delta{Accounts: []app.Account{{ID: "a3"}}}}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Count(); c.Accounts != 2 {
		t.Fatalf("after a delta: %+v", c)
	}
}

func TestMealSeqFastPathAgreesWithJSON(t *testing.T) {
	for _, m := range []app.Meal{{EventID: "abc123", Seq: 1}, {EventID: "ff", Seq: 18446744073709551615}, {EventID: "", Seq: 7}, {EventID: `we"ird`, Seq: 9}} {
		raw, _ := json.Marshal(m)
		got, err := mealSeq(raw)
		if err != nil || got != m.Seq {
			t.Errorf("mealSeq(%s) = %d, %v; want %d", raw, got, err, m.Seq)
		}
	}
	for _, raw := range []string{`{"seq":12}`, `{"event_id":"x","seq":3}`, `{"event_id":"a","seq":99999999999999999999,"x":1}`} {
		want := struct {
			Seq uint64 `json:"seq"`
		}{}
		jerr := json.Unmarshal([]byte(raw), &want)
		got, err := mealSeq([]byte(raw))
		if (err == nil) != (jerr == nil) || (err == nil && got != want.Seq) {
			t.Errorf("mealSeq(%s) = %d, %v; json says %d, %v", raw, got, err, want.Seq, jerr)
		}
	}
}
