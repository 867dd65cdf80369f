package kvpg_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvbolt"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/central/server/kv/kvtest"
	"mensakiosk/internal/pgtest"
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
// shape), with the write buffer and without it, and with the keys
// prefetched (kv.Prefetch; bbolt does the same work without it).
func BenchmarkUpdate500(b *testing.B) {
	for _, c := range []struct {
		name string
		opts kvpg.Options
		once func(kv.DB, int) error
	}{
		{"buffered", kvpg.Options{}, kvtest.UpdateOnce},
		{"unbuffered", kvpg.WithoutWriteBuffer(kvpg.Options{}), kvtest.UpdateOnce},
		{"buffered+prefetch", kvpg.Options{}, kvtest.UpdateOncePrefetched},
	} {
		b.Run(c.name, func(b *testing.B) {
			pg, bolt := tenant(b, open(b, newDSN(b), c.opts), "bench"), benchBolt(b)
			kvtest.PrepareUpdate(b, pg, 500)
			kvtest.PrepareUpdate(b, bolt, 500)
			compare(b, pg, bolt, func(db kv.DB) error { return c.once(db, 500) })
		})
	}
}

// BenchmarkScan10k: a View walking 10,000 keys with a cursor (a pull's
// shape), reading at most 256, 1,024 (the default) and 4,096 rows per
// query.
func BenchmarkScan10k(b *testing.B) {
	for _, batch := range []int{256, kvpg.DefaultCursorBatch, 4096} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			pg, bolt := tenant(b, open(b, newDSN(b), kvpg.Options{CursorBatch: batch}), "bench"), benchBolt(b)
			kvtest.PrepareScan(b, pg, 10_000)
			kvtest.PrepareScan(b, bolt, 10_000)
			compare(b, pg, bolt, func(db kv.DB) error { return kvtest.ScanOnce(db, 10_000) })
		})
	}
}

// hotUpdates runs workers goroutines each making n Updates that increment
// one counter and write 20 keys of their own (pushes from many kiosks,
// each bumping the server's revision head).
func hotUpdates(db kv.DB, workers, n int) error {
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func() {
			var err error
			for i := 0; i < n && err == nil; i++ {
				err = db.Update(func(tx kv.Tx) error {
					b, err := tx.CreateBucketIfNotExists([]byte("hot"))
					if err != nil {
						return err
					}
					c, _ := strconv.Atoi(string(b.Get([]byte("n"))))
					if err := b.Put([]byte("n"), strconv.AppendInt(nil, int64(c+1), 10)); err != nil {
						return err
					}
					for k := 0; k < 20; k++ {
						if err := b.Put(fmt.Appendf(nil, "w%d-%d-%d", w, i, k), []byte("event")); err != nil {
							return err
						}
					}
					return nil
				})
			}
			errs <- err
		}()
	}
	var err error
	for w := 0; w < workers; w++ {
		err = errors.Join(err, <-errs)
	}
	return err
}

// BenchmarkHotCounter: 8 goroutines each making 10 Updates on one hot
// counter; kvpg with every Update in the tenant's write turn (the
// default), with the turn only after a failure (OptimisticWrites), and
// with retries only; the
// time per Update and the retries per Update of each, and its ratio to
// bbolt's time (which runs its Updates one at a time).
func BenchmarkHotCounter(b *testing.B) {
	const workers, n = 8, 10
	dsn := newDSN(b)
	variants := []struct {
		name string
		s    *kvpg.Store
		db   kv.DB
		took time.Duration
	}{
		{name: "bolt", db: benchBolt(b)},
		{name: "pg-turns", s: open(b, dsn, kvpg.Options{})},
		{name: "pg-optimistic", s: open(b, dsn, kvpg.Options{OptimisticWrites: true})},
		{name: "pg-retries-only", s: open(b, dsn, kvpg.WithoutTurns(kvpg.Options{MaxAttempts: 100}))},
	}
	for i := range variants {
		if v := &variants[i]; v.s != nil {
			v.db = tenant(b, v.s, v.name)
		}
	}
	for b.Loop() {
		for i := range variants {
			v := &variants[i]
			t0 := time.Now()
			if err := hotUpdates(v.db, workers, n); err != nil {
				b.Fatalf("%s: %v", v.name, err)
			}
			v.took += time.Since(t0)
		}
	}
	updates := float64(b.N * workers * n)
	for _, v := range variants {
		b.ReportMetric(float64(v.took.Microseconds())/updates, v.name+"-µs/update")
		if v.s != nil {
			b.ReportMetric(float64(v.took)/float64(variants[0].took), v.name+"/bolt")
			b.ReportMetric(float64(v.s.Retries())/updates, v.name+"-retries/update")
		}
	}
}

// BenchmarkDurableCommits: 8 goroutines each committing 10 small Updates
// (one Put), every commit on disk: bbolt with fsync (its commits one after
// another, one fsync each) against kvpg on a cluster with fsync and
// synchronous_commit on, each goroutine its own tenant (PostgreSQL can
// flush concurrent commits together).
func BenchmarkDurableCommits(b *testing.B) {
	const workers, n = 8, 10
	db, err := bolt.Open(filepath.Join(b.TempDir(), "durable.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	boltDB := kvbolt.New(db)
	s := open(b, pgtest.NewDurableDB(b), kvpg.Options{MaxConns: workers})
	pgs := make([]kv.DB, workers)
	for w := range pgs {
		pgs[w] = tenant(b, s, fmt.Sprintf("t%d", w))
	}
	run := func(dbOf func(w int) kv.DB) error {
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			go func() {
				var err error
				for i := 0; i < n && err == nil; i++ {
					err = dbOf(w).Update(func(tx kv.Tx) error {
						bk, err := tx.CreateBucketIfNotExists([]byte("d"))
						if err != nil {
							return err
						}
						return bk.Put(fmt.Appendf(nil, "w%d-%d", w, i), []byte("event"))
					})
				}
				errs <- err
			}()
		}
		var err error
		for w := 0; w < workers; w++ {
			err = errors.Join(err, <-errs)
		}
		return err
	}
	var tb, tp time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := run(func(int) kv.DB { return boltDB }); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := run(func(w int) kv.DB { return pgs[w] }); err != nil {
			b.Fatal(err)
		}
		tb, tp = tb+t1.Sub(t0), tp+time.Since(t1)
	}
	commits := float64(b.N * workers * n)
	b.ReportMetric(commits/tb.Seconds(), "bolt-commits/s")
	b.ReportMetric(commits/tp.Seconds(), "pg-commits/s")
	b.ReportMetric(float64(tp)/float64(tb), "pg/bolt")
}
