package kvpg

import "time"

// RunTiming is where one run of a transaction (View or Update; one run of
// fn, a retried Update is several) spent its time, for Options.Observe:
// what a slow request waited for.
type RunTiming struct {
	Tenant   string
	Writable bool
	Start    time.Time
	// Turn is the wait for the tenant's write turn in this process (the
	// mutex), Acquire for a pooled connection, Lock for the turn in the
	// database (the advisory lock, another process's Update), Begin for
	// BEGIN (and the tenant's check).
	Turn, Acquire, Lock, Begin time.Duration
	// Fn is fn's run, its reads included; Reads is the round trips fn
	// made and ReadWait the time spent waiting for their first answer.
	Fn       time.Duration
	Reads    int
	ReadWait time.Duration
	// Commit is the round trip of the buffered writes, COMMIT and the
	// turn's release (the WAL flush of a durable commit is in it).
	Commit time.Duration
	// Writes is the keys written in that last round trip (a key written
	// twice counts twice).
	Writes int
	// Total is from the call to the end of the run.
	Total time.Duration
	Err   error
	// Updates is how many Updates the run carried (more than one: a
	// group, groupcommit.go), Queued the longest any of them waited for
	// the group committer before the run began (not in Total).
	Updates int
	Queued  time.Duration
}

// The phases of a run, in order.
const (
	phaseTurn = iota
	phaseAcquire
	phaseLock
	phaseBegin
	phaseFn
	phaseCommit
)

// runTimer measures one run for Options.Observe; a nil *runTimer (no
// Observe) measures nothing.
type runTimer struct {
	t    RunTiming
	last time.Time
	inFn bool // fn runs: its round trips are its reads
}

func newRunTimer(d *DB, writable bool, g group) *runTimer {
	if d.s.opts.Observe == nil {
		return nil
	}
	now := time.Now()
	return &runTimer{t: RunTiming{Tenant: d.tenant, Writable: writable, Start: now, Updates: g.n, Queued: g.queued}, last: now}
}

// lap ends phase p: the time since the previous lap is p's.
func (r *runTimer) lap(p int) {
	if r == nil {
		return
	}
	now := time.Now()
	d := now.Sub(r.last)
	r.last = now
	switch p {
	case phaseTurn:
		r.t.Turn = d
	case phaseAcquire:
		r.t.Acquire = d
	case phaseLock:
		r.t.Lock = d
	case phaseBegin:
		r.t.Begin = d
		r.inFn = true
	case phaseFn:
		r.t.Fn = d
		r.inFn = false
	case phaseCommit:
		r.t.Commit = d
	}
}

// read notes one of fn's round trips, started at t0.
func (r *runTimer) read(t0 time.Time) {
	if r == nil || !r.inFn {
		return
	}
	r.t.Reads++
	r.t.ReadWait += time.Since(t0)
}

// done reports the run to Observe.
func (r *runTimer) done(d *DB, writes int, err error) {
	if r == nil {
		return
	}
	r.t.Writes, r.t.Err = writes, err
	r.t.Total = time.Since(r.t.Start)
	d.s.opts.Observe(r.t)
}
