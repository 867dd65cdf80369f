package kvpg_test

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
)

// queueInOrder holds the committer in an Update, then queues fns[0],
// fns[1], … behind it one at a time (so that they form one group in that
// order), releases the committer and returns each Update's error. An
// Update not answered within a minute is an error of its own (the test
// fails instead of hanging).
func queueInOrder(t *testing.T, db *kvpg.DB, fns []func(kv.Tx) error) []error {
	t.Helper()
	held, unblock := make(chan struct{}), make(chan struct{})
	var unblockOnce sync.Once
	t.Cleanup(func() { unblockOnce.Do(func() { close(unblock) }) })
	heldDone := make(chan error, 1)
	go func() { heldDone <- db.Update(func(kv.Tx) error { close(held); <-unblock; return nil }) }()
	<-held
	errs := make([]error, len(fns))
	done := make([]chan struct{}, len(fns))
	for i, fn := range fns {
		done[i] = make(chan struct{})
		go func() { defer close(done[i]); errs[i] = db.Update(fn) }()
		for deadline := time.Now().Add(10 * time.Second); kvpg.QueuedUpdates(db) < i+1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d Updates queued, want %d", kvpg.QueuedUpdates(db), i+1)
			}
		}
	}
	unblockOnce.Do(func() { close(unblock) })
	timeout := time.After(30 * time.Second)
	for i := range fns {
		select {
		case <-done[i]:
		case <-timeout:
			t.Fatalf("update %d: not answered in 30 s", i)
		}
	}
	if err := <-heldDone; err != nil {
		t.Errorf("the held Update: %v", err)
	}
	return errs
}

// bucketKeys is bucket b's keys and values.
func bucketKeys(t *testing.T, db kv.DB) map[string]string {
	t.Helper()
	m := map[string]string{}
	if err := db.View(func(tx kv.Tx) error {
		return tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

// An Update of a group that read what one before it wrote, which then
// failed, does not keep what it saw: it runs again without it.
func TestGroupCommitUpdateAfterAFailedOneDoesNotKeepItsWrites(t *testing.T) {
	db := groupDB(t, kvpg.Options{})
	bad := errors.New("refused")
	var bRuns atomic.Int32
	errs := queueInOrder(t, db, []func(kv.Tx) error{
		func(tx kv.Tx) error {
			if err := tx.Bucket([]byte("b")).Put([]byte("x"), []byte("uncommitted")); err != nil {
				return err
			}
			return bad
		},
		func(tx kv.Tx) error {
			bRuns.Add(1)
			b := tx.Bucket([]byte("b"))
			return b.Put([]byte("y"), append([]byte("saw:"), b.Get([]byte("x"))...))
		},
	})
	if !errors.Is(errs[0], bad) || errs[1] != nil {
		t.Fatalf("errors %v, want [refused <nil>]", errs)
	}
	got := bucketKeys(t, db)
	if got["y"] != "saw:" || len(got) != 1 {
		t.Fatalf("stored %v after %d runs of the second Update, want only y=saw: (the first wrote nothing)", got, bRuns.Load())
	}
}

// increment adds 1 to counter c of bucket b and puts key k.
func increment(tx kv.Tx, k string) error {
	b := tx.Bucket([]byte("b"))
	c, _ := strconv.Atoi(string(b.Get([]byte("c"))))
	if err := b.Put([]byte("c"), []byte(strconv.Itoa(c+1))); err != nil {
		return err
	}
	return b.Put([]byte(k), []byte("v"))
}

// A group that meets a serialization failure (another server's Update,
// which does not take turns, wrote what the group read) runs every Update
// again: each increment is counted once, none lost, none twice.
func TestGroupCommitSerializationFailureCountsEachUpdateOnce(t *testing.T) {
	dsn := newDSN(t)
	s := open(t, dsn, kvpg.Options{})
	db := tenant(t, s, "g")
	if err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	other := open(t, dsn, kvpg.Options{OptimisticWrites: true, MaxAttempts: 1}).Tenant("g")
	t.Cleanup(func() { other.Close() })
	retries0 := s.Retries()
	var once sync.Once
	var otherErr error
	const n = 6
	fns := make([]func(kv.Tx) error, n)
	for i := range fns {
		fns[i] = func(tx kv.Tx) error {
			if err := increment(tx, fmt.Sprint(i)); err != nil {
				return err
			}
			if i == 0 {
				// The group has read c: another server adds to it
				// and commits first.
				once.Do(func() { otherErr = other.Update(func(tx kv.Tx) error { return increment(tx, "other") }) })
			}
			return nil
		}
	}
	errs := queueInOrder(t, db, fns)
	if otherErr != nil {
		t.Fatalf("the other server's Update: %v", otherErr)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("update %d: %v", i, err)
		}
	}
	if s.Retries() == retries0 {
		t.Errorf("no serialization failure met: the test did not test it")
	}
	got := bucketKeys(t, db)
	if got["c"] != strconv.Itoa(n+1) || len(got) != n+2 {
		t.Fatalf("stored %v, want c=%d and a key of each Update", got, n+1)
	}
}

// The group's connection lost before its COMMIT was sent (in the middle
// of the group's reads, or just before the COMMIT) committed nothing: each
// Update runs again alone, on another connection, and is stored once; no
// Update is answered success without its writes.
func TestGroupCommitLostConnectionBeforeCommitRunsEachAgain(t *testing.T) {
	for _, killer := range []int{2, 5} {
		t.Run(fmt.Sprintf("killedBy%d", killer), func(t *testing.T) { lostGroupConnection(t, killer) })
	}
}

// lostGroupConnection is the test above, the connection killed by the
// Update killer of 6 (the others before it read after it).
func lostGroupConnection(t *testing.T, killer int) {
	dsn := newDSN(t)
	db := tenant(t, open(t, dsn, kvpg.Options{}), "g")
	if err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	kill := connectionKiller(t, dsn)
	var once sync.Once
	var killErr error
	const n = 6
	fns := make([]func(kv.Tx) error, n)
	for i := range fns {
		fns[i] = func(tx kv.Tx) error {
			if err := increment(tx, fmt.Sprint(i)); err != nil {
				return err
			}
			if i == killer {
				once.Do(func() {
					var k int
					if k, killErr = kill(); killErr == nil && k != 1 {
						killErr = fmt.Errorf("%d backends in a transaction, want 1", k)
					}
				})
			}
			return nil
		}
	}
	errs := queueInOrder(t, db, fns)
	if killErr != nil {
		t.Fatalf("kill: %v", killErr)
	}
	got := bucketKeys(t, db)
	stored := 0
	for i, err := range errs {
		_, ok := got[fmt.Sprint(i)]
		if ok {
			stored++
		}
		if err != nil || !ok {
			t.Errorf("update %d: %v, stored %v; want each run again alone and stored", i, err, ok)
		}
	}
	if got["c"] != strconv.Itoa(stored) {
		t.Fatalf("c=%q with %d Updates stored: an increment counted twice or lost", got["c"], stored)
	}
}

// An fn that ends its goroutine (runtime.Goexit: a test's t.FailNow)
// ends its caller's, as alone; the committer goes on answering the
// others, and the Updates after it, and Close does not wait forever.
func TestGroupCommitGoexitEndsOnlyItsCaller(t *testing.T) {
	db := groupDB(t, kvpg.Options{})
	var exits atomic.Int32
	errs := queueInOrder(t, db, []func(kv.Tx) error{
		put("0"),
		func(tx kv.Tx) error {
			exits.Add(1)
			put("goexit")(tx)
			runtime.Goexit()
			return nil
		},
		put("2"),
	})
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("errors %v, want the others' nil", errs)
	}
	if err := db.Update(put("after")); err != nil {
		t.Fatal(err)
	}
	got := bucketKeys(t, db)
	if _, ok := got["goexit"]; ok || len(got) != 3 || exits.Load() < 1 {
		t.Fatalf("stored %v, want 0, 2 and after", got)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Close did not return in a minute")
	}
}
