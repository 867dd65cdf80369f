package apptest

import "time"

// clockTimer is a function waiting for the clock to reach at.
type clockTimer struct {
	at   time.Time
	f    func()
	done bool // run or stopped
}

// AfterFunc arranges for f to run once the clock has been moved (Add,
// Set) to d or more past its time now: time.AfterFunc on a clock that
// moves only when told. f runs in the goroutine that moved the clock,
// after the move and outside the clock's lock, the timers due in the
// order of their times (of their arming, for the same time); a timer
// that f arms and that is already due runs in the same move. Even for
// d ≤ 0, f waits for the next move. A read of Now that steps the clock
// (StepEachRead) runs no timer. The returned stop cancels the timer and
// reports whether it had not run yet, as (*time.Timer).Stop does.
func (c *Clock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &clockTimer{at: c.t.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.done
		t.done = true
		return was
	}
}

// fire runs the timers due at the clock's time, earliest first.
func (c *Clock) fire() {
	for {
		c.mu.Lock()
		var next *clockTimer
		kept := c.timers[:0]
		for _, t := range c.timers {
			if t.done {
				continue
			}
			kept = append(kept, t)
			if !t.at.After(c.t) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		clear(c.timers[len(kept):])
		c.timers = kept
		if next != nil {
			next.done = true
		}
		c.mu.Unlock()
		if next == nil {
			return
		}
		next.f()
	}
}
