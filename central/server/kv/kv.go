// Package kv is the reference server's store interface: a transactional,
// ordered key-value store with nested buckets, the shape of bbolt on which
// the server was written. The server's rules (each event id once, the
// per-kiosk sequences, revisions and cursors, the ledger) are written once
// against this interface; two implementations carry them:
//
//   - kvbolt: one bbolt file, one process (the embedded default);
//   - kvpg: PostgreSQL through pgx, shared by several server processes and
//     by many Comuni (tenants), each tenant its own key space.
//
// Semantics every implementation keeps (kvtest checks them on both):
//
//   - View runs fn in a read-only snapshot: it sees every transaction
//     committed before it began and nothing after.
//   - Update runs fn in a read-write transaction that is serializable: the
//     outcome is as if the Updates ran one after another, in commit order.
//     An implementation may run fn more than once (after a serialization
//     conflict with another process); fn must therefore have no effect
//     outside the transaction that a second run would not overwrite.
//     If fn returns an error nothing is written.
//   - Keys sort bytewise; cursors and ForEach walk in that order.
//   - A nested bucket appears in its parent as a key with a nil value.
//   - Slices returned by Get, a cursor or ForEach are valid only inside the
//     transaction; copy them to keep them.
//   - Get, cursors and ForEach return no error: a failure of the storage
//     underneath (a lost connection) is kept by the transaction, every
//     later read returns nil, and View or Update returns that failure
//     instead of fn's result. So a failed read is never taken for "absent".
package kv

import "errors"

// DB is an open store.
type DB interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a serializable read-write transaction and commits
	// it when fn returns nil. fn may run more than once (see the package
	// comment).
	Update(fn func(Tx) error) error
	// Close closes the store, waiting for the transactions in flight.
	Close() error
}

// Tx is a transaction. It is used by one goroutine.
type Tx interface {
	// Bucket is the top-level bucket name, or nil when it does not exist.
	Bucket(name []byte) Bucket
	// CreateBucket makes a top-level bucket; ErrBucketExists if it exists.
	CreateBucket(name []byte) (Bucket, error)
	// CreateBucketIfNotExists makes a top-level bucket or returns it.
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	// DeleteBucket deletes a top-level bucket with everything in it;
	// ErrBucketNotFound if there is none.
	DeleteBucket(name []byte) error
	// Writable tells an Update's transaction from a View's.
	Writable() bool
}

// Bucket is a set of key/value pairs, and of nested buckets, in key order.
type Bucket interface {
	// Get is the value of k, or nil (absent, or a nested bucket).
	Get(k []byte) []byte
	// Put sets k to v. A nil or empty v stores an empty value (as bbolt
	// does; the server keeps sets that way): Get then returns a non-nil
	// empty slice, and cursors and ForEach a non-nil empty v, so a set
	// member is told from a nested bucket and from an absent key.
	// ErrIncompatibleValue when k names a nested bucket.
	Put(k, v []byte) error
	// Delete removes k (nothing when absent). ErrIncompatibleValue when k
	// names a nested bucket.
	Delete(k []byte) error
	// Cursor walks the bucket in key order.
	Cursor() Cursor
	// ForEach calls fn for every key in order (v nil for a nested bucket).
	// fn must not change the bucket. An error from fn stops the walk and
	// is returned.
	ForEach(fn func(k, v []byte) error) error
	// KeyN is the number of keys (nested buckets included).
	KeyN() int
	// Bucket is the nested bucket name, or nil.
	Bucket(name []byte) Bucket
	// CreateBucket makes a nested bucket; ErrBucketExists if it exists,
	// ErrIncompatibleValue if the key holds a value.
	CreateBucket(name []byte) (Bucket, error)
	// CreateBucketIfNotExists makes a nested bucket or returns it.
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	// DeleteBucket deletes a nested bucket with everything in it.
	DeleteBucket(name []byte) error
}

// Cursor walks a bucket. Each move returns the key and value it lands on
// (v nil for a nested bucket), or nil, nil past either end.
type Cursor interface {
	First() (k, v []byte)
	Last() (k, v []byte)
	// Seek lands on the first key ≥ seek.
	Seek(seek []byte) (k, v []byte)
	Next() (k, v []byte)
	Prev() (k, v []byte)
	// Delete removes the key the cursor is on; the next Next lands on the
	// key after it.
	Delete() error
}

// Prefetcher is a Bucket that can read many keys at once. On a store
// whose every read is a round trip (kvpg), the Gets of keys prefetched
// cost nothing: a push that will look up 500 event ids reads them in one
// query instead of 500. Prefetch changes no result; call it through the
// function Prefetch, which does nothing on a store without it (kvbolt:
// its reads are memory).
type Prefetcher interface {
	Prefetch(keys ...[]byte)
}

// Prefetch tells b that keys are about to be read, when b can use it.
func Prefetch(b Bucket, keys ...[]byte) {
	if p, ok := b.(Prefetcher); ok {
		p.Prefetch(keys...)
	}
}

// Errors every implementation returns for the same misuse.
var (
	ErrBucketExists      = errors.New("kv: bucket already exists")
	ErrBucketNotFound    = errors.New("kv: bucket not found")
	ErrIncompatibleValue = errors.New("kv: incompatible value (a bucket where a value is, or the reverse)")
	ErrTxNotWritable     = errors.New("kv: transaction not writable")
	ErrKeyRequired       = errors.New("kv: key required")
)
