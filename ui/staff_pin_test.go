package ui

import (
	"testing"
	"time"
)

// TestStaffScreenPINAttemptsAndLockedKeypad: a wrong PIN says how many
// attempts are left before the lock; during the lock every key of the
// keypad is disabled (and drawn so), and enabled again when it ends.
func TestStaffScreenPINAttemptsAndLockedKeypad(t *testing.T) {
	s, b := newStaffTestScreen(t)
	s.Begin(nil)
	keys := func() (enabled, all int) {
		for _, tp := range tappables(t, s.Content()) {
			switch tp.text {
			case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "Azzera", "Entra":
				all++
				if !tp.disabled {
					enabled++
				}
			}
		}
		return enabled, all
	}
	if on, all := keys(); all != 12 || on != 12 {
		t.Fatalf("%d of %d keys enabled before any PIN", on, all)
	}
	typePIN(t, s, "1111")
	wantText(t, s, "PIN errato: ancora 4 tentativi prima del blocco")
	for range 3 {
		typePIN(t, s, "9999")
	}
	wantText(t, s, "PIN errato: ancora 1 tentativo prima del blocco")
	typePIN(t, s, "9999")
	wantText(t, s, "bloccato fino alle")
	if on, all := keys(); all != 12 || on != 0 {
		t.Errorf("%d of %d keys enabled during the lock", on, all)
	}
	b.clk.Add(31 * time.Second) // the first lock is 30 s
	s.Tick()
	if on, all := keys(); on != all {
		t.Errorf("%d of %d keys enabled after the lock", on, all)
	}
	typePIN(t, s, "2468")
	wantText(t, s, "Anna Cuoca")
}
