package server

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgtest"
)

// The server's benchmarks run each workload on both stores in the same
// run: bbolt (the file, fsynced per commit, as Open opens it) and
// PostgreSQL (kvpg on a cluster of its own that syncs its commits too,
// pgtest.StartDurable, reached over loopback TCP as a server on another
// machine would reach it), one after the other in each iteration, and
// report both times, their ratio (pg/bolt) and kvpg's round trips.

// benchPair is one workload's two servers, each serving HTTP on loopback.
type benchPair struct {
	bolt, pg *env
	store    *kvpg.Store
}

// newBenchPair starts a durable PostgreSQL cluster (stopped at the
// benchmark's end) and opens a server on bbolt and one on PostgreSQL.
func newBenchPair(b *testing.B) *benchPair {
	b.Helper()
	c, err := pgtest.StartDurable()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Stop() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name, dsn, err := c.CreateDB(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("BENCH_PG_SOCKET") != "" {
		dsn = fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.Socket(), c.Port, pgtest.User, name)
	}
	st, err := kvpg.Open(ctx, dsn, kvpg.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.CreateTenant(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	pg := newEnvOn(b, testNow, Options{}, func(dir string, opts Options) (*Server, error) { return OpenStore(st.Tenant("bench"), dir, opts) })
	return &benchPair{bolt: newEnvOn(b, testNow, Options{}, Open), pg: pg, store: st}
}

// importBoth imports a roster of n pupils into both servers and returns a
// kiosk token of each.
func (p *benchPair) importBoth(b *testing.B, pupils int) (boltTok, pgTok string) {
	b.Helper()
	d := bigRoster(pupils)
	for _, e := range []*env{p.bolt, p.pg} {
		st, err := e.s.Import(d)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("imported %d records", st.Inserted)
	}
	return p.bolt.token("bench"), p.pg.token("bench")
}

// compare runs once on bbolt, then on PostgreSQL, per iteration, and
// reports the time of each per op, their ratio, and PostgreSQL's round
// trips per op and per unit (units per op: meals, pupils; 0: none).
func (p *benchPair) compare(b *testing.B, units int, unit string, once func(e *env, bolt bool)) {
	b.Helper()
	var tb, tp time.Duration
	var trips int64
	for b.Loop() {
		t0 := time.Now()
		once(p.bolt, true)
		t1 := time.Now()
		r0 := p.store.RoundTrips()
		once(p.pg, false)
		trips += p.store.RoundTrips() - r0
		tb, tp = tb+t1.Sub(t0), tp+time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tb.Microseconds())/n/1000, "bolt-ms/op")
	b.ReportMetric(float64(tp.Microseconds())/n/1000, "pg-ms/op")
	b.ReportMetric(float64(tp)/float64(tb), "pg/bolt")
	b.ReportMetric(float64(trips)/n, "pg-trips/op")
	if units > 0 {
		b.ReportMetric(float64(units)*n/tb.Seconds(), "bolt-"+unit+"/s")
		b.ReportMetric(float64(units)*n/tp.Seconds(), "pg-"+unit+"/s")
		b.ReportMetric(float64(trips)/n/float64(units), "pg-trips/"+unit)
	}
}
