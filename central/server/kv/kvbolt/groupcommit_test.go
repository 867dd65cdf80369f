package kvbolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"mensakiosk/central/server/kv"
)

func openTestDB(t *testing.T) *DB {
	t.Helper()
	b, err := bolt.Open(filepath.Join(t.TempDir(), "kv.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := New(b)
	t.Cleanup(func() { d.Close() })
	if err := d.Update(func(tx kv.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte("b"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

func put(k string) func(kv.Tx) error {
	return func(tx kv.Tx) error { return tx.Bucket([]byte("b")).Put([]byte(k), []byte("v")) }
}

// holdCommitter blocks the committer in an Update until release is closed,
// and waits until n more Updates are queued behind it, started by start.
func holdCommitter(t *testing.T, d *DB, n int, start func(i int) error) (release func(), errs []error) {
	t.Helper()
	held, unblock := make(chan struct{}), make(chan struct{})
	go d.Update(func(tx kv.Tx) error { close(held); <-unblock; return nil })
	<-held
	errs = make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = start(i) }()
	}
	for deadline := time.Now().Add(10 * time.Second); len(d.gc.reqs) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d Updates queued, want %d", len(d.gc.reqs), n)
		}
	}
	return func() { close(unblock); wg.Wait() }, errs
}

// Updates that wait together are committed in one transaction; each is
// written.
func TestGroupCommitTakesTheWaitingUpdatesTogether(t *testing.T) {
	d := openTestDB(t)
	before := d.gc.groups.Load()
	release, errs := holdCommitter(t, d, 20, func(i int) error { return d.Update(put(fmt.Sprint(i))) })
	release()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	if got := d.gc.groups.Load() - before; got != 2 {
		t.Fatalf("%d transactions for the held Update and 20 waiting, want 2", got)
	}
	if err := d.View(func(tx kv.Tx) error {
		if n := tx.Bucket([]byte("b")).KeyN(); n != 20 {
			return fmt.Errorf("%d keys, want 20", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// One failing Update of a group costs the others nothing: it gets its own
// error and writes nothing, they are written; a panic happens in its
// caller's goroutine.
func TestGroupCommitFailureIsTheFailingUpdatesAlone(t *testing.T) {
	d := openTestDB(t)
	bad := errors.New("refused")
	panicked := make(chan any, 1)
	release, errs := holdCommitter(t, d, 6, func(i int) error {
		switch i {
		case 2:
			return d.Update(func(tx kv.Tx) error {
				if err := put("bad")(tx); err != nil {
					return err
				}
				return bad
			})
		case 4:
			defer func() { panicked <- recover() }()
			return d.Update(func(tx kv.Tx) error {
				put("panic")(tx)
				panic("boom")
			})
		}
		return d.Update(put(fmt.Sprint(i)))
	})
	release()
	if p := <-panicked; p != "boom" {
		t.Fatalf("the panicking Update's caller recovered %v, want boom", p)
	}
	for i, err := range errs {
		switch {
		case i == 2 && !errors.Is(err, bad):
			t.Errorf("failing update: %v, want its error", err)
		case i != 2 && err != nil:
			t.Errorf("update %d: %v", i, err)
		}
	}
	if err := d.View(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("b"))
		for _, k := range []string{"0", "1", "3", "5"} {
			if b.Get([]byte(k)) == nil {
				return fmt.Errorf("%s not written", k)
			}
		}
		for _, k := range []string{"bad", "panic"} {
			if b.Get([]byte(k)) != nil {
				return fmt.Errorf("%s written by a failed update", k)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// An Update after Close says the database is closed.
func TestGroupCommitAfterClose(t *testing.T) {
	d := openTestDB(t)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Update(put("x")); !errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		t.Fatalf("update after Close: %v", err)
	}
}
