package synctest

// The sync path under recovery and edge cases: a server restored from a
// backup, replies lost after commit, a kiosk database reopened, voids that
// arrive in either order, clock skew, odd event ids and rejected pushes.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/internal/netfault"
)

// countingCentral counts the events pushed through it.
type countingCentral struct {
	app.Central
	pushed atomic.Int64
}

func (c *countingCentral) Push(ctx context.Context, b app.PushBatch) (app.PushReply, error) {
	c.pushed.Add(int64(len(b.Events)))
	return c.Central.Push(ctx, b)
}

// backupServer copies the server's database aside (server stopped
// meanwhile) and returns the copy's path.
func backupServer(t *testing.T, rs *realServer) string {
	t.Helper()
	rs.Stop()
	p := filepath.Join(t.TempDir(), "central.db")
	copyFile(t, filepath.Join(rs.Dir, "central.db"), p)
	rs.Reopen()
	return p
}

func restoreServer(t *testing.T, rs *realServer, backup string) {
	t.Helper()
	rs.Stop()
	copyFile(t, backup, filepath.Join(rs.Dir, "central.db"))
	rs.Reopen()
}

// TestRestoredServerGetsAFreshPull: the server's database is restored from
// a backup (same database id, lower head revision). Before kiosk 1 pulls
// again, another kiosk's pushes take the restored server's head past kiosk
// 1's stored cursor, so the cursor is neither "foreign" nor "beyond the
// head": a delta from it would name different changes and miss the account
// records rewritten in between. Kiosk 1 notices the server lost its events,
// sends them again and pulls afresh: its balances are the server's.
func TestRestoredServerGetsAFreshPull(t *testing.T) {
	rs, c := importedServer(t, 60)
	clock := newClock(day)
	k1, k2 := twoSyncedKiosks(t, rs, clock, clock)
	backup := backupServer(t, rs)

	for _, b := range c.badges[:10] { // families 0..3
		k1.tap(t, b, app.OutcomeServed)
	}
	k1.syncOK(t) // k1's cursor is now 10 revisions past the backup's head

	restoreServer(t, rs, backup)
	for _, b := range c.badges[30:45] { // families 10..14, 15 account revisions
		k2.tap(t, b, app.OutcomeServed)
	}
	k2.syncOK(t)
	for range 3 {
		k1.syncOK(t)
		k2.syncOK(t)
	}
	for acc, open := range c.opening {
		want := serverBalance(t, rs, acc)
		for _, k := range []*kiosk{k1, k2} {
			a, pending := kioskAccount(t, k, acc)
			if got := a.Balance - pending; got != want {
				t.Errorf("%s: %s projected %d (cached %d, pending %d), server %d (opening %d)", k.id, acc, got, a.Balance, pending, want, open)
			}
		}
	}
}

// TestRestoredServerGetsRejectedEventsAgain: an event the server rejected is
// kept aside on the kiosk. If the server then loses it (restored from a
// backup), the kiosk sends it again with the others, or its number would stay
// a hole on the server for ever (the acknowledged sequence stuck, every sync
// re-pushing everything above it). It is rejected again and kept aside again.
func TestRestoredServerGetsRejectedEventsAgain(t *testing.T) {
	rs, c := importedServer(t, 10)
	clock := newClock(day)
	k := newKiosk(t, rs, "porta-1", "", clock)
	cc := &countingCentral{Central: k.client}
	k.syncer = app.NewSyncer(k.store, cc, clock, app.SyncConfig{KioskID: k.id, CycleTimeout: 30 * time.Second}, logger(t))
	k.syncOK(t)
	for _, b := range c.badges[:3] { // seq 1..3
		k.tap(t, b, app.OutcomeServed)
	}
	k.syncOK(t)
	backup := backupServer(t, rs)

	clock.Set(noon("2019-11-25"))            // a Monday before the server's "earliest": rejected
	k.tap(t, c.badges[3], app.OutcomeServed) // seq 4
	clock.Set(noon(day))
	k.tap(t, c.badges[4], app.OutcomeServed) // seq 5
	k.tap(t, c.badges[5], app.OutcomeServed) // seq 6
	k.syncOK(t)
	if st, _ := k.store.SyncState(); st.Rejected != 1 || st.Acked != 6 {
		t.Fatalf("setup: kiosk state %+v, want 1 rejected and 6 acknowledged", st)
	}

	restoreServer(t, rs, backup)
	k.syncOK(t) // notices the server behind, re-sends
	k.syncOK(t)
	before := cc.pushed.Load()
	k.syncOK(t) // nothing new: nothing should be pushed
	if n := cc.pushed.Load() - before; n != 0 {
		t.Errorf("an idle sync pushed %d events again (the kiosk reopens everything above the server's hole on every sync)", n)
	}
	v, err := rs.KioskView(k.id, k.store.Epoch())
	if err != nil {
		t.Fatal(err)
	}
	if v.AckedSeq != 6 {
		t.Errorf("server acknowledges seq %d of this kiosk, want 6: the rejected seq 4 was never re-sent, a permanent hole", v.AckedSeq)
	}
}

// TestServerAlarmSurvivesALostReply: the server raises epoch_changed in the
// transaction that stores the first push from a new kiosk database. That
// push's reply is lost (connection dropped after the commit); the retry is
// answered "duplicate", and still carries the alarm, so the kiosk raises it
// too (raised on both sides, never skipped over).
func TestServerAlarmSurvivesALostReply(t *testing.T) {
	rs, c := importedServer(t, 6)
	clock := newClock(day)
	k := newKiosk(t, rs, "porta-1", "", clock)
	k.syncOK(t)
	k.tap(t, c.badges[0], app.OutcomeServed)
	k.syncOK(t)

	// The kiosk's disk is replaced: a new, empty database (new epoch).
	k = newKiosk(t, rs, "porta-1", "", clock)
	k.syncOK(t) // roster
	k.tap(t, c.badges[1], app.OutcomeServed)
	rs.proxy.Inject(netfault.DropAfter, 1) // the first push's answer is lost
	k.syncOK(t)                            // the client's retry gets "duplicate"

	alarms, err := rs.Alarms()
	if err != nil || !hasAlarm(alarms, app.AlarmEpochChanged) {
		t.Fatalf("setup: server alarms %+v, %v: want epoch_changed", alarms, err)
	}
	if st := k.syncer.Status(); !hasAlarm(st.Alarms, app.AlarmEpochChanged) {
		t.Errorf("the server raised epoch_changed but the kiosk did not: %+v", st.Alarms)
	}
}

// TestAnsweredMealStaysInTheBalance: once a push is answered the meal stops
// counting as pending; the push reply's balances take it in, in the same
// transaction, so the projected balance keeps it even if the network drops
// before the pull.
func TestAnsweredMealStaysInTheBalance(t *testing.T) {
	rs, c, k := syncedKiosk(t, 3)
	acc := c.pupils[0].AccountID
	r := k.tap(t, c.badges[0], app.OutcomeServed)
	if _, err := k.syncer.PushAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The pull that SyncOnce would do next fails: the network is gone.
	rs.proxy.SetOffline(true)
	if err := k.syncer.SyncOnce(context.Background()); err == nil {
		t.Fatal("sync succeeded offline")
	}
	a, pending := kioskAccount(t, k, acc)
	if got, want := a.Balance-pending, c.opening[acc]-r.Meal.Price; got != want {
		t.Errorf("projected balance %d (cached %d, pending %d), want %d: the served meal is counted nowhere", got, a.Balance, pending, want)
	}
}

// TestVoidOrderDoesNotDecideTheCharge: the same pupil is served at two
// offline kiosks (meals A and B), and meal A is later voided. If B arrives
// after the void it is charged; if it arrives before, it is held as a double
// serve, and the void of A must then charge B: the pupil ate one meal and the
// family pays one, whatever the order.
func TestVoidOrderDoesNotDecideTheCharge(t *testing.T) {
	run := func(t *testing.T, voidBeforeB bool) app.Cents {
		rs, c := importedServer(t, 3)
		k1, k2 := twoSyncedKiosks(t, rs, newClock(day), newClock(day))
		rs.proxy.SetOffline(true)
		a := k1.tap(t, c.badges[0], app.OutcomeServed)
		k2.tap(t, c.badges[0], app.OutcomeServed)
		rs.proxy.SetOffline(false)
		k1.syncOK(t)
		void := func() {
			// The office voids A (only its kiosk or the office may).
			it, err := rs.OfficeVoid(a.Meal.EventID, "tapped by mistake", "s1")
			if err != nil || !it.Voided {
				t.Fatalf("void: %+v, %v", it, err)
			}
		}
		if voidBeforeB {
			void()
			k2.syncOK(t)
		} else {
			k2.syncOK(t)
			void()
		}
		return serverBalance(t, rs, c.pupils[0].AccountID)
	}
	var first, second app.Cents
	t.Run("void-then-B", func(t *testing.T) { first = run(t, true) })
	t.Run("B-then-void", func(t *testing.T) { second = run(t, false) })
	if first != second {
		t.Errorf("the same events give balance %d when the void comes first and %d when B comes first", first, second)
	}
}

// TestReopenKeepsOutboxLen: answers out of order (a hole in
// "delivered"), a rejected event, then Reopen below all of it (the rejected
// one goes again too): the outbox length kept in meta equals what Outbox
// returns at every step.
func TestReopenKeepsOutboxLen(t *testing.T) {
	_, c, k := syncedKiosk(t, 8)
	for _, b := range c.badges {
		k.tap(t, b, app.OutcomeServed) // seq 1..8
	}
	check := func(when string, wantLen int) {
		t.Helper()
		evs, err := k.store.Outbox(1000)
		if err != nil {
			t.Fatal(err)
		}
		st, err := k.store.SyncState()
		if err != nil {
			t.Fatal(err)
		}
		if st.Waiting != len(evs) || len(evs) != wantLen {
			t.Fatalf("%s: outbox_len %d, Outbox returns %d, want %d", when, st.Waiting, len(evs), wantLen)
		}
	}
	evs, _ := k.store.Outbox(1000)
	ack := func(e app.OutboxEvent, s app.EventStatus) app.EventAck {
		return app.EventAck{ID: e.ID, Seq: e.Seq, Status: s}
	}
	// Seq 1, 2 accepted; 4 rejected; 6, 7 accepted (3 and 5 open: holes).
	sent := []app.OutboxEvent{evs[0], evs[1], evs[3], evs[5], evs[6]}
	res, err := k.store.ApplyPush(sent, app.PushReply{Results: []app.EventAck{
		ack(evs[0], app.EventAccepted), ack(evs[1], app.EventAccepted), ack(evs[3], app.EventRejected),
		ack(evs[5], app.EventDuplicate), ack(evs[6], app.EventAccepted)}})
	if err != nil || res.Acked != 2 || res.Delivered != 4 || res.Rejected != 1 {
		t.Fatalf("apply: %+v, %v", res, err)
	}
	check("after out-of-order answers", 3) // 3, 5, 8
	// The same answers again (a retry that crossed its answer) change nothing.
	if res, err := k.store.ApplyPush(sent, app.PushReply{Results: []app.EventAck{
		ack(evs[0], app.EventAccepted), ack(evs[1], app.EventAccepted), ack(evs[3], app.EventRejected),
		ack(evs[5], app.EventDuplicate), ack(evs[6], app.EventAccepted)}}); err != nil || res.Delivered+res.Rejected != 0 {
		t.Fatalf("re-apply: %+v, %v", res, err)
	}
	check("after the same answers again", 3)
	n, err := k.store.Reopen(1)
	if err != nil || n != 4 { // 2, 4, 6, 7 (3, 5, 8 were open; the rejected 4 goes again too)
		t.Fatalf("reopen: %d, %v; want 4", n, err)
	}
	check("after Reopen(1)", 7) // 2, 3, 4, 5, 6, 7, 8
	if st, _ := k.store.SyncState(); st.Acked != 1 || st.Rejected != 0 {
		t.Fatalf("after reopen: %+v", st)
	}
	// Pushing for real delivers everything once; the watermark passes 4.
	k.syncOK(t)
	if st, _ := k.store.SyncState(); st.Waiting != 0 || st.Acked != 8 {
		t.Fatalf("after sync: %+v", st)
	}
	check("after sync", 0)
}

// TestClockSkewSign: ClockSkew is the server's clock minus the
// kiosk's. The test kiosk's clock is the test day at 12:00 Rome; the
// server's is the real clock.
func TestClockSkewSign(t *testing.T) {
	rs, _ := importedServer(t, 1)
	clock := newClock(day)
	k := newKiosk(t, rs, "porta-1", "", clock)
	k.syncOK(t)
	want := time.Until(clock.Now()) * -1 // server − kiosk
	got := k.syncer.Status().ClockSkew
	if d := got - want; d > 5*time.Second || d < -5*time.Second {
		t.Fatalf("clock skew %v, want about %v (server minus kiosk)", got, want)
	}
}

// TestCancelAfterCommit: a push whose caller gives up
// (context cancelled) after the server committed leaves the events in the
// outbox; the next sync gets "duplicate" and nothing is charged twice.
func TestCancelAfterCommit(t *testing.T) {
	rs, c, k := syncedKiosk(t, 6)
	var want app.Cents
	for _, b := range c.badges[:3] {
		want += k.tap(t, b, app.OutcomeServed).Meal.Price
	}
	// The answer is held back; the caller gives up meanwhile.
	if err := rs.proxy.SetPlan(netfault.Plan{Delay: 1, DelayFor: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	_, err := k.syncer.PushAll(ctx)
	cancel()
	if err == nil {
		t.Fatal("push went through a delay longer than its deadline")
	}
	rs.proxy.SetPlan(netfault.Plan{})
	time.Sleep(3 * time.Second) // let the held request reach the server
	k.syncOK(t)
	cnt, _ := rs.Counts()
	if cnt.Events != 3 || cnt.MealsCharged != 3 {
		t.Fatalf("server counts %+v, want 3 events, 3 charged", cnt)
	}
	if st, _ := k.store.SyncState(); st.Waiting != 0 || st.Acked != 3 {
		t.Fatalf("kiosk state %+v", st)
	}
	acc := c.pupils[0].AccountID
	if got := serverBalance(t, rs, acc); got != c.opening[acc]-want {
		t.Fatalf("balance %d, want %d", got, c.opening[acc]-want)
	}
}

// TestMealSeqOddEventIDs: the outbox chooses events by the fast
// sequence parser (storage.mealSeq); meals whose event ids hold quotes,
// backslashes or a look-alike of the "seq" field (imported history) still
// come out with their own numbers, in order, and are answered. Those ids
// break the protocol's id rule (central.CheckID): the server answers them
// rejected, with the reason, kept for review, and charges only the meal
// whose id follows it.
func TestMealSeqOddEventIDs(t *testing.T) {
	rs, c, k := syncedKiosk(t, 6)
	ids := []string{`a","seq":99,"x":"`, `b\`, `c"`, `","seq":7,`, `e\",\"seq\":5,`, `f`}
	at := newClock(day).Now().UTC()
	var ms []*app.Meal
	for i, id := range ids {
		p := c.pupils[i]
		ms = append(ms, &app.Meal{EventID: id, KioskID: k.id, PupilID: p.ID, AccountID: p.AccountID, Day: day,
			Service: app.ServiceLunch, Price: p.MealPrice, At: at.Add(time.Duration(i) * time.Second), Via: app.ViaManual})
	}
	if err := k.store.ImportMeals(ms, false); err != nil {
		t.Fatal(err)
	}
	evs, err := k.store.Outbox(3)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) || e.ID != ids[i] {
			t.Fatalf("outbox[%d] = %q seq %d, want %q seq %d", i, e.ID, e.Seq, ids[i], i+1)
		}
	}
	k.syncOK(t)
	if st, _ := k.store.SyncState(); st.Waiting != 0 || st.Acked != uint64(len(ids)) {
		t.Fatalf("after sync: %+v", st)
	}
	if cnt, _ := rs.Counts(); cnt.Events != len(ids) || cnt.MealsCharged != 1 || cnt.Review != len(ids)-1 {
		t.Fatalf("server counts %+v", cnt)
	}
	items, err := rs.Review()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Status != app.EventRejected || !strings.Contains(it.Reason, "event id") || central.CheckID(it.ID) != nil {
			t.Fatalf("review item %+v", it)
		}
	}
}

// TestRejectedPushesOneKioskAlarm: a kiosk whose pushes are rejected again
// and again (a pupil moved to another family while it was offline) holds
// one rejected_events alarm, not one per push, while the server's
// aggregate counts every event.
func TestRejectedPushesOneKioskAlarm(t *testing.T) {
	rs, c, k := syncedKiosk(t, 6)
	at := newClock(day).Now().UTC()
	for i := range 5 {
		p := c.pupils[i]
		wrong := c.pupils[(i+3)%6].AccountID // another family's account
		m := &app.Meal{EventID: fmt.Sprintf("moved-%d", i), KioskID: k.id, PupilID: p.ID, AccountID: wrong, Day: day,
			Service: app.ServiceLunch, Price: p.MealPrice, At: at.Add(time.Duration(i) * time.Second), Via: app.ViaManual}
		if err := k.store.ImportMeals([]*app.Meal{m}, false); err != nil {
			t.Fatal(err)
		}
		k.syncOK(t)
	}
	st, err := k.store.SyncState()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range st.Alarms {
		if a.Code == app.AlarmRejected {
			n++
		}
	}
	if n != 1 || st.Rejected != 5 {
		t.Fatalf("the kiosk holds %d rejected_events alarms and %d rejected events, want 1 and 5: %+v", n, st.Rejected, st.Alarms)
	}
	alarms, _ := rs.Alarms()
	if len(alarms) != 1 || alarms[0].Count != 5 {
		t.Fatalf("server alarms %+v", alarms)
	}
}
