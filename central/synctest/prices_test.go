package synctest

import (
	"slices"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
)

// TestKioskBalanceFollowsServerPrice: the Comune changes a pupil's fee
// band; a kiosk that has not pulled it yet serves the pupil at the old
// price. The server charges the new band's price, flags the meal
// price_mismatch and raises an alarm; after its sync the kiosk's projected
// balance is the server's, the kiosk shows the alarm and its next meal is
// at the new price.
func TestKioskBalanceFollowsServerPrice(t *testing.T) {
	rs, c := importedServer(t, 3)
	// The band changes when the server imports it, on its real clock: the
	// kiosk's clock is a minute ahead of that, so its meals come after the
	// change at any hour (a kiosk at noon failed the test every afternoon).
	kc := apptest.NewClock(time.Now().Add(time.Minute))
	kc.StepEachRead(time.Second)
	k := newKiosk(t, rs, "porta-1", "", kc)
	k.syncOK(t)
	p := c.pupils[0]
	fam, old := p.AccountID, p.MealPrice

	const newPrice = 520
	c.data.Pupils[0].MealPrice = newPrice
	if _, err := rs.Import(c.data); err != nil {
		t.Fatal(err)
	}
	r := k.tap(t, c.badges[0], app.OutcomeServed) // the kiosk still has the old price
	if r.Meal.Price != old {
		t.Fatalf("kiosk charged %d, want its old price %d", r.Meal.Price, old)
	}
	acc, pending := kioskAccount(t, k, fam)
	if acc.Balance-pending != c.opening[fam]-old {
		t.Fatalf("projected before sync %d", acc.Balance-pending)
	}
	k.syncOK(t)
	if got := serverBalance(t, rs, fam); got != c.opening[fam]-newPrice {
		t.Fatalf("server balance %d, want %d: the server's price charged", got, c.opening[fam]-newPrice)
	}
	it, ok, err := rs.Event(r.Meal.EventID)
	if err != nil || !ok || !slices.Contains(it.Flags, app.FlagPriceMismatch) {
		t.Fatalf("server's meal %+v %v %v: want price_mismatch", it, ok, err)
	}
	acc, pending = kioskAccount(t, k, fam)
	if pending != 0 || acc.Balance != c.opening[fam]-newPrice {
		t.Errorf("kiosk after sync: cached %d pending %d, want the server's %d", acc.Balance, pending, c.opening[fam]-newPrice)
	}
	st := k.syncer.Status()
	codes := []string{}
	for _, a := range st.Alarms {
		codes = append(codes, a.Code)
	}
	if !slices.Contains(codes, app.AlarmPriceMismatch) {
		t.Errorf("kiosk alarms %v: want price_mismatch for staff", codes)
	}
	// The pull brought the new price: the next meal agrees.
	r2 := k.tap(t, c.badges[1], app.OutcomeServed)
	sibling := c.pupils[1]
	if r2.Meal.Price != sibling.MealPrice {
		t.Fatalf("sibling at %d", r2.Meal.Price)
	}
	k.syncOK(t)
	if it, _, _ := rs.Event(r2.Meal.EventID); slices.Contains(it.Flags, app.FlagPriceMismatch) {
		t.Errorf("a meal at the pulled price flagged: %+v", it.Flags)
	}
}
