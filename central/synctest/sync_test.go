package synctest

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"mensakiosk/app"
)

// serverBalance reads one account's balance on the server.
func serverBalance(t testing.TB, rs *realServer, a app.AccountID) app.Cents {
	t.Helper()
	b, err := rs.Balance(a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kioskAccount reads the kiosk's cached account and its pending charges.
func kioskAccount(t testing.TB, k *kiosk, a app.AccountID) (app.Account, app.Cents) {
	t.Helper()
	var acc app.Account
	var pending app.Cents
	if err := k.store.View(func(tx app.CanteenTx) (err error) {
		if acc, err = tx.Account(a); err != nil {
			return err
		}
		pending, err = tx.PendingCharges(a)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return acc, pending
}

// TestOfflineThenCatchUp: a kiosk synced with the real server loses the
// network, serves hundreds of pupils, comes back: the server holds every
// meal once, balances are the expected sums on both sides.
func TestOfflineThenCatchUp(t *testing.T) {
	const n = 300
	rs, c, k := syncedKiosk(t, n) // first pull: the roster
	if cnt, _ := k.store.Count(); cnt.Pupils != n || cnt.Badges != n {
		t.Fatalf("kiosk after first pull: %+v", cnt)
	}

	rs.proxy.SetOffline(true)
	want := map[app.AccountID]app.Cents{}
	for i, b := range c.badges {
		r := k.tap(t, b, app.OutcomeServed)
		want[c.pupils[i].AccountID] += r.Meal.Price
	}
	if err := k.syncer.SyncOnce(context.Background()); err == nil {
		t.Fatal("sync succeeded with the network cut")
	}
	st := k.syncer.Status()
	if st.Online || st.OfflineSince.IsZero() || st.Waiting != n {
		t.Fatalf("status while offline: online %v since %v waiting %d", st.Online, st.OfflineSince, st.Waiting)
	}
	// Offline, the projected balance already counts the kiosk's charges.
	acc0 := c.pupils[0].AccountID
	if acc, pending := kioskAccount(t, k, acc0); pending != want[acc0] || acc.Balance != c.opening[acc0] {
		t.Fatalf("offline: cached %d pending %d, want %d and %d", acc.Balance, pending, c.opening[acc0], want[acc0])
	}

	rs.proxy.SetOffline(false)
	k.syncOK(t)
	st = k.syncer.Status()
	if !st.Online || st.Waiting != 0 || st.LastSync.IsZero() {
		t.Fatalf("status after catch-up: %+v", st)
	}
	cnt, err := rs.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Events != n || cnt.MealsCharged != n {
		t.Fatalf("server holds %d events, %d charged; the kiosk served %d", cnt.Events, cnt.MealsCharged, n)
	}
	for a, spent := range want {
		if got := serverBalance(t, rs, a); got != c.opening[a]-spent {
			t.Errorf("server balance of %s = %d, want %d", a, got, c.opening[a]-spent)
		}
		acc, pending := kioskAccount(t, k, a)
		if acc.Balance != c.opening[a]-spent || pending != 0 {
			t.Errorf("kiosk's %s: cached %d pending %d, want %d and 0", a, acc.Balance, pending, c.opening[a]-spent)
		}
	}
	// A second sync changes nothing: nothing counted twice.
	k.syncOK(t)
	if cnt2, _ := rs.Counts(); cnt2.Events != n || cnt2.MealsCharged != n {
		t.Fatalf("after a second sync: %+v", cnt2)
	}
}

// TestTwoKiosksOneFamilyOffline: siblings served at two kiosks while both
// are offline both count; the same pupil served at both is kept twice,
// flagged, and charged once.
func TestTwoKiosksOneFamilyOffline(t *testing.T) {
	rs, c := importedServer(t, 3) // one family of three siblings
	fam := c.pupils[0].AccountID
	k1, k2 := twoSyncedKiosks(t, rs, newClock(day), newClock(day))
	rs.proxy.SetOffline(true)
	r0 := k1.tap(t, c.badges[0], app.OutcomeServed)
	r1 := k2.tap(t, c.badges[1], app.OutcomeServed)
	k1.tap(t, c.badges[2], app.OutcomeServed)
	k2.tap(t, c.badges[2], app.OutcomeServed) // the same child at the other door
	rs.proxy.SetOffline(false)
	k1.syncOK(t)
	k2.syncOK(t)
	k1.syncOK(t) // k1 learns the balance after k2's meals

	spent := r0.Meal.Price + r1.Meal.Price + c.pupils[2].MealPrice
	if got := serverBalance(t, rs, fam); got != c.opening[fam]-spent {
		t.Fatalf("family balance %d, want %d (three meals, the double serve not charged)", got, c.opening[fam]-spent)
	}
	for _, k := range []*kiosk{k1, k2} {
		acc, pending := kioskAccount(t, k, fam)
		if acc.Balance != c.opening[fam]-spent || pending != 0 {
			t.Errorf("%s sees %d pending %d, want %d", k.id, acc.Balance, pending, c.opening[fam]-spent)
		}
	}
	cnt, _ := rs.Counts()
	if cnt.Events != 4 || cnt.MealsCharged != 3 || cnt.Review < 1 {
		t.Fatalf("server counts %+v: want 4 events kept, 3 charged, the double serve in review", cnt)
	}
	fl, err := k2.store.Flagged()
	if err != nil || len(fl) != 1 || fl[0].Flags[0] != app.FlagDoubleServe {
		t.Fatalf("kiosk 2's flagged events = %+v, %v", fl, err)
	}
}

// TestServerRestoredFromBackup: the server loses what it acknowledged (its
// database restored from a copy); the kiosk notices, raises an alarm, and
// sends those events again from its history.
func TestServerRestoredFromBackup(t *testing.T) {
	rs, c, k := syncedKiosk(t, 40)
	for _, b := range c.badges[:10] {
		k.tap(t, b, app.OutcomeServed)
	}
	k.syncOK(t)
	// The Comune's backup is taken here.
	rs.Stop()
	backup := t.TempDir()
	copyFile(t, filepath.Join(rs.Dir, "central.db"), filepath.Join(backup, "central.db"))
	rs.Reopen()
	for _, b := range c.badges[10:30] {
		k.tap(t, b, app.OutcomeServed)
	}
	k.syncOK(t)
	// The server's disk dies; the backup is restored.
	rs.Stop()
	copyFile(t, filepath.Join(backup, "central.db"), filepath.Join(rs.Dir, "central.db"))
	rs.Reopen()
	if cnt, _ := rs.Counts(); cnt.Events != 10 {
		t.Fatalf("restored server holds %d events, want 10", cnt.Events)
	}
	k.syncOK(t)
	cnt, _ := rs.Counts()
	if cnt.Events != 30 || cnt.MealsCharged != 30 {
		t.Fatalf("after the kiosk's catch-up the server holds %d events (%d charged), want 30", cnt.Events, cnt.MealsCharged)
	}
	st := k.syncer.Status()
	if !hasAlarm(st.Alarms, app.AlarmServerBehind) {
		t.Fatalf("no server-behind alarm on the kiosk: %+v", st.Alarms)
	}
}

// TestKioskRestoredFromOldCopy: a kiosk database put back from an old copy
// reuses sequence numbers; both sides raise an alarm, every meal is kept.
func TestKioskRestoredFromOldCopy(t *testing.T) {
	rs, c := importedServer(t, 40)
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	clock := newClock(day)
	k := newKiosk(t, rs, "porta-1", path, clock)
	k.syncOK(t)
	for _, b := range c.badges[:5] {
		k.tap(t, b, app.OutcomeServed)
	}
	k.syncOK(t)
	k.store.Close()
	copyFile(t, path, filepath.Join(dir, "old.db"))
	k = newKiosk(t, rs, "porta-1", path, clock)
	for _, b := range c.badges[5:15] {
		k.tap(t, b, app.OutcomeServed)
	}
	k.syncOK(t)
	k.store.Close()
	// The kiosk's disk is replaced by the old copy.
	copyFile(t, filepath.Join(dir, "old.db"), path)
	k = newKiosk(t, rs, "porta-1", path, clock)
	k.syncOK(t)
	if st := k.syncer.Status(); !hasAlarm(st.Alarms, app.AlarmRestoredCopy) {
		t.Fatalf("the restored kiosk raised no alarm: %+v", st.Alarms)
	}
	// It serves on (pupils not yet served in its copy), reusing numbers.
	for _, b := range c.badges[15:18] {
		k.tap(t, b, app.OutcomeServed)
	}
	k.syncOK(t)
	cnt, _ := rs.Counts()
	if cnt.Events != 18 {
		t.Fatalf("server holds %d events, want all 18 meals", cnt.Events)
	}
	alarms, err := rs.Alarms()
	if err != nil || !hasAlarm(alarms, app.AlarmRestoredCopy) {
		t.Fatalf("server alarms %+v, %v: want restored_copy", alarms, err)
	}
}

// TestUnauthorizedKioskKeepsItsMeals: a revoked token stops sync with a
// clear error; the meals stay waiting.
func TestUnauthorizedKioskKeepsItsMeals(t *testing.T) {
	rs, c, k := syncedKiosk(t, 3)
	k.tap(t, c.badges[0], app.OutcomeServed)
	if err := rs.RevokeToken("porta-1"); err != nil {
		t.Fatal(err)
	}
	err := k.syncer.SyncOnce(context.Background())
	if !errors.Is(err, app.ErrUnauthorized) {
		t.Fatalf("sync with a revoked token: %v, want ErrUnauthorized", err)
	}
	if st := k.syncer.Status(); st.Online || st.Problem != app.SyncRefused {
		t.Fatalf("status with a revoked token: online %v problem %d, want the refusal named", st.Online, st.Problem)
	}
	if st, _ := k.store.SyncState(); st.Waiting != 1 {
		t.Fatalf("waiting = %d, want the meal kept", st.Waiting)
	}
}

func hasAlarm(as []app.Alarm, code string) bool {
	for _, a := range as {
		if a.Code == code {
			return true
		}
	}
	return false
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFirstPullShowsProgress: a first pull of several pages tells the
// screen how far it is, page by page, and ends with the progress gone.
func TestFirstPullShowsProgress(t *testing.T) {
	rs, c := importedServer(t, 300)
	k := newKiosk(t, rs, "porta-1", "", newClock(day))
	k.syncer = app.NewSyncer(k.store, k.client, newClock(day), app.SyncConfig{KioskID: k.id, PullLimit: 100}, logger(t))
	var seen []app.SyncStatus
	k.syncer.OnStatus(func(st app.SyncStatus) { seen = append(seen, st) })
	k.syncOK(t)
	var done []int
	total := 0
	for _, st := range seen {
		if st.Pulling {
			done = append(done, st.PullDone)
			total = st.PullTotal
		}
	}
	records := len(c.pupils) + len(c.badges) + len(c.opening) // pupils, badges, accounts
	if len(done) < 3 || total < records {
		t.Fatalf("progress seen %v of %d, want several pages of about %d records", done, total, records)
	}
	for i := 1; i < len(done); i++ {
		if done[i] <= done[i-1] || done[i] > total {
			t.Fatalf("progress not moving forward: %v of %d", done, total)
		}
	}
	if last := seen[len(seen)-1]; last.Pulling || !last.Online {
		t.Fatalf("after the pull: %+v", last)
	}
	if cnt, _ := k.store.Count(); cnt.Pupils != 300 {
		t.Fatalf("pulled %d pupils", cnt.Pupils)
	}
}
