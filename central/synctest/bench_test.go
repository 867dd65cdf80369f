package synctest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/storage"
)

// The sync benchmarks of `make bench`. Each includes the durable commits on
// both sides (the server's bbolt with fsync, the kiosk's with fsync), over
// real HTTP on loopback. BenchmarkBareCommit measures, in the same run, one
// bare bbolt commit, the unit the others are to be read against.

// bareDB is a new bbolt file with one bucket "b": the bare commits'
// database (the caller closes it).
func bareDB(b *testing.B) *bolt.DB {
	b.Helper()
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkBareCommit: one small put per bbolt transaction, fsync included.
func BenchmarkBareCommit(b *testing.B) {
	db := bareDB(b)
	defer db.Close()
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
	token, err := rs.CreateToken(id, server.RoleCanteen)
	if err != nil {
		b.Fatal(err)
	}
	// Straight to the server: the proxy would add a hop the field has not.
	client, err := central.NewClient(central.ClientConfig{BaseURL: rs.URL, Token: token, Epoch: st.Epoch()})
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

// topUpServer is a server with a Comune of n pupils whose parents have
// their codici fiscali (the debtors of their notices), and a kiosk client.
func topUpServer(b *testing.B, n int) (*realServer, *central.Client, []app.AccountID) {
	rs := startServer(b, "")
	c := newComune(n)
	var accs []app.AccountID
	for i := range c.data.Accounts {
		a := &c.data.Accounts[i]
		a.HolderFiscalCode = demo.FiscalCode("Rossi", fmt.Sprintf("Genitore%d", i), time.Date(1980+i%20, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC), i%2 == 0)
		accs = append(accs, a.ID)
	}
	if _, err := rs.Import(c.data); err != nil {
		b.Fatal(err)
	}
	token, err := rs.CreateToken("sportello", server.RoleCounter)
	if err != nil {
		b.Fatal(err)
	}
	client, err := central.NewClient(central.ClientConfig{BaseURL: rs.URL, Token: token, Epoch: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	return rs, client, accs
}

// BenchmarkTopUp: a parent's top-up at the counter, end to end over HTTP:
// the payment position created (notice code allocated and committed with
// fsync), then its receipt recorded and the family credited (another
// commit), on a 50,000-pupil Comune. Read it against BareCommit.
func BenchmarkTopUp(b *testing.B) {
	rs, client, accs := topUpServer(b, 50_000)
	ctx := context.Background()
	i := 0
	var create, pay time.Duration
	for b.Loop() {
		key, err := app.NewEventID()
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		n, err := client.TopUp(ctx, app.TopUpRequest{AccountID: accs[(i*7919)%len(accs)], Amount: 2000, IdempotencyKey: key})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := rs.RecordReceipt(app.Receipt{ReceiptID: "R" + key, NoticeCode: n.NoticeCode, Amount: n.Amount,
			PaidAt: time.Now().UTC(), PSP: "Bench"}); err != nil {
			b.Fatal(err)
		}
		create, pay = create+t1.Sub(t0), pay+time.Since(t1)
		i++
	}
	b.ReportMetric(float64(create.Microseconds())/float64(i), "create-µs/op")
	b.ReportMetric(float64(pay.Microseconds())/float64(i), "receipt-µs/op")
}

// BenchmarkFamilyView: the counter's family view (balance, three months of
// meals, bookings, notices) over HTTP, on a 50,000-pupil Comune.
func BenchmarkFamilyView(b *testing.B) {
	_, client, accs := topUpServer(b, 50_000)
	ctx := context.Background()
	to := app.Day(time.Now().Format(time.DateOnly))
	from := app.Day(time.Now().AddDate(0, -3, 0).Format(time.DateOnly))
	i := 0
	for b.Loop() {
		if _, err := client.Family(ctx, accs[(i*7919)%len(accs)], from, to); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
