package kvpg_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
)

// groupDB is a tenant with bucket "b", on a store with opts.
func groupDB(t *testing.T, opts kvpg.Options) *kvpg.DB {
	t.Helper()
	db := tenant(t, open(t, newDSN(t), opts), "g")
	if err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	return db
}

func put(k string) func(kv.Tx) error {
	return func(tx kv.Tx) error { return tx.Bucket([]byte("b")).Put([]byte(k), []byte("v")) }
}

// holdCommitter keeps the committer in an Update until release is
// called, and waits until n more Updates, started by start, queue behind
// it.
func holdCommitter(t *testing.T, db *kvpg.DB, n int, start func(i int) error) (release func(), errs []error) {
	t.Helper()
	held, unblock := make(chan struct{}), make(chan struct{})
	var unblockOnce sync.Once
	// A test that fails before release still lets the held Update end
	// (the store's Close waits for its connection).
	t.Cleanup(func() { unblockOnce.Do(func() { close(unblock) }) })
	heldDone := make(chan error, 1)
	go func() { heldDone <- db.Update(func(tx kv.Tx) error { close(held); <-unblock; return nil }) }()
	<-held
	errs = make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = start(i) }()
	}
	for deadline := time.Now().Add(10 * time.Second); kvpg.QueuedUpdates(db) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d Updates queued, want %d", kvpg.QueuedUpdates(db), n)
		}
	}
	return func() {
		unblockOnce.Do(func() { close(unblock) })
		wg.Wait()
		if err := <-heldDone; err != nil {
			t.Errorf("the held Update: %v", err)
		}
	}, errs
}

// Updates that wait together run in one transaction, one after another:
// each sees the writes of those before it (a counter each increments
// ends at their number) and each is written.
func TestGroupCommitTakesTheWaitingUpdatesTogether(t *testing.T) {
	db := groupDB(t, kvpg.Options{})
	groups0, updates0 := db.GroupStats()
	const n = 20
	release, errs := holdCommitter(t, db, n, func(i int) error {
		return db.Update(func(tx kv.Tx) error {
			b := tx.Bucket([]byte("b"))
			c, _ := strconv.Atoi(string(b.Get([]byte("counter"))))
			if err := b.Put([]byte("counter"), []byte(strconv.Itoa(c+1))); err != nil {
				return err
			}
			return put(fmt.Sprint(i))(tx)
		})
	})
	release()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	groups, updates := db.GroupStats()
	if groups-groups0 != 2 || updates-updates0 != n+1 {
		t.Fatalf("%d transactions carried %d Updates for the held one and %d waiting, want 2 carrying %d", groups-groups0, updates-updates0, n, n+1)
	}
	if err := db.View(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("b"))
		if c := string(b.Get([]byte("counter"))); c != strconv.Itoa(n) {
			return fmt.Errorf("counter %s, want %d: an Update of the group did not see the ones before it", c, n)
		}
		if k := b.KeyN(); k != n+1 {
			return fmt.Errorf("%d keys, want %d", k, n+1)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// One failing Update of a group costs the others nothing: it gets its own
// error and writes nothing, they are written; a panic happens in its
// caller's goroutine; a write PostgreSQL refuses (a key too long for its
// index) fails its own Update only.
func TestGroupCommitFailureIsTheFailingUpdatesAlone(t *testing.T) {
	db := groupDB(t, kvpg.Options{})
	bad := errors.New("refused")
	long := make([]byte, 9000) // random: PostgreSQL cannot compress it under the btree's limit
	rand.Read(long)
	panicked := make(chan any, 1)
	release, errs := holdCommitter(t, db, 8, func(i int) error {
		switch i {
		case 2:
			return db.Update(func(tx kv.Tx) error {
				if err := put("bad")(tx); err != nil {
					return err
				}
				return bad
			})
		case 4:
			defer func() { panicked <- recover() }()
			return db.Update(func(tx kv.Tx) error {
				put("panic")(tx)
				panic("boom")
			})
		case 6:
			return db.Update(func(tx kv.Tx) error {
				if err := put("long")(tx); err != nil {
					return err
				}
				return tx.Bucket([]byte("b")).Put(long, []byte("v"))
			})
		}
		return db.Update(put(fmt.Sprint(i)))
	})
	release()
	if p := <-panicked; p != "boom" {
		t.Fatalf("the panicking Update's caller recovered %v, want boom", p)
	}
	var pe *pgconn.PgError
	for i, err := range errs {
		switch {
		case i == 2 && !errors.Is(err, bad):
			t.Errorf("failing update: %v, want its error", err)
		case i == 6 && !errors.As(err, &pe):
			t.Errorf("update with a key too long: %v, want PostgreSQL's refusal", err)
		case i != 2 && i != 4 && i != 6 && err != nil:
			t.Errorf("update %d: %v", i, err)
		}
	}
	if err := db.View(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("b"))
		for _, k := range []string{"0", "1", "3", "5", "7"} {
			if !bytes.Equal(b.Get([]byte(k)), []byte("v")) {
				return fmt.Errorf("%s not written", k)
			}
		}
		for _, k := range []string{"bad", "panic", "long"} {
			if b.Get([]byte(k)) != nil {
				return fmt.Errorf("%s written by a failed update", k)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// With NoGroupCommit each Update is a transaction of its own, and an
// Update after Close is refused either way.
func TestGroupCommitOffAndAfterClose(t *testing.T) {
	db := groupDB(t, kvpg.Options{NoGroupCommit: true})
	for i := range 3 {
		if err := db.Update(put(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if g, u := db.GroupStats(); g != 0 || u != 0 {
		t.Fatalf("NoGroupCommit: the committer ran %d transactions (%d Updates)", g, u)
	}
	grouped := groupDB(t, kvpg.Options{})
	if err := grouped.Close(); err != nil {
		t.Fatal(err)
	}
	if err := grouped.Update(put("x")); !errors.Is(err, kvpg.ErrClosed) {
		t.Fatalf("Update after Close: %v, want ErrClosed", err)
	}
}
