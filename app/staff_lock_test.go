package app_test

import (
	"errors"
	"testing"
	"time"

	"mensakiosk/app"
)

// TestStaffLockNeverShrinks: however many locks came before, the next one
// lasts at least LockBase and at most LockMax. A lock count high enough for
// LockBase << Locks to overflow int64 must not give a lock that is already
// over (a free run of PINs) or shorter than the one before.
func TestStaffLockNeverShrinks(t *testing.T) {
	k := newStaffKiosk(t)
	cfg := app.StaffConfig{LockBase: time.Hour, LockMax: 24 * time.Hour}
	for _, locks := range []int{20, 22, 25, 28, 29, 31, 62, 100} {
		if err := k.s.SaveStaffLock(app.StaffLock{Locks: locks}); err != nil {
			t.Fatal(err)
		}
		m, err := app.NewStaffMode(k.s, k.clk, cfg, func(string, string) bool { return false })
		if err != nil {
			t.Fatal(err)
		}
		m.Begin(nil)
		start := k.clk.Now()
		for i := 0; i < 5; i++ {
			_, err = m.SubmitPIN("1111")
		}
		var le *app.LockedError
		if !errors.As(err, &le) {
			t.Fatalf("after %d locks: 5 wrong PINs gave %v, want a lock", locks, err)
		}
		if d := le.Until.Sub(start); d < cfg.LockMax {
			t.Errorf("after %d locks: the lock lasts %s, want %s (LockMax)", locks, d, cfg.LockMax)
		}
		if _, locked := m.LockState(); !locked {
			t.Errorf("after %d locks: not locked", locks)
		}
	}
}
