package kvpg_test

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvbolt"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/central/server/kv/kvtest"
)

// The benchmarks run each workload on kvpg and on kvbolt in the same run,
// one after the other in each iteration, and report both times and their
// ratio (pg/bolt). Neither syncs its commits to disk: the test cluster
// runs with fsync and synchronous_commit off, so the bbolt file is opened
// with NoSync; what is compared is the engines and the round trips, not
// the disk. PostgreSQL is reached through its Unix socket.

func benchBolt(b *testing.B) kv.DB {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return kvbolt.New(db)
}

func compare(b *testing.B, pg, bolt kv.DB, once func(kv.DB) error) {
	var tp, tb time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := once(bolt); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := once(pg); err != nil {
			b.Fatal(err)
		}
		tb, tp = tb+t1.Sub(t0), tp+time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tp.Microseconds())/n, "pg-µs/op")
	b.ReportMetric(float64(tb.Microseconds())/n, "bolt-µs/op")
	b.ReportMetric(float64(tp)/float64(tb), "pg/bolt")
}

// BenchmarkUpdate500: one Update reading and rewriting 500 keys (a push's
// shape), with the write buffer and without it.
func BenchmarkUpdate500(b *testing.B) {
	for _, c := range []struct {
		name string
		opts kvpg.Options
	}{{"buffered", kvpg.Options{}}, {"unbuffered", kvpg.WithoutWriteBuffer(kvpg.Options{})}} {
		b.Run(c.name, func(b *testing.B) {
			pg, bolt := tenant(b, open(b, newDSN(b), c.opts), "bench"), benchBolt(b)
			kvtest.PrepareUpdate(b, pg, 500)
			kvtest.PrepareUpdate(b, bolt, 500)
			compare(b, pg, bolt, func(db kv.DB) error { return kvtest.UpdateOnce(db, 500) })
		})
	}
}

// BenchmarkScan10k: a View walking 10,000 keys with a cursor (a pull's
// shape).
func BenchmarkScan10k(b *testing.B) {
	pg, bolt := tenant(b, open(b, newDSN(b), kvpg.Options{}), "bench"), benchBolt(b)
	kvtest.PrepareScan(b, pg, 10_000)
	kvtest.PrepareScan(b, bolt, 10_000)
	compare(b, pg, bolt, func(db kv.DB) error { return kvtest.ScanOnce(db, 10_000) })
}
