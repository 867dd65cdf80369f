// Package kvpg is the kv store on PostgreSQL (through pgx and its pool):
// one database shared by several server processes and by many Comuni
// (tenants), each tenant its own key space.
//
// # Tables
//
// The schema (schema.go) is applied by Open: one transaction holding an
// advisory lock (so servers that start together apply it once), recorded in
// schema_version; a database whose version is newer than this program's is
// refused (ErrSchemaTooNew) rather than written with rules that predate it.
//
//	tenants(id bigint identity, code text PRIMARY KEY, created timestamptz)
//	kv(tenant text, bucket bytea, key bytea, value bytea NULL,
//	   PRIMARY KEY (tenant, bucket, key)) PARTITION BY LIST (tenant)
//	kv_<tenant id>: one partition per tenant
//	kv_buckets: index on kv (tenant, bucket, key) WHERE value IS NULL
//
// One row per key. bucket is the path of nested bucket names from the top,
// each name with its 0x00 bytes written 0x00 0xff and ended by 0x00 0x01, so
// that no path is a prefix of another's encoding unless it is its ancestor:
// a bucket's whole subtree is one range of the primary key (DeleteBucket is
// one DELETE). A nested bucket is a row in its parent with a NULL value; a
// top-level bucket is such a row under the empty path. bytea compares
// bytewise (memcmp, then length) whatever the database's collation, which is
// kv's key order; tenant is text COLLATE "C". Every query names the tenant
// in its WHERE clause or its rows: a DB made by Store.Tenant reads and
// writes its tenant's rows only.
//
// Limit: PostgreSQL's btree takes index rows up to about 2,700 bytes, so a
// key and its bucket path together must stay under that (bbolt takes keys
// up to 32 KiB); the server's keys are tens of bytes.
//
// # Transactions
//
// Update runs fn in a SERIALIZABLE read-write transaction, so the
// read-modify-writes of the server's rules (a sequence, a revision, a
// balance, "is this event id new?") cannot race between processes: where
// two Updates could not have run one after the other, PostgreSQL aborts one
// with a serialization failure (SQLSTATE 40001) or a deadlock (40P01), and
// Update rolls it back and runs fn again: up to Options.MaxAttempts runs
// (DefaultMaxAttempts), sleeping between them a jittered backoff that
// starts at 1 ms and doubles up to 64 ms. Any other failure is returned as
// it is: a connection lost during COMMIT leaves the outcome unknown, and
// running fn again could apply it twice.
//
// Updates of one tenant take turns: each run of fn waits for the
// tenant's write turn: in the process a mutex (waited for before taking a
// connection, so that waiting Updates do not hold the connections Views
// need), in the database a session-level advisory lock taken before BEGIN
// (so that the snapshot is taken after the wait) and released with
// COMMIT, one more round trip. The server's Updates nearly all share keys
// (the revision head, the streams): run concurrently they would abort each
// other, and a large one (an import) could be aborted by small ones run
// after run until it gives up. In turns none is aborted: on one hot
// counter from 8 goroutines this is the fastest (BenchmarkHotCounter), and
// SERIALIZABLE with its retries stays as the guarantee (against writers
// that do not take turns, Options.OptimisticWrites: first runs without
// the turn, retried runs in it).
//
// The Updates waiting for the turn in this process run together: a DB's
// group committer (groupcommit.go) runs all those waiting at that moment
// one after another in one transaction, one lock, BEGIN and COMMIT for the
// group; a failing one runs again alone, as kvbolt's group commit does.
//
// Each tenant's rows are a partition of their own (kv_<id>, made by
// CreateTenant): PostgreSQL's serializable checks, which widen from rows
// to pages to a whole index when a transaction reads much of it, then stay
// within the tenant, and one Comune's import never fails another Comune's
// pushes (TestLargeUpdatesOfOneTenantDoNotFailAnothers).
//
// View runs fn in a REPEATABLE READ READ ONLY transaction: one snapshot of
// everything committed before its first read. It is not SERIALIZABLE
// because the server decides nothing in a View: every read that leads to a
// write is inside an Update, whose serializability covers it. A snapshot
// read never fails with a serialization error and takes no predicate
// locks, so Views (the pulls) neither abort nor make Updates abort.
//
// Get, cursors and ForEach have no error return: the first failure of a
// transaction's queries is kept ("sticky"); every later read returns nil,
// every write returns the failure, and View or Update returns it instead of
// fn's result (running fn again when it is a serialization failure).
//
// # Speed
//
// A push is thousands of Gets and Puts in one Update; on PostgreSQL every
// statement is a round trip (tens of microseconds on a Unix socket, more
// under load), so the work is to make few of them. A transaction keeps:
//
//   - a write buffer: Put, Delete and CreateBucket are kept in memory and
//     sent by one multi-row upsert and one multi-row delete, in the same
//     round trip as COMMIT; a range read of a bucket (a cursor's batch,
//     KeyN) sends that bucket's buffered writes first, in its own round
//     trip; more than flushEvery waiting writes are sent at once;
//   - a read cache of every key read or written: a second Get of a key,
//     and a Get of a key written, cost nothing (a cursor's rows are
//     overlaid with the writes made after its batch was read);
//   - the nested-bucket keys of each bucket written to, read once (a
//     partial index holds only those rows), so that a Put can refuse a
//     bucket's key without a round trip.
//
// BEGIN goes with the tenant's check (a DB's first transaction only).
// Cursors read batches of rows, forward or backward as they move: 32 rows
// after First, Last or Seek, then twice as many each time up to
// Options.CursorBatch (DefaultCursorBatch), so that a short walk reads few
// rows and a long one makes few queries. Seek also reads the key before
// it, and Last after a Seek past the end reuses what it read, so the
// server's "last key before" (Seek, then Prev or Last) is one query.
// Statements are prepared once per connection (pgx's statement cache)
// and run by the extended protocol. bench_test.go measures all this
// against kvbolt in the same run (make bench); what stays is one round
// trip per Get of a key the transaction has not seen, unless kv.Prefetch
// named it first (one query for all the keys named).
//
// # Use
//
//	st, err := kvpg.Open(ctx, dsn, kvpg.Options{})   // once per process
//	err = st.CreateTenant(ctx, "F205")                 // once per Comune
//	db := st.Tenant("F205")                            // a kv.DB; keep it
//	codes, err := st.Tenants(ctx)                      // every Comune
//
// A DB is cheap but checks its tenant once, on its first transaction: keep
// one per tenant. fn must not run an Update of its own tenant (it would
// wait for the turn fn holds; bbolt would wait for its writer too), nor
// hold many Views open (each takes one of the pool's connections). Closing a DB waits for its transactions and refuses
// later ones; Store.Close closes the pool.
package kvpg

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mensakiosk/central/server/kv"
)

// Defaults of Options.
const (
	DefaultMaxAttempts = 10
	DefaultCursorBatch = 1024
)

// DefaultMaxConns is the pool's size when neither Options nor the DSN's
// pool_max_conns say. pgxpool's own default (4 on two cores) made the pulls
// wait behind the pushes holding the connections: at 1,000 kiosks (loadgen)
// pull p99 was 1.05 s with 4 connections, 0.12 s with 16.
const DefaultMaxConns = 16

// Options tune a Store; the zero value is the defaults.
type Options struct {
	// MaxConns is the pool's size; 0 is the DSN's pool_max_conns, or
	// DefaultMaxConns when the DSN names none.
	MaxConns int32
	// MaxAttempts is how many times an Update runs fn when each run ends
	// in a serialization failure; 0 is DefaultMaxAttempts.
	MaxAttempts int
	// CursorBatch is the most rows a cursor reads per query (it starts
	// with 32 and doubles); 0 is DefaultCursorBatch.
	CursorBatch int

	// OptimisticWrites runs an Update's first run without waiting for
	// the tenant's write turn, so that Updates of one tenant that do not
	// conflict run in parallel; only the runs after a serialization
	// failure wait for the turn, and the first runs that start while an
	// Update of this process is in it. Without it (the default) every run waits
	// for the turn: the Updates of a tenant run one at a time, none is
	// ever run again. See the package comment.
	OptimisticWrites bool

	// TxIdleTimeout is how long a transaction may send nothing before
	// PostgreSQL ends its session, rolling it back and releasing the
	// tenant's write turn it holds (a stuck server): 0 is
	// DefaultTxIdleTimeout, negative the database's own setting. A DSN
	// that sets idle_in_transaction_session_timeout wins (tx_timeout.go).
	TxIdleTimeout time.Duration

	// NoGroupCommit runs each Update in a transaction of its own
	// instead of running the Updates that wait for the write turn
	// together (groupcommit.go).
	NoGroupCommit bool

	// Observe, when set, is called after each run of a transaction with
	// where it spent its time (observe.go): to find what a slow request
	// waited for. It is called on the transaction's goroutine; keep it
	// short.
	Observe func(RunTiming)

	// noTurns: retried runs do not take the write turn (the benchmark
	// that measures the turns).
	noTurns bool
	// flushEvery: the writes buffered before they are sent; 0 is
	// flushEvery (1, no buffer, for the benchmark that measures it).
	flushEvery int
}

// Errors of the store itself (the misuses of kv are kv's errors).
var (
	ErrSchemaTooNew  = errors.New("kvpg: the database's schema is newer than this program: upgrade the program (or point it at another database)")
	ErrUnknownTenant = errors.New("kvpg: no such tenant (Comune): create it first")
	ErrTenantCode    = errors.New("kvpg: a tenant code is 1 to 64 printable characters")
	ErrClosed        = errors.New("kvpg: store closed")
)

// Store is an open PostgreSQL database with the kv schema: the pool of
// connections every tenant's DB shares.
type Store struct {
	pool    *pgxpool.Pool
	opts    Options
	retries atomic.Int64
	trips   atomic.Int64 // RoundTrips

	turnsMu sync.Mutex
	turns   map[string]*sync.Mutex // each tenant's write turn in this process
}

// turn is the in-process half of tenant's write turn: the Updates of this
// process wait for it before they take a connection, so that they do not
// hold the pool's connections (which Views need) while they wait for the
// database's half.
func (s *Store) turn(tenant string) *sync.Mutex {
	s.turnsMu.Lock()
	defer s.turnsMu.Unlock()
	m := s.turns[tenant]
	if m == nil {
		m = new(sync.Mutex)
		s.turns[tenant] = m
	}
	return m
}

// Open connects to dsn (a postgres:// URL or key=value string; a Unix
// socket is host=/dir), applies the schema's migrations and returns the
// store. It fails with ErrSchemaTooNew on a database of a newer program.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.CursorBatch <= 0 {
		opts.CursorBatch = DefaultCursorBatch
	}
	if opts.flushEvery <= 0 {
		opts.flushEvery = flushEvery
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("kvpg: %w", err)
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(dsn, "pool_max_conns"):
		cfg.MaxConns = DefaultMaxConns
	}
	boundTxIdle(cfg, opts.TxIdleTimeout) // tx_timeout.go
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("kvpg: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, opts: opts, turns: map[string]*sync.Mutex{}}, nil
}

// Close closes the pool, waiting for the connections in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Pool is the store's pool, for what is not kv (a health check, the
// admin commands' statistics).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Retries is how many times, since Open, an Update ran fn again after a
// serialization failure or a deadlock.
func (s *Store) Retries() int64 { return s.retries.Load() }

// ValidTenantCode tells whether code can name a tenant: 1 to 64 bytes of
// printable UTF-8 (no spaces at either end).
func ValidTenantCode(code string) bool {
	if code == "" || len(code) > 64 || !utf8.ValidString(code) {
		return false
	}
	for i, r := range code {
		if !unicode.IsPrint(r) || (r == ' ' && (i == 0 || i == len(code)-1)) {
			return false
		}
	}
	return true
}

// CreateTenant records a tenant; it is no error if it exists.
func (s *Store) CreateTenant(ctx context.Context, code string) error {
	if !ValidTenantCode(code) {
		return fmt.Errorf("%w: %q", ErrTenantCode, code)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One at a time: two servers creating one tenant make one
		// partition.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO tenants (code) VALUES ($1) ON CONFLICT (code) DO UPDATE SET code = excluded.code RETURNING id`, code).Scan(&id); err != nil {
			return err
		}
		// The partition's name is made of the id, not of the code: no
		// quoting of what a person typed.
		_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS kv_%d PARTITION OF kv FOR VALUES IN (%s)`,
			id, quoteLiteral(code)))
		return err
	})
	if err != nil {
		return fmt.Errorf("kvpg: create tenant %q: %w", code, err)
	}
	return nil
}

// quoteLiteral is s as an SQL string literal (DDL takes no parameters).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Tenants is the codes of every tenant, sorted.
func (s *Store) Tenants(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT code FROM tenants`)
	if err != nil {
		return nil, fmt.Errorf("kvpg: tenants: %w", err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("kvpg: tenants: %w", err)
	}
	sort.Strings(codes)
	return codes, nil
}

// Tenant is one tenant's key space. It does not query: its first
// transaction fails with ErrUnknownTenant if CreateTenant has not recorded
// code. Its Close waits for its transactions and stops its group
// committer's goroutine (started by its first Update); the pool stays open
// until the Store's Close.
func (s *Store) Tenant(code string) *DB {
	return &DB{s: s, tenant: code, turn: s.turn(code)}
}

// DB is one tenant's kv.DB.
type DB struct {
	s      *Store
	tenant string
	known  atomic.Bool // the tenant was found in tenants
	turn   *sync.Mutex // Store.turn

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup

	gc committer // groupcommit.go
}

var _ kv.DB = (*DB)(nil)

// TenantCode is the DB's tenant.
func (d *DB) TenantCode() string { return d.tenant }

func (d *DB) enter() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.inflight.Add(1)
	return nil
}

// Close implements kv.DB: later transactions fail with ErrClosed; it
// waits for those in flight.
func (d *DB) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.inflight.Wait()
	d.stopCommitter()
	return nil
}

// View implements kv.DB.
func (d *DB) View(fn func(kv.Tx) error) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.inflight.Done()
	return d.once(false, false, fn)
}

// Update implements kv.DB.
func (d *DB) Update(fn func(kv.Tx) error) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer d.inflight.Done()
	lock := !d.s.opts.OptimisticWrites
	if lock && !d.s.opts.NoGroupCommit {
		if err := d.updateGrouped(fn); err != errRunAlone { // groupcommit.go
			return err
		}
	}
	if !lock && !d.s.opts.noTurns && !d.turn.TryLock() {
		// An Update of this process is in the turn or waits for it:
		// this one waits too rather than make it fail again.
		lock = true
	} else if !lock && !d.s.opts.noTurns {
		d.turn.Unlock()
	}
	for attempt := 1; ; attempt++ {
		err := d.once(true, lock, fn)
		if !isRetryable(err) || attempt >= d.s.opts.MaxAttempts {
			return err
		}
		d.s.retries.Add(1)
		lock = !d.s.opts.noTurns
		backoff(attempt)
	}
}
