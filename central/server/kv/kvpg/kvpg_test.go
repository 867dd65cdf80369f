package kvpg_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/central/server/kv/kvtest"
	"mensakiosk/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newDSN is a fresh database on the test cluster, reached through its Unix
// socket (what a server on the database's machine uses).
func newDSN(tb testing.TB) string {
	tb.Helper()
	u, err := url.Parse(pgtest.NewDB(tb))
	if err != nil {
		tb.Fatal(err)
	}
	c := pgtest.Shared(tb)
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		c.Socket(), c.Port, pgtest.User, strings.TrimPrefix(u.Path, "/"))
}

func open(tb testing.TB, dsn string, opts kvpg.Options) *kvpg.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := kvpg.Open(ctx, dsn, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func tenant(tb testing.TB, s *kvpg.Store, code string) *kvpg.DB {
	tb.Helper()
	if err := s.CreateTenant(context.Background(), code); err != nil {
		tb.Fatal(err)
	}
	return s.Tenant(code)
}

// putInBucket creates bucket "b" in db and puts key = value in it.
func putInBucket(tb testing.TB, db kv.DB, key, value string) {
	tb.Helper()
	if err := db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	}); err != nil {
		tb.Fatal(err)
	}
}

// connectionKiller terminates, on the database of dsn, the backends that
// are idle in a transaction (a lost connection, as a crash or a network
// cut makes it), and says how many it terminated.
func connectionKiller(tb testing.TB, dsn string) func() (int, error) {
	tb.Helper()
	admin, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { admin.Close(context.Background()) })
	return func() (int, error) {
		var n int
		err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction'`).Scan(&n)
		return n, err
	}
}

// The conformance suite, each subtest in a tenant of its own on one
// database: with the defaults (Updates in turns), and with optimistic
// Updates (which only SERIALIZABLE keeps from write skew) and batches of 3
// rows so that every cursor move crosses batches.
func TestConformance(t *testing.T) {
	for _, opts := range []kvpg.Options{{}, {CursorBatch: 3, OptimisticWrites: true}} {
		t.Run(fmt.Sprintf("batch%d,optimistic=%v", opts.CursorBatch, opts.OptimisticWrites), func(t *testing.T) {
			s := open(t, newDSN(t), opts)
			n := 0
			kvtest.Run(t, func(t *testing.T) kv.DB {
				n++
				return tenant(t, s, fmt.Sprintf("comune-%d", n))
			})
		})
	}
}

// Two tenants on one database with the same bucket and key names: nothing
// one does is seen by, or changes, the other, through any method.
func TestTenantsCannotSeeEachOther(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDSN(t), kvpg.Options{})
	a, b := tenant(t, s, "A001"), tenant(t, s, "B002")
	shared := []byte("shared")
	put := func(db kv.DB, bucket []byte, kvs ...string) {
		t.Helper()
		if err := db.Update(func(tx kv.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			for i := 0; i < len(kvs); i += 2 {
				if err := bk.Put([]byte(kvs[i]), []byte(kvs[i+1])); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(a, shared, "k1", "A1", "k2", "A2", "k3", "A3")
	put(a, []byte("onlyA"), "x", "A")
	if err := a.Update(func(tx kv.Tx) error {
		n, err := tx.Bucket(shared).CreateBucket([]byte("nested"))
		if err != nil {
			return err
		}
		return n.Put([]byte("deep"), []byte("A"))
	}); err != nil {
		t.Fatal(err)
	}
	put(b, shared, "k2", "B2")

	// B's reads see B's rows only.
	if err := b.View(func(tx kv.Tx) error {
		bk := tx.Bucket(shared)
		var errs []error
		if tx.Bucket([]byte("onlyA")) != nil {
			errs = append(errs, errors.New("Bucket: B sees A's top-level bucket"))
		}
		if bk.Bucket([]byte("nested")) != nil {
			errs = append(errs, errors.New("Bucket: B sees A's nested bucket"))
		}
		if bk.Get([]byte("k1")) != nil || string(bk.Get([]byte("k2"))) != "B2" {
			errs = append(errs, fmt.Errorf("Get: k1=%q k2=%q", bk.Get([]byte("k1")), bk.Get([]byte("k2"))))
		}
		if n := bk.KeyN(); n != 1 {
			errs = append(errs, fmt.Errorf("KeyN = %d, want 1", n))
		}
		var keys []string
		bk.ForEach(func(k, v []byte) error { keys = append(keys, string(k)+"="+string(v)); return nil })
		if fmt.Sprint(keys) != "[k2=B2]" {
			errs = append(errs, fmt.Errorf("ForEach = %v", keys))
		}
		c := bk.Cursor()
		moves := []struct {
			name string
			move func() ([]byte, []byte)
			want string
		}{
			{"First", c.First, "k2"}, {"Next", c.Next, ""}, {"Last", c.Last, "k2"}, {"Prev", c.Prev, ""},
			{"Seek(k1)", func() ([]byte, []byte) { return c.Seek([]byte("k1")) }, "k2"},
			{"Seek(k3)", func() ([]byte, []byte) { return c.Seek([]byte("k3")) }, ""},
		}
		for _, m := range moves {
			if k, _ := m.move(); string(k) != m.want {
				errs = append(errs, fmt.Errorf("cursor %s = %q, want %q", m.name, k, m.want))
			}
		}
		return errors.Join(errs...)
	}); err != nil {
		t.Fatal(err)
	}

	// B's writes touch B's rows only.
	if err := b.Update(func(tx kv.Tx) error {
		if _, err := tx.CreateBucket([]byte("onlyA")); err != nil {
			return fmt.Errorf("CreateBucket of a name only A has: %w", err)
		}
		bk := tx.Bucket(shared)
		if _, err := bk.CreateBucket([]byte("nested")); err != nil {
			return fmt.Errorf("nested CreateBucket of a name only A has: %w", err)
		}
		if err := bk.Put([]byte("k1"), []byte("B1")); err != nil {
			return err
		}
		if err := bk.Delete([]byte("k3")); err != nil {
			return err
		}
		c := bk.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if string(k) == "k2" {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		if err := tx.DeleteBucket([]byte("onlyA")); err != nil {
			return err
		}
		return tx.DeleteBucket(shared)
	}); err != nil {
		t.Fatal(err)
	}
	if err := a.View(func(tx kv.Tx) error {
		bk := tx.Bucket(shared)
		if bk == nil || tx.Bucket([]byte("onlyA")) == nil || bk.Bucket([]byte("nested")) == nil {
			return errors.New("B's DeleteBucket deleted A's buckets")
		}
		var keys []string
		bk.ForEach(func(k, v []byte) error { keys = append(keys, string(k)+"="+string(v)); return nil })
		if fmt.Sprint(keys) != "[k1=A1 k2=A2 k3=A3 nested=]" || string(bk.Bucket([]byte("nested")).Get([]byte("deep"))) != "A" {
			return fmt.Errorf("A's bucket after B's writes: %v", keys)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	codes, err := s.Tenants(ctx)
	if err != nil || fmt.Sprint(codes) != "[A001 B002]" {
		t.Fatalf("Tenants = %v, %v", codes, err)
	}
	for _, code := range []string{"", " A", strings.Repeat("x", 65), "a\nb"} {
		if err := s.CreateTenant(ctx, code); !errors.Is(err, kvpg.ErrTenantCode) {
			t.Errorf("CreateTenant(%q) = %v, want ErrTenantCode", code, err)
		}
	}
	err = s.Tenant("C003").View(func(kv.Tx) error { return nil })
	if !errors.Is(err, kvpg.ErrUnknownTenant) {
		t.Fatalf("a View of an unknown tenant: %v, want ErrUnknownTenant", err)
	}
}

func schemaVersion(t *testing.T, dsn string) []int32 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, _ := conn.Query(context.Background(), `SELECT version FROM schema_version`)
	v, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Servers starting together on a new database apply the schema once;
// opening again changes nothing and keeps the data.
func TestMigrationsAreAppliedOnceAndKeepData(t *testing.T) {
	dsn := newDSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := kvpg.Open(context.Background(), dsn, kvpg.Options{})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Opens of a new database: %v", err)
	}
	if v := schemaVersion(t, dsn); len(v) != 1 || int(v[0]) != kvpg.SchemaVersion {
		t.Fatalf("schema_version = %v, want [%d]", v, kvpg.SchemaVersion)
	}
	s := open(t, dsn, kvpg.Options{})
	putInBucket(t, tenant(t, s, "x"), "k", "v")
	s.Close()
	s = open(t, dsn, kvpg.Options{})
	if err := s.Tenant("x").View(func(tx kv.Tx) error {
		if got := tx.Bucket([]byte("b")).Get([]byte("k")); string(got) != "v" {
			return fmt.Errorf("after opening again: %q", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if v := schemaVersion(t, dsn); len(v) != 1 || int(v[0]) != kvpg.SchemaVersion {
		t.Fatalf("schema_version after opening again = %v", v)
	}
}

// A database written by a newer program is refused, and left as it is.
func TestNewerSchemaIsRefused(t *testing.T) {
	dsn := newDSN(t)
	open(t, dsn, kvpg.Options{}).Close()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE schema_version SET version = $1`, kvpg.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	s, err := kvpg.Open(context.Background(), dsn, kvpg.Options{})
	if !errors.Is(err, kvpg.ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
	t.Log(err)
	if v := schemaVersion(t, dsn); len(v) != 1 || int(v[0]) != kvpg.SchemaVersion+1 {
		t.Fatalf("the refused database's version was changed: %v", v)
	}
}

// Two stores (two server processes' pools) on one database increment one
// counter concurrently: no increment is lost, with every Update in the
// tenant's write turn (the default) and with optimistic first runs.
func TestTwoStoresCountExactly(t *testing.T) {
	for _, opts := range []kvpg.Options{{}, {OptimisticWrites: true}} {
		t.Run(fmt.Sprintf("OptimisticWrites=%v", opts.OptimisticWrites), func(t *testing.T) {
			dsn := newDSN(t)
			s1, s2 := open(t, dsn, opts), open(t, dsn, opts)
			db1, db2 := tenant(t, s1, "c"), s2.Tenant("c")
			if n := kvtest.CountTo(t, db1, db2); n != kvtest.Workers*kvtest.Increments {
				t.Fatalf("counter = %d after %d increments through two stores", n, kvtest.Workers*kvtest.Increments)
			}
			t.Logf("serialization failures retried: %d + %d", s1.Retries(), s2.Retries())
		})
	}
}

// A connection killed in the middle of an Update (the server's backend
// terminated): Update returns an error, not fn's nil, a read after the
// failure returns nil, nothing of the transaction is written, and the
// next Update runs on a new connection.
func TestKilledConnectionFailsTheUpdateAndWritesNothing(t *testing.T) {
	for _, opts := range []kvpg.Options{{}, {OptimisticWrites: true}} {
		t.Run(fmt.Sprintf("OptimisticWrites=%v", opts.OptimisticWrites), func(t *testing.T) { killedConnection(t, opts) })
	}
}

// killedConnection is the test above; by default the killed connection
// held the tenant's write turn, which the next Update gets.
func killedConnection(t *testing.T, opts kvpg.Options) {
	dsn := newDSN(t)
	db := tenant(t, open(t, dsn, opts), "k")
	putInBucket(t, db, "before", "1")
	killer := connectionKiller(t, dsn)
	kill := func() error {
		n, err := killer()
		if err == nil && n != 1 {
			err = fmt.Errorf("%d backends in a transaction, want 1", n)
		}
		return err
	}
	for _, readAfter := range []bool{true, false} {
		var afterKill []byte
		err := db.Update(func(tx kv.Tx) error {
			b := tx.Bucket([]byte("b"))
			if err := b.Put([]byte("lost1"), []byte("x")); err != nil {
				return err
			}
			if b.Get([]byte("before")) == nil {
				return errors.New("no committed key before the kill")
			}
			if err := kill(); err != nil {
				return fmt.Errorf("kill: %w", err)
			}
			if readAfter {
				afterKill = b.Get([]byte("absent-so-asked"))
				if afterKill == nil {
					afterKill = b.Get([]byte("before"))
				}
			}
			b.Put([]byte("lost2"), []byte("x"))
			return nil
		})
		if err == nil || strings.Contains(err.Error(), "kill:") {
			t.Fatalf("readAfter=%v: Update on a killed connection returned %v, want the connection's failure", readAfter, err)
		}
		if readAfter && afterKill != nil {
			t.Errorf("a read after the connection died returned %q, want nil", afterKill)
		}
		t.Logf("readAfter=%v: %v", readAfter, err)
	}
	if err := db.Update(func(tx kv.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("after"), []byte("1")) }); err != nil {
		t.Fatalf("an Update after the killed one: %v", err)
	}
	if err := db.View(func(tx kv.Tx) error {
		var keys []string
		tx.Bucket([]byte("b")).ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
		if fmt.Sprint(keys) != "[after before]" {
			return fmt.Errorf("keys = %v, want [after before]: the killed transactions wrote something", keys)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Update runs fn again after a serialization failure; an Update whose
// every run fails gives up after MaxAttempts and returns the failure.
func TestUpdateRetriesSerializationFailuresUpToMaxAttempts(t *testing.T) {
	// Optimistic: the other server's Update below runs while fn may hold
	// the turn.
	dsn := newDSN(t)
	s := open(t, dsn, kvpg.Options{MaxAttempts: 3, OptimisticWrites: true})
	other := open(t, dsn, kvpg.Options{OptimisticWrites: true}).Tenant("r")
	db := tenant(t, s, "r")
	if err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	// fn reads the key, then another server's Update writes it and
	// commits, then fn writes it: a read-write conflict, every run.
	var runs atomic.Int32
	err := db.Update(func(tx kv.Tx) error {
		runs.Add(1)
		b := tx.Bucket([]byte("b"))
		v := b.Get([]byte("k"))
		if err := other.Update(func(tx kv.Tx) error {
			return tx.Bucket([]byte("b")).Put([]byte("k"), fmt.Appendf(nil, "other%d", runs.Load()))
		}); err != nil {
			return err
		}
		return b.Put([]byte("k"), append(v, '+'))
	})
	if err == nil || runs.Load() != 3 || s.Retries() != 2 {
		t.Fatalf("Update = %v after %d runs and %d retries; want a serialization failure after 3 runs", err, runs.Load(), s.Retries())
	}
	t.Log(err)
	if err := db.View(func(tx kv.Tx) error {
		if got := tx.Bucket([]byte("b")).Get([]byte("k")); !bytes.Equal(got, []byte("other3")) {
			return fmt.Errorf("k = %q, want the other Update's last value", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A closed DB refuses new transactions; the store's other tenants go on.
func TestClosedDBRefusesTransactions(t *testing.T) {
	s := open(t, newDSN(t), kvpg.Options{})
	a, b := tenant(t, s, "a"), tenant(t, s, "b")
	a.Close()
	if err := a.View(func(kv.Tx) error { return nil }); !errors.Is(err, kvpg.ErrClosed) {
		t.Fatalf("View after Close: %v", err)
	}
	if err := b.Update(func(tx kv.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err }); err != nil {
		t.Fatal(err)
	}
}

// One Comune's large Updates (an import: thousands of keys read and
// written) while another Comune's kiosks push small ones: each tenant is a
// partition of its own, so PostgreSQL's serializable checks, which widen
// to a whole table or index when a transaction reads much of it, never
// make one tenant's transactions fail another's. Every Update succeeds,
// and the small ones are not retried because of the large.
func TestLargeUpdatesOfOneTenantDoNotFailAnothers(t *testing.T) {
	dsn := newDSN(t)
	sBig, sSmall := open(t, dsn, kvpg.Options{}), open(t, dsn, kvpg.Options{})
	big, small := tenant(t, sBig, "big"), tenant(t, sSmall, "small")
	const keys = 4000
	for _, db := range []kv.DB{big, small} {
		if err := db.Update(func(tx kv.Tx) error {
			b, err := tx.CreateBucket([]byte("x"))
			if err != nil {
				return err
			}
			for i := 0; i < keys; i++ {
				if err := b.Put(fmt.Appendf(nil, "k%06d", i), []byte("0")); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	increment := func(b kv.Bucket, k []byte) error {
		n, _ := strconv.Atoi(string(b.Get(k)))
		return b.Put(k, strconv.AppendInt(nil, int64(n+1), 10))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(stop)
		for i := 0; i < 4; i++ {
			if err := big.Update(func(tx kv.Tx) error {
				b := tx.Bucket([]byte("x"))
				for j := 0; j < keys/2; j++ {
					if err := increment(b, fmt.Appendf(nil, "k%06d", (j*7+i*13)%keys)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Errorf("the large Update %d: %v", i, err)
			}
		}
	}()
	var smallUpdates atomic.Int64
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := small.Update(func(tx kv.Tx) error {
					return increment(tx.Bucket([]byte("x")), fmt.Appendf(nil, "k%06d", (w*1000+i)%keys))
				}); err != nil {
					t.Errorf("a small Update: %v", err)
					return
				}
				smallUpdates.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d small Updates beside 4 large ones; retries: %d large, %d small", smallUpdates.Load(), sBig.Retries(), sSmall.Retries())
	if sBig.Retries() != 0 {
		t.Errorf("the large Updates were run again %d times: the other tenant's made them fail", sBig.Retries())
	}
}

// Updates waiting for their tenant's write turn hold no connection: with a
// pool of two, one Update in its turn (blocked in fn) and five waiting, a
// View still runs.
func TestUpdatesWaitingForTheTurnLeaveConnectionsToViews(t *testing.T) {
	s := open(t, newDSN(t), kvpg.Options{MaxConns: 2})
	db := tenant(t, s, "w")
	if err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	inTurn, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := db.Update(func(tx kv.Tx) error {
			close(inTurn)
			<-release
			return tx.Bucket([]byte("b")).Put([]byte("first"), []byte("1"))
		}); err != nil {
			t.Error(err)
		}
	}()
	<-inTurn
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.Update(func(tx kv.Tx) error {
				return tx.Bucket([]byte("b")).Put(fmt.Appendf(nil, "k%d", i), []byte("1"))
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(100 * time.Millisecond) // the five reach their wait
	viewed := make(chan error, 1)
	go func() {
		viewed <- db.View(func(tx kv.Tx) error { tx.Bucket([]byte("b")).Get([]byte("x")); return nil })
	}()
	select {
	case err := <-viewed:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(20 * time.Second):
		t.Error("a View waited for a connection held by Updates waiting for their turn")
	}
	close(release)
	wg.Wait()
	if err := db.View(func(tx kv.Tx) error {
		if n := tx.Bucket([]byte("b")).KeyN(); n != 6 {
			return fmt.Errorf("%d keys, want 6", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
