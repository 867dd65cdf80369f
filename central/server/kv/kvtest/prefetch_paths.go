package kvtest

import (
	"errors"
	"fmt"
	"testing"

	"mensakiosk/central/server/kv"
)

// testPrefetchPaths: kv.PrefetchPaths over several buckets (nested ones
// not read yet, one that does not exist, the top level) changes no result,
// before and after writes, and a write to a nested bucket's key is still
// refused.
func testPrefetchPaths(t *testing.T, db kv.DB) {
	fill(t, db, 10)
	update(t, db, func(tx kv.Tx) error {
		n, err := tx.Bucket(bucketA).CreateBucket([]byte("nested"))
		if err != nil {
			return err
		}
		if _, err := n.CreateBucket([]byte("deeper")); err != nil {
			return err
		}
		return check(n.Put([]byte("n1"), []byte("v1")), n.Put([]byte("empty"), nil))
	})
	a, nested := [][]byte{bucketA}, [][]byte{bucketA, []byte("nested")}
	wants := []kv.Want{
		{Path: nil, Keys: [][]byte{bucketA, []byte("no-such-bucket")}},
		{Path: a, Keys: [][]byte{key(1), key(2), key(3), key(99), []byte("nested"), nil}},
		{Path: nested, Keys: [][]byte{[]byte("n1"), []byte("empty"), []byte("deeper"), []byte("n9")}},
		{Path: [][]byte{[]byte("no-such-bucket"), []byte("x")}, Keys: [][]byte{[]byte("k")}},
	}
	expect := func(tx kv.Tx, want map[string]string) error {
		for p, w := range want {
			var b kv.Bucket
			var k string
			switch p[0] {
			case 'A':
				b, k = tx.Bucket(bucketA), p[2:]
			case 'N':
				b, k = tx.Bucket(bucketA).Bucket([]byte("nested")), p[2:]
			}
			got := b.Get([]byte(k))
			if (w == "<nil>") != (got == nil) || (got != nil && string(got) != w) {
				return fmt.Errorf("kvtest: after PrefetchPaths, Get(%s) = %q, want %s", p, got, w)
			}
		}
		return nil
	}
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if err := check(b.Put(key(1), []byte("written")), b.Delete(key(2))); err != nil {
			return err
		}
		kv.PrefetchPaths(tx, wants...)
		if tx.Bucket([]byte("no-such-bucket")) != nil {
			return errors.New("kvtest: after PrefetchPaths, a bucket that does not exist is found")
		}
		if err := expect(tx, map[string]string{"A:" + string(key(1)): "written", "A:" + string(key(2)): "<nil>",
			"A:" + string(key(3)): "3", "A:" + string(key(99)): "<nil>", "A:nested": "<nil>",
			"N:n1": "v1", "N:empty": "", "N:deeper": "<nil>", "N:n9": "<nil>"}); err != nil {
			return err
		}
		n := tx.Bucket(bucketA).Bucket([]byte("nested"))
		if n == nil || n.Bucket([]byte("deeper")) == nil {
			return errors.New("kvtest: after PrefetchPaths, the nested buckets are not found")
		}
		if err := n.Put([]byte("deeper"), []byte("x")); !errors.Is(err, kv.ErrIncompatibleValue) {
			return fmt.Errorf("kvtest: after PrefetchPaths, Put on a nested bucket's key: %v", err)
		}
		if err := b.Put([]byte("nested"), []byte("x")); !errors.Is(err, kv.ErrIncompatibleValue) {
			return fmt.Errorf("kvtest: after PrefetchPaths, Put on a nested bucket's key: %v", err)
		}
		return check(b.Put(key(3), []byte("later")), n.Put([]byte("n9"), []byte("new")))
	})
	view(t, db, func(tx kv.Tx) error {
		kv.PrefetchPaths(tx, wants...)
		return expect(tx, map[string]string{"A:" + string(key(1)): "written", "A:" + string(key(2)): "<nil>",
			"A:" + string(key(3)): "later", "A:" + string(key(4)): "4", "N:n1": "v1", "N:n9": "new", "N:empty": ""})
	})
}
