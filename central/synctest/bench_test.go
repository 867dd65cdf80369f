package synctest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/storage"
)

// The sync benchmarks of `make bench`. Each includes the durable commits on
// both sides (the server's bbolt with fsync, the kiosk's with fsync), over
// real HTTP on loopback. BenchmarkBareCommit measures, in the same run, one
// bare bbolt commit, the unit the others are to be read against.

// BenchmarkBareCommit: one small put per bbolt transaction, fsync included.
func BenchmarkBareCommit(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		b.Fatal(err)
	}
	i := 0
	start := time.Now()
	for b.Loop() {
		i++
		if err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("b")).Put([]byte(fmt.Sprintf("%08d", i)), []byte("x"))
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "commits/s")
}

// benchKiosk is a kiosk store and engine against a server, without the
// canteen (the meals are imported as a backlog).
func benchKiosk(b *testing.B, rs *realServer, id string, pushBatch, pullLimit int) (*storage.Store, *app.Syncer) {
	st, err := storage.Open(filepath.Join(b.TempDir(), "kiosk.db"), storage.Options{SkipCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	token, err := rs.srv.CreateToken(id)
	if err != nil {
		b.Fatal(err)
	}
	// Straight to the server: the proxy would add a hop the field has not.
	client, err := central.NewClient(central.ClientConfig{BaseURL: "http://" + rs.addr, Token: token, Epoch: st.Epoch()})
	if err != nil {
		b.Fatal(err)
	}
	return st, app.NewSyncer(st, client, app.SystemClock{}, app.SyncConfig{KioskID: id, PushBatch: pushBatch, PullLimit: pullLimit}, nil)
}

// BenchmarkPush10k pushes a backlog of 10,000 meal events (a kiosk offline
// for days) to the server and applies every answer.
func BenchmarkPush10k(b *testing.B) {
	const n = 10_000
	rs, c := importedServer(b, n)
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		st, sy := benchKiosk(b, rs, fmt.Sprintf("k%d", i), 1000, 0)
		ms := make([]*app.Meal, n)
		for j, p := range c.pupils {
			ms[j] = &app.Meal{EventID: fmt.Sprintf("b%d-%d", i, j), KioskID: "k", PupilID: p.ID, AccountID: p.AccountID,
				Day: app.Day(fmt.Sprintf("2026-10-%02d", 1+i%28)), Service: app.ServiceLunch, Price: p.MealPrice, At: time.Now(), Via: app.ViaBadge}
		}
		if err := st.ImportMeals(ms, false); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		got, err := sy.PushAll(context.Background())
		total += time.Since(t0)
		if err != nil || got != n {
			b.Fatalf("pushed %d of %d: %v", got, n, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "events/s")
}

// BenchmarkFirstPull50k: a new kiosk's first pull of a 50,000-pupil Comune
// (50,000 pupils and badges, 16,667 family accounts), paged, stored.
func BenchmarkFirstPull50k(b *testing.B) {
	const n = 50_000
	rs, _ := importedServer(b, n)
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		st, sy := benchKiosk(b, rs, fmt.Sprintf("k%d", i), 0, central.MaxPullLimit)
		b.StartTimer()
		t0 := time.Now()
		if err := sy.SyncOnce(context.Background()); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		b.StopTimer()
		if cnt, _ := st.Count(); cnt.Pupils != n {
			b.Fatalf("pulled %d pupils", cnt.Pupils)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "pupils/s")
	b.ReportMetric(total.Seconds()/float64(b.N), "s/pull")
}

// BenchmarkEmptyDeltaPull: a whole sync of a kiosk that is up to date
// (nothing to push, an empty delta), as every 15 s at every kiosk.
func BenchmarkEmptyDeltaPull(b *testing.B) {
	rs, _ := importedServer(b, 50_000)
	_, sy := benchKiosk(b, rs, "k", 0, central.MaxPullLimit)
	if err := sy.SyncOnce(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := sy.SyncOnce(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
