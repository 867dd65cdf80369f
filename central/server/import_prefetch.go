package server

import (
	"bytes"

	"mensakiosk/central/server/kv"
)

// An import reads every record it is given (is it new? changed?) and its
// index entry, one Get each: on bbolt a lookup in memory, on PostgreSQL a
// round trip each, hundreds of thousands for a Comune (an unchanged
// re-import of 50,000 pupils took 38 s, against 2 s on bbolt). On a store
// other than bbolt the import's transaction therefore reads the buckets it
// looks up most whole, by range scans (kvpg reads a cursor's rows in
// batches), the first time it asks one of them for a key, and answers its
// Gets from memory; its writes go to the store and to that copy.

// prefetchBuckets are the buckets an import reads key by key (the sets
// bFamily and bRefs: whether a key is there already, import_sets.go).
func prefetchBuckets() [][]byte {
	bs := [][]byte{bChanges, bAccessFP, bLedger, bFamily, bRefs}
	for _, k := range kinds {
		bs = append(bs, kindIndex[k])
	}
	return bs
}

// prefetchTx is a transaction whose prefetched buckets answer Get from a
// copy read whole.
type prefetchTx struct {
	kv.Tx
	names   [][]byte
	buckets map[string]*prefetchBucket
}

func newPrefetchTx(tx kv.Tx, names [][]byte) *prefetchTx {
	return &prefetchTx{Tx: tx, names: names, buckets: map[string]*prefetchBucket{}}
}

func (t *prefetchTx) Bucket(name []byte) kv.Bucket {
	b := t.Tx.Bucket(name)
	if b == nil {
		return nil
	}
	if p, ok := t.buckets[string(name)]; ok {
		return p
	}
	for _, n := range t.names {
		if bytes.Equal(n, name) {
			p := &prefetchBucket{in: b}
			t.buckets[string(name)] = p
			return p
		}
	}
	return b
}

// prefetchBucket is a top-level bucket of plain values read whole at its
// first Get.
type prefetchBucket struct {
	in  kv.Bucket
	m   map[string][]byte // nil until read
	err error
}

func (b *prefetchBucket) Cursor() kv.Cursor                        { return b.in.Cursor() }
func (b *prefetchBucket) ForEach(fn func(k, v []byte) error) error { return b.in.ForEach(fn) }
func (b *prefetchBucket) KeyN() int                                { return b.in.KeyN() }
func (b *prefetchBucket) Bucket(name []byte) kv.Bucket             { return b.in.Bucket(name) }
func (b *prefetchBucket) CreateBucket(name []byte) (kv.Bucket, error) {
	return b.in.CreateBucket(name)
}
func (b *prefetchBucket) CreateBucketIfNotExists(name []byte) (kv.Bucket, error) {
	return b.in.CreateBucketIfNotExists(name)
}
func (b *prefetchBucket) DeleteBucket(name []byte) error { return b.in.DeleteBucket(name) }

func (b *prefetchBucket) load() {
	if b.m != nil {
		return
	}
	b.m = map[string][]byte{}
	b.err = b.in.ForEach(func(k, v []byte) error {
		if v != nil { // a nested bucket is no value
			b.m[string(k)] = bytes.Clone(v)
		}
		return nil
	})
}

func (b *prefetchBucket) Get(k []byte) []byte {
	b.load()
	if b.err != nil {
		return b.in.Get(k) // the store keeps the failure and reports it
	}
	return b.m[string(k)]
}

func (b *prefetchBucket) Put(k, v []byte) error {
	if err := b.in.Put(k, v); err != nil {
		return err
	}
	if b.m != nil {
		if v == nil {
			v = []byte{}
		}
		b.m[string(k)] = bytes.Clone(v)
	}
	return nil
}

func (b *prefetchBucket) Delete(k []byte) error {
	if err := b.in.Delete(k); err != nil {
		return err
	}
	if b.m != nil {
		delete(b.m, string(k))
	}
	return nil
}
