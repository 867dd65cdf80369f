package kvbolt_test

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvbolt"
	"mensakiosk/central/server/kv/kvtest"
)

// open is a kv store on a new bbolt file in a temporary directory, closed
// when the test ends. noSync leaves out the fsync of each commit. The
// initial mmap is large enough that no commit must grow it: growing waits
// for every open View, and the snapshot test commits under an open View.
func open(tb testing.TB, noSync bool) *kvbolt.DB {
	tb.Helper()
	db, err := bolt.Open(filepath.Join(tb.TempDir(), "kv.db"), 0o600, &bolt.Options{NoSync: noSync, InitialMmapSize: 1 << 26})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return kvbolt.New(db)
}

func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.DB { return open(t, false) })
}

// BenchmarkUpdate500: one Update reading and rewriting 500 keys, each
// commit synced to disk.
func BenchmarkUpdate500(b *testing.B) {
	db := open(b, false)
	kvtest.PrepareUpdate(b, db, 500)
	for b.Loop() {
		if err := kvtest.UpdateOnce(db, 500); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScan10k: a cursor walk over 10,000 keys in a View.
func BenchmarkScan10k(b *testing.B) {
	db := open(b, false)
	kvtest.PrepareScan(b, db, 10_000)
	for b.Loop() {
		if err := kvtest.ScanOnce(db, 10_000); err != nil {
			b.Fatal(err)
		}
	}
}
