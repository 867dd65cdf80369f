package kvpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mensakiosk/central/server/kv"
)

// The statements; every one is filtered by the tenant ($1).
const (
	qTenant  = `SELECT EXISTS (SELECT 1 FROM tenants WHERE code = $1)`
	qGet     = `SELECT value FROM kv WHERE tenant = $1 AND bucket = $2 AND key = $3`
	qMarkers = `SELECT key FROM kv WHERE tenant = $1 AND bucket = $2 AND value IS NULL`
	qGE      = `SELECT key, value FROM kv WHERE tenant = $1 AND bucket = $2 AND key >= $3 ORDER BY key LIMIT $4`
	qGT      = `SELECT key, value FROM kv WHERE tenant = $1 AND bucket = $2 AND key > $3 ORDER BY key LIMIT $4`
	qLT      = `SELECT key, value FROM kv WHERE tenant = $1 AND bucket = $2 AND key < $3 ORDER BY key DESC LIMIT $4`
	qLast    = `SELECT key, value FROM kv WHERE tenant = $1 AND bucket = $2 ORDER BY key DESC LIMIT $3`
	qCount   = `SELECT count(*) FROM kv WHERE tenant = $1 AND bucket = $2`
	// qMany: one lookup of the primary key per key named (as qPaths).
	// "key = ANY($3)" was planned, once the statement's plan was cached
	// and the statistics lagged behind a bulk import, as a scan of the
	// bucket testing each row against the whole list: 30,000 keys took
	// over a minute.
	qMany = `SELECT x.key, x.value FROM unnest($3::bytea[]) AS u(k)
		CROSS JOIN LATERAL (SELECT key, value FROM kv WHERE tenant = $1 AND bucket = $2 AND key = u.k) AS x`
	qDelTree = `DELETE FROM kv WHERE tenant = $1 AND bucket >= $2 AND bucket < $3`
	qUpsert  = `INSERT INTO kv (tenant, bucket, key, value)
		SELECT $1, b, k, v FROM unnest($2::bytea[], $3::bytea[], $4::bytea[]) AS u(b, k, v)
		ON CONFLICT (tenant, bucket, key) DO UPDATE SET value = excluded.value`
	qDelete = `DELETE FROM kv USING unnest($2::bytea[], $3::bytea[]) AS u(b, k)
		WHERE kv.tenant = $1 AND kv.bucket = u.b AND kv.key = u.k`
)

// flushEvery is how many buffered writes a transaction keeps before it
// sends them (a bulk import's Update would otherwise hold all in memory
// twice, as entries and as the arrays of one statement).
const flushEvery = 8192

// isRetryable tells a serialization failure or a deadlock, after which
// the transaction can run again.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// backoff sleeps before the attempt+1-th run of an Update: a random time
// in [d/2, d], d = 1 ms doubled per attempt up to 64 ms.
func backoff(attempt int) {
	d := time.Millisecond << min(attempt-1, 6)
	time.Sleep(d/2 + rand.N(d/2+1))
}

// The tenant's write turn: a session-level advisory lock (taken before
// BEGIN, so that the transaction's snapshot is taken after the wait),
// keyed by the tenant's hash (two tenants with one hash share their turns,
// which is harmless).
const (
	qLock   = `SELECT pg_advisory_lock(1803970672, hashtext($1))`
	qUnlock = `SELECT pg_advisory_unlock(1803970672, hashtext($1))`
)

// The statements that begin and end transactions (sent by hand rather
// than through pgx.Tx, so that they share round trips with others).
const (
	qBeginView   = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
	qBeginUpdate = `BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE`
)

// querier is what a transaction sends its statements through (a pooled
// connection).
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// once runs fn in one transaction; lock: in the tenant's write turn.
// BEGIN and (on a DB's first transaction) the tenant's check go in one
// round trip; the buffered writes, COMMIT and the turn's release in
// another.
func (d *DB) once(writable, lock bool, fn func(kv.Tx) error) error {
	return d.onceOf(group{n: 1}, writable, lock, fn)
}

// onceOf is once for fn running g's Updates (groupcommit.go).
func (d *DB) onceOf(g group, writable, lock bool, fn func(kv.Tx) error) (err error) {
	ctx := context.Background()
	rt, keys := newRunTimer(d, writable, g), 0 // observe.go
	defer func() { rt.done(d, keys, err) }()
	if lock {
		d.turn.Lock()
		defer d.turn.Unlock()
	}
	rt.lap(phaseTurn)
	pooled, err := d.s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("kvpg: connect: %w", err)
	}
	rt.lap(phaseAcquire)
	conn := counted{pooled, &d.s.trips, rt}
	var locked, open bool
	defer func() {
		// Whatever is left: the transaction, then the turn. A connection
		// whose state is not known clean is closed (which releases its
		// lock), not pooled.
		if open {
			if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
				pooled.Hijack().Close(ctx)
				return
			}
		}
		if locked {
			if _, err := conn.Exec(ctx, qUnlock, d.tenant); err != nil {
				pooled.Hijack().Close(ctx)
				return
			}
		}
		pooled.Release()
	}()

	if lock {
		// Alone: in a batch it would open the transaction (a pipeline
		// is one implicit transaction) and take its snapshot before the
		// wait.
		if _, err := conn.Exec(ctx, qLock, d.tenant); err != nil {
			return fmt.Errorf("kvpg: write turn: %w", err)
		}
		locked = true
	}
	rt.lap(phaseLock)
	var b pgx.Batch
	if writable {
		b.Queue(qBeginUpdate)
	} else {
		b.Queue(qBeginView)
	}
	check := !d.known.Load()
	if check {
		b.Queue(qTenant, d.tenant)
	}
	var known bool
	br := conn.SendBatch(ctx, &b)
	err = func() error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("kvpg: begin: %w", err)
		}
		open = true
		if check {
			if err := br.QueryRow().Scan(&known); err != nil {
				return fmt.Errorf("kvpg: tenant: %w", err)
			}
		}
		return nil
	}()
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("kvpg: begin: %w", cerr)
	}
	if err != nil {
		return err
	}
	if check {
		if !known {
			return fmt.Errorf("%w: %q", ErrUnknownTenant, d.tenant)
		}
		d.known.Store(true)
	}
	rt.lap(phaseBegin)

	t := &tx{d: d, ctx: ctx, pg: conn, writable: writable, batch: d.s.opts.CursorBatch,
		flushEvery: d.s.opts.flushEvery, buckets: map[string]*bstate{}}
	t.root = t.state([]byte{})
	ferr := runFn(t, fn) // failed_read.go
	rt.lap(phaseFn)
	if t.err != nil {
		return t.err
	}
	if ferr != nil || !writable {
		return ferr // the deferred ROLLBACK ends the transaction
	}

	b = pgx.Batch{}
	keys = t.ndirty
	t.queueWrites(&b, nil)
	writes := b.Len()
	b.Queue("COMMIT")
	if locked {
		b.Queue(qUnlock, d.tenant)
	}
	if g.sent != nil {
		*g.sent = true // groupcommit.go
	}
	br = conn.SendBatch(ctx, &b)
	defer br.Close()
	for i := 0; i < writes; i++ {
		if _, err := br.Exec(); err != nil {
			t.fail(err)
			return t.err
		}
	}
	tag, err := br.Exec()
	if err != nil {
		return fmt.Errorf("kvpg: commit: %w", commitError{err})
	}
	open = false
	if tag.String() != "COMMIT" {
		// Not expected: a transaction that failed is not committed.
		return fmt.Errorf("kvpg: commit: answered %q", tag)
	}
	if locked {
		if _, err := br.Exec(); err == nil {
			locked = false
		}
	}
	rt.lap(phaseCommit)
	return nil
}

type kind uint8

const (
	kAbsent kind = iota
	kValue
	kBucket
)

// entry is what the transaction knows of one key: read from the database
// (clean) or written by the transaction (dirty, not yet sent).
type entry struct {
	kind  kind
	dirty bool
	val   []byte
}

// bstate is the transaction's state of one bucket.
type bstate struct {
	path    []byte           // encoded path (see the package comment)
	entries map[string]entry // the keys known, the latest state of each
	dirty   []string         // keys written since the last flush (may repeat)
	// markers: every nested bucket's key is in entries (read once per
	// bucket written to, so that Put needs no round trip).
	markers bool
	// empty: made in this transaction, the database has no row under it
	// but those sent from entries: a key not in entries is absent.
	empty bool
	// dropped: deleted by DeleteBucket; its writes are not sent.
	dropped bool
	// writes counts the writes to the bucket (a cursor's window read
	// since the last one is still the bucket's).
	writes int
}

type tx struct {
	d        *DB
	ctx      context.Context
	pg       querier
	writable bool
	batch    int
	err      error // the first failure (sticky)

	flushEvery int

	buckets map[string]*bstate // by encoded path
	root    *bstate
	dirty   []*bstate // buckets with writes not yet sent
	ndirty  int
}

var (
	_ kv.Tx     = (*tx)(nil)
	_ kv.Bucket = (*bucket)(nil)
	_ kv.Cursor = (*cursor)(nil)

	_ kv.Prefetcher = (*bucket)(nil)
)

func (t *tx) fail(err error) {
	if t.err == nil {
		t.err = fmt.Errorf("kvpg: %w", err)
	}
}

// childPath is the encoded path of the bucket name under parent.
func childPath(parent, name []byte) []byte {
	p := make([]byte, 0, len(parent)+len(name)+2)
	p = append(p, parent...)
	for _, c := range name {
		if c == 0 {
			p = append(p, 0, 0xff)
		} else {
			p = append(p, c)
		}
	}
	return append(p, 0, 1)
}

func (t *tx) state(path []byte) *bstate {
	st := t.buckets[string(path)]
	if st == nil {
		st = &bstate{path: path, entries: map[string]entry{}}
		t.buckets[string(path)] = st
	}
	return st
}

// lookup is the state of key k in st; false after a failure.
func (t *tx) lookup(st *bstate, k []byte) (entry, bool) {
	if t.err != nil {
		return entry{}, false // after a failure, nothing is known
	}
	if e, ok := st.entries[string(k)]; ok {
		return e, true
	}
	var e entry
	if !st.empty {
		var v []byte
		err := t.pg.QueryRow(t.ctx, qGet, t.d.tenant, st.path, k).Scan(&v)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			t.fail(err)
			return entry{}, false
		case v == nil:
			e.kind = kBucket
		default:
			e.kind, e.val = kValue, v
		}
	}
	st.entries[string(k)] = e
	return e, true
}

// isBucket tells whether k names a nested bucket of st.
func (t *tx) isBucket(st *bstate, k []byte) (bool, error) {
	if e, ok := st.entries[string(k)]; ok {
		return e.kind == kBucket, nil
	}
	if st.markers || st.empty {
		return false, nil
	}
	rows, err := t.pg.Query(t.ctx, qMarkers, t.d.tenant, st.path)
	if err == nil {
		var name []byte
		for rows.Next() {
			if err = rows.Scan(&name); err != nil {
				break
			}
			if _, ok := st.entries[string(name)]; !ok {
				st.entries[string(name)] = entry{kind: kBucket}
			}
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		t.fail(err)
		return false, t.err
	}
	st.markers = true
	return st.entries[string(k)].kind == kBucket, nil
}

// set records a write of k in st.
func (t *tx) set(st *bstate, k []byte, e entry) error {
	e.dirty = true
	st.entries[string(k)] = e
	st.writes++
	if len(st.dirty) == 0 {
		t.dirty = append(t.dirty, st)
	}
	st.dirty = append(st.dirty, string(k))
	t.ndirty++
	if t.ndirty >= t.flushEvery {
		return t.flush()
	}
	return nil
}

// queueWrites moves the buffered writes of only (of every bucket when
// only is nil) into b: one upsert and one delete at most.
func (t *tx) queueWrites(b *pgx.Batch, only *bstate) {
	var pb, pk, pv, db, dk [][]byte
	keep := t.dirty[:0]
	for _, st := range t.dirty {
		if only != nil && st != only {
			keep = append(keep, st)
			continue
		}
		for _, key := range st.dirty {
			e := st.entries[key]
			if !e.dirty || st.dropped {
				continue
			}
			e.dirty = false
			st.entries[key] = e
			if e.kind == kAbsent {
				db, dk = append(db, st.path), append(dk, []byte(key))
			} else {
				pb, pk, pv = append(pb, st.path), append(pk, []byte(key)), append(pv, e.val) // nil: a bucket
			}
		}
		t.ndirty -= len(st.dirty)
		st.dirty = st.dirty[:0]
	}
	t.dirty = keep
	if len(pk) > 0 {
		b.Queue(qUpsert, t.d.tenant, pb, pk, pv)
	}
	if len(dk) > 0 {
		b.Queue(qDelete, t.d.tenant, db, dk)
	}
}

// roundTrip sends the buffered writes of only (of every bucket when only
// is nil: a range read of one bucket needs only that bucket's), then the
// statements queue adds, in one round trip; results reads the latter's
// results. A failure is kept as the transaction's.
func (t *tx) roundTrip(only *bstate, queue func(*pgx.Batch), results func(pgx.BatchResults) error) error {
	if t.err != nil {
		return t.err
	}
	var b pgx.Batch
	t.queueWrites(&b, only)
	writes := b.Len()
	if queue != nil {
		queue(&b)
	}
	if b.Len() == 0 {
		return nil
	}
	br := t.pg.SendBatch(t.ctx, &b)
	err := func() error {
		for i := 0; i < writes; i++ {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if results != nil {
			return results(br)
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.fail(err)
	}
	return t.err
}

// flush sends every buffered write, in one round trip.
func (t *tx) flush() error {
	if t.ndirty == 0 {
		return t.err
	}
	return t.roundTrip(nil, nil, nil)
}

// writeCheck is the error of a write of key k, or nil.
func (t *tx) writeCheck(k []byte) error {
	switch {
	case t.err != nil:
		return t.err
	case !t.writable:
		return kv.ErrTxNotWritable
	case len(k) == 0:
		return kv.ErrKeyRequired
	}
	return nil
}

func (t *tx) rootBucket() *bucket { return &bucket{t: t, st: t.root} }

func (t *tx) Bucket(name []byte) kv.Bucket { return t.rootBucket().Bucket(name) }
func (t *tx) CreateBucket(name []byte) (kv.Bucket, error) {
	return t.rootBucket().CreateBucket(name)
}
func (t *tx) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	return t.rootBucket().CreateBucketIfNotExists(name)
}
func (t *tx) DeleteBucket(name []byte) error { return t.rootBucket().DeleteBucket(name) }
func (t *tx) Writable() bool                 { return t.writable }

// bucket is a kv.Bucket: a transaction and one bucket's state.
type bucket struct {
	t  *tx
	st *bstate
}

func (b *bucket) Get(k []byte) []byte {
	if len(k) == 0 {
		return nil
	}
	e, _ := b.t.lookup(b.st, k)
	if e.kind != kValue {
		return nil
	}
	return e.val
}

// Prefetch implements kv.Prefetcher: the keys the transaction does not
// know yet are read in one query into its read cache.
func (b *bucket) Prefetch(keys ...[]byte) {
	t, st := b.t, b.st
	if t.err != nil || st.empty {
		return
	}
	var ask [][]byte
	seen := map[string]bool{}
	for _, k := range keys {
		if _, known := st.entries[string(k)]; !known && len(k) > 0 && !seen[string(k)] {
			seen[string(k)] = true
			ask = append(ask, k)
		}
	}
	if len(ask) == 0 {
		return
	}
	// The keys asked are neither written nor read in this transaction:
	// no buffered write needs to go first.
	rows, err := t.pg.Query(t.ctx, qMany, t.d.tenant, st.path, ask)
	var found []row
	if err == nil {
		found, err = collectRows(rows, nil)
	}
	if err != nil {
		t.fail(err)
		return
	}
	for _, k := range ask {
		st.entries[string(k)] = entry{} // absent, unless found
	}
	for _, r := range found {
		if r.v == nil {
			st.entries[string(r.k)] = entry{kind: kBucket}
		} else {
			st.entries[string(r.k)] = entry{kind: kValue, val: r.v}
		}
	}
}

func (b *bucket) Put(k, v []byte) error {
	t := b.t
	if err := t.writeCheck(k); err != nil {
		return err
	}
	if v == nil {
		v = []byte{} // an empty value, as bbolt stores it
	}
	isB, err := t.isBucket(b.st, k)
	if err != nil {
		return err
	}
	if isB {
		return kv.ErrIncompatibleValue
	}
	return t.set(b.st, k, entry{kind: kValue, val: bytes.Clone(v)})
}

func (b *bucket) Delete(k []byte) error {
	t := b.t
	if err := t.writeCheck(k); err != nil {
		if errors.Is(err, kv.ErrKeyRequired) {
			return nil // no such key
		}
		return err
	}
	isB, err := t.isBucket(b.st, k)
	if err != nil {
		return err
	}
	if isB {
		return kv.ErrIncompatibleValue
	}
	return t.set(b.st, k, entry{kind: kAbsent})
}

func (b *bucket) Cursor() kv.Cursor { return &cursor{b: b} }

func (b *bucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return b.t.err
}

func (b *bucket) KeyN() int {
	var n int64
	if b.t.roundTrip(b.st, func(q *pgx.Batch) { q.Queue(qCount, b.t.d.tenant, b.st.path) },
		func(br pgx.BatchResults) error { return br.QueryRow().Scan(&n) }) != nil {
		return 0
	}
	return int(n)
}

func (b *bucket) Bucket(name []byte) kv.Bucket {
	if len(name) == 0 {
		return nil
	}
	if e, _ := b.t.lookup(b.st, name); e.kind != kBucket {
		return nil
	}
	return &bucket{t: b.t, st: b.t.state(childPath(b.st.path, name))}
}

func (b *bucket) CreateBucket(name []byte) (kv.Bucket, error) { return b.create(name, false) }

func (b *bucket) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	return b.create(name, true)
}

// create makes the nested bucket name; an existing one is returned when
// existing is true, ErrBucketExists otherwise.
func (b *bucket) create(name []byte, existing bool) (kv.Bucket, error) {
	t := b.t
	if err := t.writeCheck(name); err != nil {
		return nil, err
	}
	e, ok := t.lookup(b.st, name)
	switch {
	case !ok:
		return nil, t.err
	case e.kind == kBucket && existing:
		return &bucket{t: t, st: t.state(childPath(b.st.path, name))}, nil
	case e.kind == kBucket:
		return nil, kv.ErrBucketExists
	case e.kind == kValue:
		return nil, kv.ErrIncompatibleValue
	}
	return b.make(name)
}

// make makes the nested bucket name, absent.
func (b *bucket) make(name []byte) (kv.Bucket, error) {
	t := b.t
	if err := t.set(b.st, name, entry{kind: kBucket}); err != nil {
		return nil, err
	}
	path := childPath(b.st.path, name)
	st := &bstate{path: path, entries: map[string]entry{}, markers: true, empty: true}
	t.buckets[string(path)] = st
	return &bucket{t: t, st: st}, nil
}

func (b *bucket) DeleteBucket(name []byte) error {
	t := b.t
	if err := t.writeCheck(name); err != nil {
		return err
	}
	e, ok := t.lookup(b.st, name)
	switch {
	case !ok:
		return t.err
	case e.kind == kAbsent:
		return kv.ErrBucketNotFound
	case e.kind == kValue:
		return kv.ErrIncompatibleValue
	}
	// The subtree is the range [path, path with its last byte 0x01 made
	// 0x02) of bucket paths.
	path := childPath(b.st.path, name)
	end := bytes.Clone(path)
	end[len(end)-1]++
	for p, st := range t.buckets {
		if strings.HasPrefix(p, string(path)) {
			st.dropped = true
			delete(t.buckets, p)
		}
	}
	if _, err := t.pg.Exec(t.ctx, qDelTree, t.d.tenant, path, end); err != nil {
		t.fail(err)
		return t.err
	}
	return t.set(b.st, name, entry{kind: kAbsent})
}

// row is one key of a cursor's batch; gone once the cursor deleted it.
type row struct {
	k, v []byte
	gone bool
}

// cursor walks a window of rows of its bucket, read in batches; atStart
// and atEnd say that no key comes before or after the window.
type cursor struct {
	b              *bucket
	rows           []row
	i              int
	atStart, atEnd bool
	// fetches is how many batches were read since the cursor was placed
	// (First, Last, Seek).
	fetches int
	// writes is the bucket's writes when the window was read.
	writes int
}

// firstBatch is the rows a cursor asks first after it is placed; each
// later batch asks twice as many, up to Options.CursorBatch: a short walk
// (a pull with little to send, a Seek to check one key) reads few rows, a
// long one few queries.
const firstBatch = 32

// limit is the rows the next batch asks.
func (c *cursor) limit() int {
	n := min(c.b.t.batch, firstBatch<<min(c.fetches, 16))
	c.fetches++
	return n
}

// collect appends the rows of the next result of br to out. The keys and
// values are copied into a few large allocations: a slice handed out
// stays valid (kv's rule: for the transaction).
func collect(br pgx.BatchResults, out []row) ([]row, error) {
	rows, err := br.Query()
	if err != nil {
		return out, err
	}
	return collectRows(rows, out)
}

// collectRows is collect on rows, which it closes.
func collectRows(rows pgx.Rows, out []row) ([]row, error) {
	defer rows.Close()
	binary := true
	for _, f := range rows.FieldDescriptions() {
		binary = binary && f.Format == pgx.BinaryFormatCode
	}
	arena := make([]byte, 0, 16<<10)
	for rows.Next() {
		var k, v []byte
		if binary {
			raw := rows.RawValues()
			k, v = raw[0], raw[1]
		} else if err := rows.Scan(&k, &v); err != nil {
			return out, err
		}
		if need := len(k) + len(v); cap(arena)-len(arena) < need {
			arena = make([]byte, 0, max(need, 16<<10))
		}
		n := len(arena)
		arena = append(arena, k...)
		r := row{k: arena[n:len(arena):len(arena)]}
		if v != nil {
			n = len(arena)
			arena = append(arena, v...)
			r.v = arena[n:len(arena):len(arena)]
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// span is one range read of a window: q with bound (nil: none, qLast) and
// limit.
type span struct {
	q     string
	bound []byte
	limit int
}

// window replaces the window with the rows of back (read descending, put
// in order) followed by those of fwd, both read, after the bucket's
// buffered writes, in one round trip. It returns how many rows each gave.
func (c *cursor) window(back, fwd *span) (nb, nf int, ok bool) {
	t, st := c.b.t, c.b.st
	c.rows = c.rows[:0]
	queue := func(b *pgx.Batch, s *span) {
		if s.bound == nil {
			b.Queue(s.q, t.d.tenant, st.path, s.limit)
		} else {
			b.Queue(s.q, t.d.tenant, st.path, s.bound, s.limit)
		}
	}
	var rows []row
	err := t.roundTrip(st, func(b *pgx.Batch) {
		if back != nil {
			queue(b, back)
		}
		if fwd != nil {
			queue(b, fwd)
		}
	}, func(br pgx.BatchResults) error {
		var err error
		if back != nil {
			if rows, err = collect(br, rows); err != nil {
				return err
			}
			nb = len(rows)
			for i, j := 0, nb-1; i < j; i, j = i+1, j-1 {
				rows[i], rows[j] = rows[j], rows[i]
			}
		}
		if fwd != nil {
			rows, err = collect(br, rows)
			nf = len(rows) - nb
		}
		return err
	})
	if err != nil {
		return 0, 0, false
	}
	c.rows, c.writes = rows, st.writes
	return nb, nf, true
}

// settle lands on the first key at or after i in direction dir (+1, -1)
// that is still there, reading the next batch when the window ends.
func (c *cursor) settle(dir int) ([]byte, []byte) {
	t := c.b.t
	for t.err == nil {
		switch {
		case c.i >= len(c.rows):
			if c.atEnd || len(c.rows) == 0 {
				c.i = len(c.rows)
				return nil, nil
			}
			limit := c.limit()
			_, nf, ok := c.window(nil, &span{qGT, c.rows[len(c.rows)-1].k, limit})
			if !ok {
				return nil, nil
			}
			c.i, c.atStart, c.atEnd = 0, false, nf < limit
			continue
		case c.i < 0:
			if c.atStart || len(c.rows) == 0 {
				c.i = -1
				return nil, nil
			}
			limit := c.limit()
			nb, _, ok := c.window(&span{qLT, c.rows[0].k, limit}, nil)
			if !ok {
				return nil, nil
			}
			c.i, c.atStart, c.atEnd = nb-1, nb < limit, false
			continue
		}
		r := &c.rows[c.i]
		if !r.gone {
			// The transaction's latest state of the key wins over the
			// batch (a write since the batch was read).
			e, known := c.b.st.entries[string(r.k)]
			switch {
			case !known:
				return r.k, r.v
			case e.kind == kValue:
				return r.k, e.val
			case e.kind == kBucket:
				return r.k, nil
			}
			r.gone = true
		}
		c.i += dir
	}
	return nil, nil
}

func (c *cursor) First() ([]byte, []byte) {
	c.fetches = 0
	limit := c.limit()
	_, nf, ok := c.window(nil, &span{qGE, []byte{}, limit})
	if !ok {
		return nil, nil
	}
	c.i, c.atStart, c.atEnd = 0, true, nf < limit
	return c.settle(1)
}

func (c *cursor) Last() ([]byte, []byte) {
	if c.atEnd && len(c.rows) > 0 && c.writes == c.b.st.writes {
		// The window holds the last keys and nothing was written to
		// the bucket since it was read (a Seek past the end, then Last:
		// the server's last-before).
		c.i = len(c.rows) - 1
		return c.settle(-1)
	}
	c.fetches = 0
	limit := c.limit()
	nb, _, ok := c.window(&span{qLast, nil, limit}, nil)
	if !ok {
		return nil, nil
	}
	c.i, c.atStart, c.atEnd = nb-1, nb < limit, true
	return c.settle(-1)
}

// Seek also reads the key before seek, in the same round trip: a Prev
// after a Seek (the last key before a bound) then needs no query.
func (c *cursor) Seek(seek []byte) ([]byte, []byte) {
	if seek == nil {
		seek = []byte{}
	}
	c.fetches = 0
	limit := c.limit()
	nb, nf, ok := c.window(&span{qLT, seek, 1}, &span{qGE, seek, limit})
	if !ok {
		return nil, nil
	}
	c.i, c.atStart, c.atEnd = nb, nb == 0, nf < limit
	return c.settle(1)
}

func (c *cursor) Next() ([]byte, []byte) {
	if c.i < len(c.rows) {
		c.i++
	}
	return c.settle(1)
}

func (c *cursor) Prev() ([]byte, []byte) {
	if c.i >= 0 {
		c.i--
	}
	return c.settle(-1)
}

func (c *cursor) Delete() error {
	t := c.b.t
	switch {
	case t.err != nil:
		return t.err
	case !t.writable:
		return kv.ErrTxNotWritable
	case c.i < 0 || c.i >= len(c.rows) || c.rows[c.i].gone:
		return nil
	}
	r := &c.rows[c.i]
	e, known := c.b.st.entries[string(r.k)]
	if (known && e.kind == kBucket) || (!known && r.v == nil) {
		return kv.ErrIncompatibleValue
	}
	r.gone = true
	return t.set(c.b.st, r.k, entry{kind: kAbsent})
}
