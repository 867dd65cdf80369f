package main

import (
	"testing"
	"time"
)

// A person's close requests are refused and logged, at most one line per
// closeLogEvery; a stream of them (a lost display) is told apart once.
func TestCloseStorm(t *testing.T) {
	var c closeStorm
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	if lost, log, n := c.add(t0); lost || !log || n != 1 {
		t.Fatalf("first request: lost=%v log=%v n=%d, want a logged refusal of 1", lost, log, n)
	}
	// A person tapping close every second for 9 s: refused, not logged again.
	for i := 1; i < 10; i++ {
		if lost, log, _ := c.add(t0.Add(time.Duration(i) * time.Second)); lost || log {
			t.Fatalf("request %d: lost=%v log=%v, want a quiet refusal", i, lost, log)
		}
	}
	if lost, log, n := c.add(t0.Add(10 * time.Second)); lost || !log || n != 10 {
		t.Fatalf("at 10 s: lost=%v log=%v n=%d, want one line for 10 refusals", lost, log, n)
	}
	// A lost display: GLFW asks every few milliseconds.
	at := t0.Add(time.Minute)
	lostAt := -1
	logged := 0
	for i := range 200 {
		lost, log, _ := c.add(at.Add(time.Duration(i) * 5 * time.Millisecond))
		if lost && lostAt < 0 {
			lostAt = i
		}
		if log {
			logged++
		}
	}
	if lostAt != closeStormCount-1 {
		t.Errorf("display lost seen at request %d, want %d", lostAt, closeStormCount-1)
	}
	if logged != 2 { // the first refusal of the storm's window, and "lost" once
		t.Errorf("%d log lines for 200 requests, want 2", logged)
	}
}
