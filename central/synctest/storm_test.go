package synctest

import (
	"context"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/internal/netfault"
)

// TestSyncThroughAFaultStorm: dropped connections, 5xx, timeouts, answers
// lost after the server committed, garbled answers. The engine keeps
// trying; afterwards every meal is on the server exactly once and the
// kiosk's outbox is empty.
func TestSyncThroughAFaultStorm(t *testing.T) {
	syncThroughAFaultStorm(t, startServer(t, ""))
}

// syncThroughAFaultStorm is the storm against rs (one server, or several
// on one database behind its balancing proxy).
func syncThroughAFaultStorm(t *testing.T, rs *realServer) {
	n := 600
	if testing.Short() {
		n = 200
	}
	c := newComune(n)
	if _, err := rs.Import(c.data); err != nil {
		t.Fatal(err)
	}
	clock := newClock(day)
	k := newKiosk(t, rs, "porta-1", "", clock)
	// Small batches and pages: many requests for the storm to hit.
	k.syncer = app.NewSyncer(k.store, k.client, clock, app.SyncConfig{KioskID: k.id, PushBatch: 20, PullLimit: 50, CycleTimeout: 30 * time.Second}, logger(t))
	k.syncOK(t)
	want := map[app.AccountID]app.Cents{}
	for i, b := range c.badges {
		r := k.tap(t, b, app.OutcomeServed)
		want[c.pupils[i].AccountID] += r.Meal.Price
	}
	if err := rs.proxy.SetPlan(netfault.Plan{Seed: 7, DropBefore: 0.1, Error500: 0.1, Delay: 0.05, DropAfter: 0.15, Garble: 0.1,
		DelayFor: 2500 * time.Millisecond, DelayDrop: 0.5}); err != nil {
		t.Fatal(err)
	}
	// Each fault at least once, whatever the draws.
	for _, f := range []netfault.Fault{netfault.DropAfter, netfault.Garble, netfault.Error500, netfault.DropBefore, netfault.Delay, netfault.DropAfter} {
		rs.proxy.Inject(f, 1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fails := 0
	for {
		err := k.syncer.SyncOnce(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no complete sync through the storm in 3 min; last error: %v", err)
		}
		fails++
	}
	stats := rs.proxy.Stats()
	t.Logf("%d failed syncs; proxy: %+v", fails, stats)
	if stats.DropAfter == 0 || stats.Garble == 0 || stats.Error500 == 0 {
		t.Fatalf("the storm did not happen: %+v", stats)
	}
	rs.proxy.SetPlan(netfault.Plan{})
	k.syncOK(t)
	cnt, err := rs.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Events != n || cnt.MealsCharged != n {
		t.Fatalf("server holds %d events (%d charged), want exactly %d", cnt.Events, cnt.MealsCharged, n)
	}
	if st, _ := k.store.SyncState(); st.Waiting != 0 || st.Acked != uint64(n) {
		t.Fatalf("kiosk state %+v, want nothing waiting and all acknowledged", st)
	}
	for a, spent := range want {
		if got := serverBalance(t, rs, a); got != c.opening[a]-spent {
			t.Errorf("balance of %s = %d, want %d", a, got, c.opening[a]-spent)
		}
	}
}
