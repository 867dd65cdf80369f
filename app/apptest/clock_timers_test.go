package apptest_test

import (
	"slices"
	"testing"
	"time"

	"mensakiosk/app/apptest"
)

// TestClockTimers: a timer runs when the clock is moved to its time, not
// before, once; the timers of one move run in the order of their times; a
// timer armed by another and already due runs in the same move; a stopped
// timer never runs; Stop says whether the timer had run.
func TestClockTimers(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	c := apptest.NewClock(t0)
	var ran []string
	c.AfterFunc(time.Minute, func() { ran = append(ran, "1m") })
	c.AfterFunc(30*time.Second, func() {
		ran = append(ran, "30s")
		c.AfterFunc(0, func() { ran = append(ran, "armed at 59s") })
	})
	stop := c.AfterFunc(45*time.Second, func() { ran = append(ran, "45s") })
	c.AfterFunc(2*time.Minute, func() { ran = append(ran, "2m") })

	c.Add(59 * time.Second)
	// The 45-second timer was due at 59 s: it ran, and Stop says so. The
	// timer armed by the 30-second one is due at 59 s, when it was armed.
	if stop() {
		t.Error("Stop of a timer that ran says it had not")
	}
	if want := []string{"30s", "45s", "armed at 59s"}; !slices.Equal(ran, want) {
		t.Fatalf("at 59 s ran %q, want %q", ran, want)
	}
	c.Set(t0.Add(time.Minute))
	c.Add(0)
	if want := []string{"30s", "45s", "armed at 59s", "1m"}; !slices.Equal(ran, want) {
		t.Fatalf("at 1 min ran %q, want %q", ran, want)
	}
	stop2 := c.AfterFunc(10*time.Second, func() { ran = append(ran, "stopped") })
	if !stop2() || stop2() {
		t.Error("Stop: want true for a pending timer, then false")
	}
	c.Now()
	c.Add(5 * time.Minute)
	if want := []string{"30s", "45s", "armed at 59s", "1m", "2m"}; !slices.Equal(ran, want) {
		t.Fatalf("at 6 min ran %q, want %q", ran, want)
	}
}
