// Package kvbolt is the kv store on one bbolt file: the reference server's
// embedded default. It is a thin adapter: bbolt already has kv's semantics
// (one writer at a time, so every Update is serializable; Views are
// snapshots), but for four things the adapter adds:
//
//   - Put stores a nil value as an empty one at once (bbolt's own Get
//     returns nil for it until the commit);
//   - KeyN counts the bucket's own keys with a cursor: bbolt's
//     Stats().KeyN also counts the keys of nested buckets and does not see
//     the transaction's own writes;
//   - after Cursor.Delete the cursor is put back on the key after the
//     deleted one: bbolt's own Next skips that key when the bucket's page
//     was already changed in the transaction;
//   - a group commit (groupcommit.go): the Updates waiting together share
//     one commit and its fdatasync (an Update of a failed group runs again
//     alone, so fn may run more than once, as kv allows).
package kvbolt

import (
	"errors"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"mensakiosk/central/server/kv"
)

// DB is a kv.DB on a bbolt database.
type DB struct {
	Bolt *bolt.DB
	gc   committer // groupcommit.go
}

// New wraps an open bbolt database. Bolt stays reachable for what only a
// file has (backup by copy, consistency check, size).
func New(db *bolt.DB) *DB { return &DB{Bolt: db} }

// View implements kv.DB.
func (d *DB) View(fn func(kv.Tx) error) error {
	return d.Bolt.View(func(tx *bolt.Tx) error { return fn(Tx{tx}) })
}

// Update implements kv.DB: the Updates waiting together are committed
// together (groupcommit.go); fn runs again alone when its group fails.
func (d *DB) Update(fn func(kv.Tx) error) error { return d.update(fn) }

// Close implements kv.DB.
func (d *DB) Close() error {
	d.stopCommitter()
	return d.Bolt.Close()
}

// Tx is a kv.Tx on a bbolt transaction.
type Tx struct{ Bolt *bolt.Tx }

func bucket(b *bolt.Bucket) kv.Bucket {
	if b == nil {
		return nil // a nil interface, not a typed nil
	}
	return Bucket{b}
}

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bolterrors.ErrBucketExists):
		return kv.ErrBucketExists
	case errors.Is(err, bolterrors.ErrBucketNotFound):
		return kv.ErrBucketNotFound
	case errors.Is(err, bolterrors.ErrIncompatibleValue):
		return kv.ErrIncompatibleValue
	case errors.Is(err, bolterrors.ErrTxNotWritable):
		return kv.ErrTxNotWritable
	case errors.Is(err, bolterrors.ErrKeyRequired), errors.Is(err, bolterrors.ErrBucketNameRequired):
		return kv.ErrKeyRequired
	}
	return err
}

func (t Tx) Bucket(name []byte) kv.Bucket { return bucket(t.Bolt.Bucket(name)) }
func (t Tx) CreateBucket(name []byte) (kv.Bucket, error) {
	b, err := t.Bolt.CreateBucket(name)
	return bucket(b), mapErr(err)
}
func (t Tx) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	b, err := t.Bolt.CreateBucketIfNotExists(name)
	return bucket(b), mapErr(err)
}
func (t Tx) DeleteBucket(name []byte) error { return mapErr(t.Bolt.DeleteBucket(name)) }
func (t Tx) Writable() bool                 { return t.Bolt.Writable() }

// Bucket is a kv.Bucket on a bbolt bucket.
type Bucket struct{ Bolt *bolt.Bucket }

func (b Bucket) Get(k []byte) []byte { return b.Bolt.Get(k) }
func (b Bucket) Put(k, v []byte) error {
	if v == nil {
		// bbolt keeps a nil value as nil until the commit: the
		// transaction's own Get would take the member for absent.
		v = []byte{}
	}
	return mapErr(b.Bolt.Put(k, v))
}
func (b Bucket) Delete(k []byte) error { return mapErr(b.Bolt.Delete(k)) }
func (b Bucket) Cursor() kv.Cursor     { return &Cursor{Bolt: b.Bolt.Cursor()} }
func (b Bucket) ForEach(fn func(k, v []byte) error) error {
	return b.Bolt.ForEach(fn)
}
func (b Bucket) KeyN() int {
	n := 0
	c := b.Bolt.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}
func (b Bucket) Bucket(name []byte) kv.Bucket { return bucket(b.Bolt.Bucket(name)) }
func (b Bucket) CreateBucket(name []byte) (kv.Bucket, error) {
	nb, err := b.Bolt.CreateBucket(name)
	return bucket(nb), mapErr(err)
}
func (b Bucket) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	nb, err := b.Bolt.CreateBucketIfNotExists(name)
	return bucket(nb), mapErr(err)
}
func (b Bucket) DeleteBucket(name []byte) error { return mapErr(b.Bolt.DeleteBucket(name)) }

// Cursor is a kv.Cursor on a bbolt cursor.
type Cursor struct {
	Bolt *bolt.Cursor
	// at is the key the cursor is on; after a Delete, next is where the
	// following Next lands (the key after the deleted one).
	at      []byte
	deleted bool
	nk, nv  []byte
}

func (c *Cursor) on(k, v []byte) ([]byte, []byte) {
	c.at, c.deleted = k, false
	return k, v
}

func (c *Cursor) First() ([]byte, []byte)        { return c.on(c.Bolt.First()) }
func (c *Cursor) Last() ([]byte, []byte)         { return c.on(c.Bolt.Last()) }
func (c *Cursor) Seek(s []byte) ([]byte, []byte) { return c.on(c.Bolt.Seek(s)) }

func (c *Cursor) Next() ([]byte, []byte) {
	if c.deleted {
		return c.on(c.nk, c.nv)
	}
	return c.on(c.Bolt.Next())
}

func (c *Cursor) Prev() ([]byte, []byte) {
	if c.deleted && c.nk == nil {
		// The last key was deleted: the one before it is now the last.
		return c.on(c.Bolt.Last())
	}
	return c.on(c.Bolt.Prev())
}

func (c *Cursor) Delete() error {
	if err := c.Bolt.Delete(); err != nil {
		return mapErr(err)
	}
	if c.at != nil {
		at := append([]byte(nil), c.at...)
		c.nk, c.nv = c.Bolt.Seek(at)
		c.at, c.deleted = at, true
	}
	return nil
}

var (
	_ kv.DB     = (*DB)(nil)
	_ kv.Tx     = Tx{}
	_ kv.Bucket = Bucket{}
	_ kv.Cursor = (*Cursor)(nil)
)
