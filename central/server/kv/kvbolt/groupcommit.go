package kvbolt

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/central/server/kv"
)

// Group commit. bbolt has one writer at a time and every commit is an
// fdatasync: Updates that arrive while a commit waits on the disk would
// each wait for their own, one after another (the p99 of a push under
// load). Instead every Update goes to one committer goroutine, which takes
// all the Updates waiting at that moment and runs them, one after another,
// in one bbolt transaction: one commit, one fdatasync for the group. An
// Update alone (no load) is committed at once, as before: no delay is
// added to wait for company (unlike bolt.DB.Batch).
//
// Each fn of a group sees the writes of those before it, as if they had
// committed one after another, so the group is serializable as kv
// requires. If any fn of a group fails (an error, a panic) or the commit
// fails, nothing of the group is written and each fn runs again alone in
// its caller's goroutine, with its own outcome (kv allows fn to run more
// than once; a panic happens again in its caller).

// maxGroup bounds the Updates committed together.
const maxGroup = 128

// errRunAlone tells a caller to run its fn alone.
var errRunAlone = errors.New("kvbolt: run alone")

type commitReq struct {
	fn   func(kv.Tx) error
	done chan error
}

type committer struct {
	start  sync.Once
	mu     sync.RWMutex // closed and sends to reqs
	closed bool
	reqs   chan *commitReq
	exited chan struct{}
	// groups counts the transactions the committer ran (for tests).
	groups atomic.Int64
}

// update runs fn through the committer.
func (d *DB) update(fn func(kv.Tx) error) error {
	d.gc.start.Do(func() {
		d.gc.reqs = make(chan *commitReq, 2*maxGroup)
		d.gc.exited = make(chan struct{})
		go d.commitLoop()
	})
	r := &commitReq{fn: fn, done: make(chan error, 1)}
	d.gc.mu.RLock()
	if d.gc.closed {
		d.gc.mu.RUnlock()
		return d.updateAlone(fn) // bbolt says the database is closed
	}
	d.gc.reqs <- r
	d.gc.mu.RUnlock()
	err := <-r.done
	if err == errRunAlone {
		return d.updateAlone(fn)
	}
	return err
}

func (d *DB) updateAlone(fn func(kv.Tx) error) error {
	return d.Bolt.Update(func(tx *bolt.Tx) error { return fn(Tx{tx}) })
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
		group := []*commitReq{r}
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

// fnError is an fn's own error (not a panic, not the commit's).
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

func (d *DB) commitGroup(group []*commitReq) {
	answered := false
	defer func() {
		if !answered {
			// fn ended the goroutine (runtime.Goexit): bbolt rolled
			// the transaction back; each runs again alone, where it
			// ends its caller's goroutine, as it would have alone.
			for _, r := range group {
				r.done <- errRunAlone
			}
		}
	}()
	d.gc.groups.Add(1)
	err := d.Bolt.Update(func(tx *bolt.Tx) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("kvbolt: panic in an update: %v", p)
			}
		}()
		for _, r := range group {
			if err := r.fn(Tx{tx}); err != nil {
				return fnError{err}
			}
		}
		return nil
	})
	answered = true
	var fe fnError
	switch {
	case err == nil:
		for _, r := range group {
			r.done <- nil
		}
	case len(group) == 1 && errors.As(err, &fe):
		group[0].done <- fe.err // it ran alone: its outcome as it is
	default:
		for _, r := range group {
			r.done <- errRunAlone
		}
	}
}

// stopCommitter lets the Updates in flight finish and stops the committer.
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
