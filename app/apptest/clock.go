package apptest

import (
	"sync"
	"time"
)

// Clock is a settable clock (app.Clock), safe for concurrent use: the one
// clock the tests of app and its callers share with the code under test.
type Clock struct {
	mu     sync.Mutex
	t      time.Time
	step   time.Duration
	timers []*clockTimer // clock_timers.go
}

// NewClock returns a clock that reads t until it is moved.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time (moved on by the step first, when one is
// set).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

// StepEachRead makes every Now move the clock on by d before reading it
// (zero: stand still again), so that no two readings are the same: taps
// of different badges are never debounced and every meal has its own time.
func (c *Clock) StepEachRead(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step = d
}

// Set moves the clock to t, and runs the timers then due (AfterFunc).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
	c.fire()
}

// Add moves the clock on by d, and runs the timers then due (AfterFunc).
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	c.fire()
}
