package server

import (
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvbolt"
)

// A prefetched bucket answers Get as the store would, its own writes
// included, reads the store once, and leaves other buckets alone.
func TestPrefetchTxAnswersAsTheStore(t *testing.T) {
	b, err := bolt.Open(filepath.Join(t.TempDir(), "p.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := kvbolt.New(b)
	defer db.Close()
	err = db.Update(func(tx kv.Tx) error {
		p, _ := tx.CreateBucket([]byte("p"))
		o, _ := tx.CreateBucket([]byte("o"))
		p.CreateBucket([]byte("nested"))
		return errors.Join(p.Put([]byte("a"), []byte("1")), p.Put([]byte("b"), []byte("2")), o.Put([]byte("x"), []byte("9")))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx kv.Tx) error {
		pt := newPrefetchTx(tx, [][]byte{[]byte("p")})
		p := pt.Bucket([]byte("p"))
		if _, ok := p.(*prefetchBucket); !ok || pt.Bucket([]byte("p")) != p {
			t.Fatalf("bucket p is %T, not one prefetched copy", p)
		}
		if _, ok := pt.Bucket([]byte("o")).(*prefetchBucket); ok {
			t.Fatal("bucket o prefetched, not asked")
		}
		if pt.Bucket([]byte("none")) != nil {
			t.Fatal("a missing bucket is not nil")
		}
		if string(p.Get([]byte("a"))) != "1" || p.Get([]byte("nested")) != nil || p.Get([]byte("zz")) != nil {
			t.Fatal("first reads wrong")
		}
		// Change the store behind the copy: the copy was read whole at
		// the first Get, so later Gets come from it.
		if err := tx.Bucket([]byte("p")).Put([]byte("behind"), []byte("x")); err != nil {
			return err
		}
		if p.Get([]byte("behind")) != nil {
			t.Fatal("a Get after the first went to the store")
		}
		if err := errors.Join(p.Put([]byte("a"), []byte("10")), p.Put([]byte("c"), nil), p.Delete([]byte("b"))); err != nil {
			return err
		}
		if string(p.Get([]byte("a"))) != "10" || p.Get([]byte("c")) == nil || len(p.Get([]byte("c"))) != 0 || p.Get([]byte("b")) != nil {
			t.Fatalf("own writes: a=%q c=%v b=%q", p.Get([]byte("a")), p.Get([]byte("c")), p.Get([]byte("b")))
		}
		// The writes reached the store.
		s := tx.Bucket([]byte("p"))
		if string(s.Get([]byte("a"))) != "10" || s.Get([]byte("b")) != nil || s.Get([]byte("c")) == nil {
			t.Fatal("writes not in the store")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
