package synctest

import (
	"context"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/server"
	"mensakiosk/internal/netfault"
)

// TestSyncThroughAFaultStorm: dropped connections, 5xx, timeouts, answers
// lost after the server committed, garbled answers. The engine keeps
// trying; afterwards every meal is on the server exactly once and the
// kiosk's outbox is empty.
func TestSyncThroughAFaultStorm(t *testing.T) {
	rs := startServer(t, "")
	syncThroughAFaultStorm(t, rs.proxy, rs.Server.Server)
}

// syncThroughAFaultStorm is the storm through proxy, in front of one
// server or several on one database; srv is the store, opened in-process
// (the server itself, or one more beside the servers on PostgreSQL), for
// the import, the token and the checks.
func syncThroughAFaultStorm(t *testing.T, proxy *netfault.Proxy, srv *server.Server) {
	n := 600
	if testing.Short() {
		n = 200
	}
	c := newComune(n)
	if _, err := srv.Import(c.data); err != nil {
		t.Fatal(err)
	}
	clock := newClock(day)
	token, err := srv.CreateToken("porta-1", server.RoleCanteen)
	if err != nil {
		t.Fatal(err)
	}
	k := newKioskAt(t, proxy.URL(), token, "porta-1", "", clock)
	// Small batches and pages: many requests for the storm to hit.
	k.syncer = app.NewSyncer(k.store, k.client, clock, app.SyncConfig{KioskID: k.id, PushBatch: 20, PullLimit: 50, CycleTimeout: 30 * time.Second}, logger(t))
	k.syncOK(t)
	want := map[app.AccountID]app.Cents{}
	for i, b := range c.badges {
		r := k.tap(t, b, app.OutcomeServed)
		want[c.pupils[i].AccountID] += r.Meal.Price
	}
	if err := proxy.SetPlan(netfault.Plan{Seed: 7, DropBefore: 0.1, Error500: 0.1, Delay: 0.05, DropAfter: 0.15, Garble: 0.1,
		DelayFor: 2500 * time.Millisecond, DelayDrop: 0.5}); err != nil {
		t.Fatal(err)
	}
	// Each fault at least once, whatever the draws.
	for _, f := range []netfault.Fault{netfault.DropAfter, netfault.Garble, netfault.Error500, netfault.DropBefore, netfault.Delay, netfault.DropAfter} {
		proxy.Inject(f, 1)
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
	stats := proxy.Stats()
	t.Logf("%d failed syncs; proxy: %+v", fails, stats)
	if stats.DropAfter == 0 || stats.Garble == 0 || stats.Error500 == 0 {
		t.Fatalf("the storm did not happen: %+v", stats)
	}
	proxy.SetPlan(netfault.Plan{})
	k.syncOK(t)
	cnt, err := srv.Counts()
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
		if got, err := srv.Balance(a); err != nil || got != c.opening[a]-spent {
			t.Errorf("balance of %s = %d (%v), want %d", a, got, err, c.opening[a]-spent)
		}
	}
}
