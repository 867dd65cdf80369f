package synctest

import (
	"context"
	"errors"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
)

// withToken points kiosk k at the server with another token.
func (k *kiosk) withToken(t *testing.T, rs *realServer, token string) {
	t.Helper()
	client, err := central.NewClient(central.ClientConfig{BaseURL: rs.proxy.URL(), Token: token, Epoch: k.store.Epoch(),
		Timeout: 2 * time.Second, Retries: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	k.client = client
	k.syncer = app.NewSyncer(k.store, client, newClock(day), app.SyncConfig{KioskID: k.id, PushBatch: 200, PullLimit: 500, CycleTimeout: 30 * time.Second}, logger(t))
}

// TestKioskTokenOfAnotherRole: a canteen kiosk configured with the receipts
// token is refused (403): the sync says so (SyncForbidden, not
// "unreachable") and keeps its meals; with a counter's token too (a push
// holding meals is refused whole), nothing charged; with its canteen token
// everything goes, the meals kept charged at last.
func TestKioskTokenOfAnotherRole(t *testing.T) {
	rs, c, k := syncedKiosk(t, 3)
	ctx := context.Background()
	rtok, err := rs.CreateReceiptToken("connector")
	if err != nil {
		t.Fatal(err)
	}
	k.withToken(t, rs, rtok)
	k.tap(t, c.badges[0], app.OutcomeServed)
	err = k.syncer.SyncOnce(ctx)
	if !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("sync with a receipts token: %v, want ErrForbidden", err)
	}
	if st := k.syncer.Status(); st.Problem != app.SyncForbidden || st.Waiting != 1 {
		t.Fatalf("status: problem %v waiting %d, want SyncForbidden and the meal kept", st.Problem, st.Waiting)
	}
	fam := c.pupils[0].AccountID
	if got := serverBalance(t, rs, fam); got != c.opening[fam] {
		t.Fatalf("charged through a receipts token: %d", got)
	}

	ctok, err := rs.CreateToken("porta-1", server.RoleCounter)
	if err != nil {
		t.Fatal(err)
	}
	k.withToken(t, rs, ctok)
	err = k.syncer.SyncOnce(ctx)
	if !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("sync of meals with a counter's token: %v, want ErrForbidden", err)
	}
	if st := k.syncer.Status(); st.Problem != app.SyncForbidden || st.Waiting != 1 || st.Rejected != 0 {
		t.Fatalf("with a counter's token: %+v, want SyncForbidden and the meal kept", st)
	}
	if got := serverBalance(t, rs, fam); got != c.opening[fam] {
		t.Fatalf("a counter's meal charged: %d", got)
	}
	k.tap(t, c.badges[1], app.OutcomeServed)
	ktok, err := rs.CreateToken("porta-1", server.RoleCanteen)
	if err != nil {
		t.Fatal(err)
	}
	k.withToken(t, rs, ktok)
	k.syncOK(t)
	want := c.opening[fam] - c.pupils[0].MealPrice
	if c.pupils[1].AccountID == fam {
		want -= c.pupils[1].MealPrice
	}
	if got := serverBalance(t, rs, fam); got != want {
		t.Fatalf("with the canteen token: balance %d, want %d (both meals charged)", got, want)
	}
}
