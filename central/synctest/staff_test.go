package synctest

import (
	"context"
	"testing"

	"mensakiosk/app"
)

// TestVoidReachesServerAfterOffline: a meal pushed and charged, then voided
// while the kiosk is offline, and the pupil served again by hand. Offline
// the projected balance already gives the void back; when the network
// returns the void, the audit and the new meal reach the real server in
// order, and both sides agree on the balance: charged once.
func TestVoidReachesServerAfterOffline(t *testing.T) {
	rs, c, k := syncedKiosk(t, 3)
	ctx := context.Background()
	fam, price := c.pupils[0].AccountID, c.pupils[0].MealPrice
	staff := app.Staff{ID: "S1", Name: "Cuoca"}

	r := k.tap(t, c.badges[0], app.OutcomeServed)
	k.syncOK(t)
	if got := serverBalance(t, rs, fam); got != c.opening[fam]-price {
		t.Fatalf("server balance after the meal %d", got)
	}

	rs.proxy.SetOffline(true)
	if _, err := k.canteen.Void(ctx, staff, r.Meal.EventID, app.VoidWrongPupil); err != nil {
		t.Fatal(err)
	}
	acc, pending := kioskAccount(t, k, fam)
	if acc.Balance-pending != c.opening[fam] {
		t.Fatalf("offline after the void: cached %d pending %d, want the opening %d projected", acc.Balance, pending, c.opening[fam])
	}
	again, err := k.canteen.ServeManual(ctx, staff, c.pupils[0].ID)
	if err != nil || again.Outcome != app.OutcomeServed || again.Balance != c.opening[fam]-price {
		t.Fatalf("served again offline: %+v, %v", again, err)
	}
	if err := k.syncer.SyncOnce(ctx); err == nil {
		t.Fatal("sync succeeded offline")
	}
	if st := k.syncer.Status(); st.Waiting != 4 { // void, its audit, the meal, its audit
		t.Fatalf("waiting %d, want 4", st.Waiting)
	}

	rs.proxy.SetOffline(false)
	k.syncOK(t)
	if st := k.syncer.Status(); st.Waiting != 0 || st.Rejected != 0 {
		t.Fatalf("after sync: waiting %d rejected %d", st.Waiting, st.Rejected)
	}
	if got := serverBalance(t, rs, fam); got != c.opening[fam]-price {
		t.Errorf("server balance %d, want %d: the void refunded, the new meal charged", got, c.opening[fam]-price)
	}
	acc, pending = kioskAccount(t, k, fam)
	if acc.Balance != c.opening[fam]-price || pending != 0 {
		t.Errorf("kiosk: cached %d pending %d", acc.Balance, pending)
	}
	cnt, err := rs.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if cnt.MealsCharged != 1 {
		t.Errorf("server charged %d meals, want 1", cnt.MealsCharged)
	}
	// The day's report from the kiosk's store: one pupil served of three.
	rep, err := k.canteen.Report(day)
	if err != nil || rep.Totals.Served != 1 || rep.Totals.Booked != 3 || len(rep.NotEaten) != 2 {
		t.Fatalf("report %+v, %v", rep.Totals, err)
	}
}
