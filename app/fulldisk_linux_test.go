package app_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/storage"
	"mensakiosk/storage/storagetest"
)

// TestFullDiskLosesNothing fills the "disk" (a file-size limit, which
// fails the database's growth with EFBIG as a full disk fails it with
// ENOSPC) during a stream of taps. The tap that cannot be committed returns
// an error (the screen says the meal was NOT recorded), nothing of it is
// written, every earlier meal is intact, and taps work again once there is
// room.
func TestFullDiskLosesNothing(t *testing.T) {
	var r app.Roster
	for i := range 300 {
		acc := app.AccountID(fmt.Sprintf("A%05d", i))
		r.Accounts = append(r.Accounts, app.Account{ID: acc, Balance: 100000})
		r.Pupils = append(r.Pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("P%05d", i)), AccountID: acc, FirstName: "N", MealPrice: 450})
		r.Badges = append(r.Badges, app.Badge{ID: app.BadgeID(fmt.Sprintf("1D%08X", i)), PupilID: app.PupilID(fmt.Sprintf("P%05d", i))})
	}
	cfg := config()
	cfg.Window = app.ServiceWindow{Start: 0, End: 24 * 60}
	k := newKiosk(t, cfg, r)
	fi, err := os.Stat(k.path)
	if err != nil {
		t.Fatal(err)
	}

	// A process exceeding RLIMIT_FSIZE gets SIGXFSZ, which kills it unless
	// ignored; ignored, the write fails with EFBIG.
	signal.Ignore(syscall.SIGXFSZ)
	defer signal.Reset(syscall.SIGXFSZ)
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	limit := old
	limit.Cur = uint64(fi.Size())
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err)
	}
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer restore()

	// Day after day, every pupil eats, until the file cannot grow.
	served := 0
	var failed app.BadgeID
	var tapErr error
	start := k.clk.Now()
days:
	for d := range 200 {
		k.clk.Set(start.AddDate(0, 0, d))
		for i, b := range r.Badges {
			k.clk.Add(time.Millisecond)
			res, err := k.c.Tap(context.Background(), b.ID)
			if err != nil {
				failed, tapErr = b.ID, err
				break days
			}
			if res.Outcome != app.OutcomeServed {
				t.Fatalf("day %d tap %d: %v", d, i, res.Outcome)
			}
			served++
		}
	}
	restore()
	if tapErr == nil {
		t.Fatalf("the disk never filled after %d taps", served)
	}
	t.Logf("after %d meals the file could not grow: %v", served, tapErr)

	// Nothing of the failed tap; the earlier ones all there, in order.
	ms := k.meals()
	if len(ms) != served {
		t.Fatalf("%d meals in the store, %d served", len(ms), served)
	}
	for i, m := range ms {
		if m.Seq != uint64(i+1) {
			t.Fatalf("meal %d has seq %d", i, m.Seq)
		}
	}
	// With room again, the same badge is served (past the debounce).
	k.clk.Add(5 * time.Second)
	res := k.tap(failed)
	if res.Outcome != app.OutcomeServed || res.Meal.Seq != uint64(served+1) {
		t.Fatalf("after the disk was freed: %v seq %d", res.Outcome, res.Meal.Seq)
	}
	// And it all survives a reopen.
	k.s.Close()
	s := storagetest.OpenPath(t, k.path, storage.Options{})
	n := 0
	s.ForEachMeal(func(app.Meal) error { n++; return nil })
	if n != served+1 {
		t.Fatalf("after reopen %d meals, want %d", n, served+1)
	}
}
