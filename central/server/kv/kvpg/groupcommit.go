package kvpg

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"mensakiosk/central/server/kv"
)

// Group commit. A Comune's Updates take turns (see the package comment),
// and each holds the turn for its round trips: the advisory lock, BEGIN,
// its reads, and the COMMIT with its WAL flush. Under load the pushes
// queue for the turn, and on a busy machine each of those round trips
// waits for a CPU on both sides: the push tail was the wait for the turn
// (cmd/loadgen -diagnose: at 1,000 kiosks the Updates' p99 72 ms, of
// which 52 ms waiting for the turn in this process; no checkpoint, no
// autovacuum, no lock wait in the database during the run).
//
// So, as kvbolt does (its groupcommit.go), the Updates of a DB go to one
// committer goroutine, which takes all the Updates waiting at that moment
// and runs them one after another in one transaction, in one turn: one
// advisory lock, one BEGIN, one COMMIT and WAL flush for the group; the
// reads stay each Update's own. An Update alone (no load) runs at once:
// no delay is added to wait for company.
//
// Each fn of a group sees the writes of those before it (the
// transaction's write buffer and read cache), as if they had committed
// one after another, so the group is serializable as kv requires. If any
// fn of a group fails (an error, a panic), or the group meets a
// serialization failure, or PostgreSQL refuses a statement of it, or the
// connection is lost before the COMMIT is sent, nothing of the group is
// committed and each fn runs again alone in its caller's goroutine, with
// its own outcome (kv lets fn run more than once). A failure whose outcome
// is not known (the connection lost once the COMMIT was sent) is every
// member's answer, never run again: it may have committed.
//
// Not with Options.OptimisticWrites (those Updates do not take the turn
// to begin with) nor Options.NoGroupCommit.

// maxGroup bounds the Updates run in one transaction.
const maxGroup = 64

// errRunAlone tells a caller to run its fn alone.
var errRunAlone = errors.New("kvpg: run alone")

// errGroupPanic ends a group one of whose fns panicked (it panics again
// alone, in its caller).
var errGroupPanic = errors.New("kvpg: an update of the group panicked")

type groupReq struct {
	fn     func(kv.Tx) error
	done   chan error
	queued time.Time
}

// group is what a transaction's run carries: n Updates, the first of
// which waited queued for the committer (RunTiming).
type group struct {
	n      int
	queued time.Duration
	// sent, when not nil, is set when the COMMIT is handed to the
	// connection: before, a failure surely committed nothing.
	sent *bool
}

// committer is a DB's group committer.
type committer struct {
	start  sync.Once
	mu     sync.RWMutex // closed, and the sends to reqs
	closed bool
	reqs   chan *groupReq
	exited chan struct{}
	// groups and grouped count the transactions the committer ran and
	// the Updates they carried (GroupStats).
	groups, grouped atomic.Int64
}

// GroupStats is how many transactions the DB's group committer ran and
// how many Updates they carried, since the DB was made.
func (d *DB) GroupStats() (groups, updates int64) {
	return d.gc.groups.Load(), d.gc.grouped.Load()
}

// updateGrouped runs fn through the committer; errRunAlone: run it alone.
func (d *DB) updateGrouped(fn func(kv.Tx) error) error {
	d.gc.start.Do(func() {
		d.gc.reqs = make(chan *groupReq, 2*maxGroup)
		d.gc.exited = make(chan struct{})
		go d.commitLoop()
	})
	r := &groupReq{fn: fn, done: make(chan error, 1), queued: time.Now()}
	d.gc.mu.RLock()
	if d.gc.closed {
		d.gc.mu.RUnlock()
		return errRunAlone
	}
	d.gc.reqs <- r
	d.gc.mu.RUnlock()
	return <-r.done
}

func (d *DB) commitLoop() {
	stopped := false
	defer func() {
		if !stopped {
			// An fn ended this goroutine (runtime.Goexit, as a
			// test's t.FailNow does; commitGroup answered its
			// group): another takes over, or every later Update,
			// and Close, would wait forever.
			go d.commitLoop()
			return
		}
		close(d.gc.exited)
	}()
	for r := range d.gc.reqs {
		group := []*groupReq{r}
	more:
		for len(group) < maxGroup {
			select {
			case r, ok := <-d.gc.reqs:
				if !ok {
					break more
				}
				group = append(group, r)
			default:
				break more
			}
		}
		d.commitGroup(group)
	}
	stopped = true
}

func (d *DB) commitGroup(reqs []*groupReq) {
	answered := false
	defer func() {
		if !answered {
			// fn ended the goroutine (runtime.Goexit): nothing was
			// committed; each runs again alone, where it ends its
			// caller's goroutine, as it would have alone.
			for _, r := range reqs {
				r.done <- errRunAlone
			}
		}
	}()
	d.gc.groups.Add(1)
	d.gc.grouped.Add(int64(len(reqs)))
	var panicked, sent bool
	err := d.onceOf(group{n: len(reqs), queued: time.Since(reqs[0].queued), sent: &sent}, true, true, func(tx kv.Tx) (err error) {
		panicked = false
		defer func() {
			if p := recover(); p != nil {
				panicked, err = true, fmt.Errorf("%w: %v", errGroupPanic, p)
			}
		}()
		for _, r := range reqs {
			if err := r.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	var answer error // each member's
	var pe *pgconn.PgError
	switch {
	case err == nil:
	case isRetryable(err):
		d.s.retries.Add(1)
		answer = errRunAlone
	case panicked:
		answer = errRunAlone
	case len(reqs) == 1:
		answer = err // its own outcome, as alone
	case !sent || pgconn.SafeToRetry(err):
		// An fn's error, or a failure before the COMMIT was sent (the
		// connection lost during the reads) or while not a byte of it
		// was: nothing was committed. Alone, on another connection,
		// each may well succeed: one lost connection is not the
		// group's every Update's failure.
		answer = errRunAlone
	case errors.As(err, &pe) && (!errors.As(err, new(commitError)) || strings.HasPrefix(pe.Code, "23")):
		// PostgreSQL refused a write, or the COMMIT for a deferred
		// constraint (class 23): the transaction did not commit, and
		// one member's data may be the cause.
		answer = errRunAlone
	default:
		// Outcome unknown (the connection lost after the COMMIT was
		// sent, or another error on the COMMIT itself: one raised after
		// the commit was made would read as a failure): never run
		// again; each member's caller sees the error.
		answer = err
	}
	answered = true
	for _, r := range reqs {
		r.done <- answer
	}
}

// stopCommitter lets the Updates in flight finish and stops the
// committer.
func (d *DB) stopCommitter() {
	d.gc.mu.Lock()
	if d.gc.closed {
		d.gc.mu.Unlock()
		return
	}
	d.gc.closed = true
	started := d.gc.reqs != nil
	if started {
		close(d.gc.reqs)
	}
	d.gc.mu.Unlock()
	if started {
		<-d.gc.exited
	}
}

// commitError is an error answered to the COMMIT itself (tx.go): only a
// serialization failure (retried) or a deferred constraint's refusal says
// for sure that nothing was committed.
type commitError struct{ err error }

func (e commitError) Error() string { return e.err.Error() }
func (e commitError) Unwrap() error { return e.err }
