package kvtest

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"mensakiosk/central/server/kv"
)

// The kv benchmarks' workloads, the same on every implementation.

// PrepareUpdate fills bucket "bench" with n counters for UpdateOnce.
func PrepareUpdate(tb testing.TB, db kv.DB, n int) {
	tb.Helper()
	if err := db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("bench"))
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := b.Put(key(i), []byte("0")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
}

// UpdateOnce is one Update that reads and rewrites n counters (a push's
// shape: each event id looked up, then stored).
func UpdateOnce(db kv.DB, n int) error { return updateOnce(db, n, false) }

// UpdateOncePrefetched is UpdateOnce announcing its keys with kv.Prefetch
// first.
func UpdateOncePrefetched(db kv.DB, n int) error { return updateOnce(db, n, true) }

func updateOnce(db kv.DB, n int, prefetch bool) error {
	return db.Update(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("bench"))
		if prefetch {
			keys := make([][]byte, n)
			for i := range keys {
				keys[i] = key(i)
			}
			kv.Prefetch(b, keys...)
		}
		for i := 0; i < n; i++ {
			v, _ := strconv.Atoi(string(b.Get(key(i))))
			if err := b.Put(key(i), strconv.AppendInt(nil, int64(v+1), 10)); err != nil {
				return err
			}
		}
		return nil
	})
}

// PrepareScan fills bucket "scan" with n keys of 8 bytes and values of 64.
func PrepareScan(tb testing.TB, db kv.DB, n int) {
	tb.Helper()
	v := bytes.Repeat([]byte("v"), 64)
	if err := db.Update(func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("scan"))
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := b.Put(key(i), v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
}

// ScanOnce is one View walking bucket "scan" with a cursor from the start
// (a pull's shape); it checks that it saw n keys.
func ScanOnce(db kv.DB, n int) error {
	return db.View(func(tx kv.Tx) error {
		c := tx.Bucket([]byte("scan")).Cursor()
		seen, bytes := 0, 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			seen++
			bytes += len(v)
		}
		if seen != n {
			return fmt.Errorf("kvtest: scan saw %d keys, want %d", seen, n)
		}
		return nil
	})
}
