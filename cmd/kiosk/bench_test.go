package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
	"mensakiosk/device"
	"mensakiosk/storage"
)

// Sizes of the benchmark's Comune (issue: 50,000 pupils, 200,000 meals).
var (
	benchPupils = envInt("BENCH_PUPILS", 50000)
	benchMeals  = envInt("BENCH_MEALS", 200000)
	benchTaps   = envInt("BENCH_TAPS", 400)
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// bigDB builds a kiosk database with the benchmark's roster and meals on
// past days (so today every pupil can still be served).
func bigDB(b *testing.B, dir string) (string, []app.BadgeID) {
	b.Helper()
	roster, badges := testRoster(benchPupils, "")
	path := seedDB(b, dir, roster)
	s, err := storage.Open(path, storage.Options{SkipCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now().AddDate(0, 0, -30)
	meals := make([]*app.Meal, 0, benchMeals)
	for i := range benchMeals {
		p := roster.Pupils[i%len(roster.Pupils)]
		day := start.AddDate(0, 0, i/len(roster.Pupils))
		id, _ := app.NewEventID()
		meals = append(meals, &app.Meal{EventID: id, KioskID: "kiosk-bench", PupilID: p.ID, AccountID: p.AccountID,
			Day: app.DayOf(day, time.Local), Service: app.ServiceLunch, Price: p.MealPrice, At: day.UTC(), Via: app.ViaBadge})
	}
	// The history is synced, as on a kiosk in service (the outbox holds what
	// is not, at most a few days' worth); today's taps go in the outbox.
	if err := s.ImportMeals(meals, true); err != nil {
		b.Fatal(err)
	}
	return path, badges
}

type quantiles struct{ median, p99 time.Duration }

func quantilesOf(d []time.Duration) quantiles {
	s := slices.Clone(d)
	slices.Sort(s)
	return quantiles{median: s[len(s)/2], p99: s[min(len(s)-1, len(s)*99/100)]}
}

// bareCommits times n bbolt Updates that each write one small record into
// the database at path: the floor a durable tap cannot go below.
func bareCommits(b *testing.B, path string, n int) []time.Duration {
	b.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	out := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("bench"))
			if err != nil {
				return err
			}
			return bk.Put(binary.BigEndian.AppendUint64(nil, uint64(i)), []byte("one small record"))
		}); err != nil {
			b.Fatal(err)
		}
		out = append(out, time.Since(t0))
	}
	return out
}

// taps times n taps through the whole kiosk path: a frame's last byte
// written into the reader's pty → decoder → canteen rules → bbolt commit →
// the result handed to the screen's hook.
func taps(b *testing.B, dir string, reader *device.VirtualReader, badges []app.BadgeID) []time.Duration {
	b.Helper()
	cfg := DefaultConfig()
	cfg.KioskID, cfg.DataDir, cfg.Reader.Port = "kiosk-bench", dir, reader.Path()
	cfg.Canteen.WindowStart, cfg.Canteen.WindowEnd = "00:00", "24:00"
	cc, err := cfg.Validate()
	if err != nil {
		b.Fatal(err)
	}
	results := make(chan time.Time, 1)
	ready := make(chan struct{}, 1)
	checked := make(chan error, 1)
	c, err := startCore(context.Background(), cfg, cc, false, slog.New(slog.DiscardHandler), coreHooks{
		OnResult: func(r app.TapResult, err error) {
			if err != nil || r.Outcome != app.OutcomeServed {
				panic(fmt.Sprintf("tap: %v %v", r.Outcome, err))
			}
			results <- time.Now()
		},
		OnReader: func(s app.ReaderStatus) {
			if s.State == app.ReaderConnected {
				ready <- struct{}{}
			}
		},
		OnStoreCheck: func(err error) { checked <- err },
	})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	<-ready
	// Steady state: the start-up consistency check has read the whole file
	// (so it is in the page cache) before the taps are timed; it now runs
	// before Open returns, so this only confirms it passed.
	if err := <-checked; err != nil {
		b.Fatal(err)
	}
	out := make([]time.Duration, 0, len(badges))
	frames := make([][]byte, len(badges))
	for i, id := range badges {
		frames[i], _ = reader.Format().Encode(id)
	}
	for _, f := range frames {
		if _, err := reader.Write(f); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now() // the frame's last byte is in the pty
		select {
		case t1 := <-results:
			out = append(out, t1.Sub(t0))
		case <-time.After(10 * time.Second):
			b.Fatal("no result for a tap")
		}
	}
	return out
}

// BenchmarkTapLatency prints the tap latency against one bare bbolt commit
// on a database of the same size, measured in the same run, in alternating
// rounds so that the machine's noise falls on both alike.
func BenchmarkTapLatency(b *testing.B) {
	dir := b.TempDir()
	t0 := time.Now()
	path, badges := bigDB(b, dir)
	fi, _ := os.Stat(path)
	b.Logf("database: %d pupils, %d meals, %.1f MiB, built in %s", benchPupils, benchMeals, float64(fi.Size())/(1<<20), time.Since(t0).Round(time.Millisecond))
	reader := virtualReader(b, dir)
	runtime.GC() // the build's garbage is not the taps' to pay for
	rng := rand.New(rand.NewPCG(7, 7))
	perm := rng.Perm(len(badges))
	const rounds = 4
	per := benchTaps / rounds
	var tap, bare []time.Duration
	for r := range rounds {
		bare = append(bare, bareCommits(b, path, per)...)
		pick := make([]app.BadgeID, per)
		for i := range per {
			pick[i] = badges[perm[r*per+i]]
		}
		tap = append(tap, taps(b, dir, reader, pick)...)
	}
	tq, bq := quantilesOf(tap), quantilesOf(bare)
	b.ReportMetric(float64(tq.median.Microseconds()), "tap-median-µs")
	b.ReportMetric(float64(tq.p99.Microseconds()), "tap-p99-µs")
	b.ReportMetric(float64(bq.median.Microseconds()), "commit-median-µs")
	b.ReportMetric(float64(bq.p99.Microseconds()), "commit-p99-µs")
	b.ReportMetric(float64(tq.median)/float64(bq.median), "median-ratio")
	b.ReportMetric(float64(tq.p99)/float64(bq.p99), "p99-ratio")
	fmt.Printf("tap latency (pty → commit → screen hook), %d taps: median %s p99 %s\n", len(tap), tq.median, tq.p99)
	fmt.Printf("bare bbolt commit, same file, %d commits:    median %s p99 %s\n", len(bare), bq.median, bq.p99)
	fmt.Printf("ratio: median %.2f× (goal ≤ 1.2×), p99 %.2f× (goal ≤ 1.5×)\n", float64(tq.median)/float64(bq.median), float64(tq.p99)/float64(bq.p99))
}

// BenchmarkTapRules times the canteen use case alone (rules, one bbolt
// transaction, commit) without the reader's pty hop, against bare commits on
// the same file, interleaved the same way: it tells how much of the tap's
// latency is the store and how much the path from the reader.
func BenchmarkTapRules(b *testing.B) {
	dir := b.TempDir()
	path, badges := bigDB(b, dir)
	runtime.GC()
	rng := rand.New(rand.NewPCG(8, 8))
	perm := rng.Perm(len(badges))
	cc := app.CanteenConfig{KioskID: "kiosk-bench", Location: time.Local, Window: app.ServiceWindow{Start: 0, End: 24 * 60}, Debounce: time.Second}
	const rounds = 4
	per := benchTaps / rounds
	var tap, bare []time.Duration
	for r := range rounds {
		bare = append(bare, bareCommits(b, path, per)...)
		s, err := storage.Open(path, storage.Options{SkipCheck: true})
		if err != nil {
			b.Fatal(err)
		}
		ct, err := app.NewCanteen(s, app.SystemClock{}, cc, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		for i := range per {
			t0 := time.Now()
			res, err := ct.Tap(context.Background(), badges[perm[r*per+i]])
			if err != nil || res.Outcome != app.OutcomeServed {
				b.Fatalf("tap: %v %v", res.Outcome, err)
			}
			tap = append(tap, time.Since(t0))
		}
		s.Close()
	}
	tq, bq := quantilesOf(tap), quantilesOf(bare)
	b.ReportMetric(float64(tq.median.Microseconds()), "rules-median-µs")
	b.ReportMetric(float64(bq.median.Microseconds()), "commit-median-µs")
	b.ReportMetric(float64(tq.median)/float64(bq.median), "median-ratio")
	b.ReportMetric(float64(tq.p99)/float64(bq.p99), "p99-ratio")
	fmt.Printf("canteen rules + commit (no pty), %d taps: median %s p99 %s; bare commit median %s p99 %s; ratio median %.2f× p99 %.2f×\n",
		len(tap), tq.median, tq.p99, bq.median, bq.p99, float64(tq.median)/float64(bq.median), float64(tq.p99)/float64(bq.p99))
}

// BenchmarkBadgeLookup times badge → pupil in a database of the benchmark's
// size (one read transaction each).
func BenchmarkBadgeLookup(b *testing.B) {
	dir := b.TempDir()
	path, badges := bigDB(b, dir)
	s, err := storage.Open(path, storage.Options{SkipCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	n := max(b.N, 100000)
	var d []time.Duration
	for i := range n {
		id := badges[(i*7919)%len(badges)]
		t0 := time.Now()
		if err := s.View(func(tx app.CanteenTx) error {
			bd, err := tx.Badge(id)
			if err != nil {
				return err
			}
			_, err = tx.Pupil(bd.PupilID)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(t0))
	}
	q := quantilesOf(d)
	b.ReportMetric(float64(q.median.Nanoseconds()), "lookup-median-ns")
	b.ReportMetric(float64(q.p99.Nanoseconds()), "lookup-p99-ns")
	fmt.Printf("badge → pupil lookup, %d pupils: median %s p99 %s\n", benchPupils, q.median, q.p99)
}

// BenchmarkStartup times the real kiosk binary (headless) from exec to its
// "ready" log line on a database of the benchmark's size, and reads its peak
// resident memory after a burst of taps.
func BenchmarkStartup(b *testing.B) {
	bin := kioskBinary(b, "ci,migrated_fynedo", false)
	dir := b.TempDir()
	_, badges := bigDB(b, dir)
	reader := virtualReader(b, dir)
	cfgPath := writeConfig(b, dir, reader.Path())
	var readies []time.Duration
	var peak int
	for run := range 3 {
		t0 := time.Now()
		c := startChild(b, bin, nil, "-headless", "-config", cfgPath)
		c.waitReady(b)
		readies = append(readies, time.Since(t0))
		for i := range 50 {
			reader.Send(badges[run*50+i])
		}
		c.waitMeals(b, 50, 30*time.Second)
		peak = max(peak, vmHWM(b, c.cmd.Process.Pid))
		c.cmd.Process.Kill()
		<-c.done
	}
	q := quantilesOf(readies)
	b.ReportMetric(float64(q.median.Milliseconds()), "ready-ms")
	b.ReportMetric(float64(peak)/1024, "peak-MiB")
	fmt.Printf("start → ready (headless binary, %d pupils, %d meals): median of 3 %s; peak RSS after 50 taps %.1f MiB\n", benchPupils, benchMeals, q.median, float64(peak)/1024)
}

// vmHWM reads a process's peak resident set size in KiB.
func vmHWM(b *testing.B, pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	b.Fatal("no VmHWM")
	return 0
}

// BenchmarkStaffMode times staff mode's work on a database of the
// benchmark's size, each against bare bbolt commits on the same file in the
// same run: the surname search (a few letters typed on the keyboard), a
// manual meal (the same rules and commit as a tap, plus its audit event),
// a void, and today's report (every pupil, booking and meal of the day).
func BenchmarkStaffMode(b *testing.B) {
	dir := b.TempDir()
	path, badges := bigDB(b, dir)
	bare := bareCommits(b, path, 200)
	s, err := storage.Open(path, storage.Options{SkipCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cc := app.CanteenConfig{KioskID: "kiosk-bench", Location: time.Local, Window: app.ServiceWindow{Start: 0, End: 24 * 60}, Debounce: time.Second}
	ct, err := app.NewCanteen(s, app.SystemClock{}, cc, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	// A morning's service: a thousand pupils served by badge.
	for _, id := range badges[:min(1000, len(badges))] {
		if _, err := ct.Tap(context.Background(), id); err != nil {
			b.Fatal(err)
		}
	}
	staff := app.Staff{ID: "S1", Name: "Bench", Role: app.StaffCanteen}
	var search, manual, void, report []time.Duration
	for i := range 50 {
		t0 := time.Now()
		hits, err := ct.SearchPupils([]string{"ros", "bia", "ric", "gre", "mor"}[i%5], 8)
		search = append(search, time.Since(t0))
		if err != nil || len(hits) != 8 {
			b.Fatalf("search: %d hits, %v", len(hits), err)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for range 100 {
		p := app.PupilID(fmt.Sprintf("P%06d", 1000+rng.IntN(len(badges)-1000)))
		t0 := time.Now()
		r, err := ct.ServeManual(context.Background(), staff, p)
		manual = append(manual, time.Since(t0))
		if err != nil || (r.Outcome != app.OutcomeServed && r.Outcome != app.OutcomeAlreadyServed) {
			b.Fatalf("manual meal: %v %v", r.Outcome, err)
		}
		if r.Outcome != app.OutcomeServed {
			continue
		}
		t0 = time.Now()
		if _, err := ct.Void(context.Background(), staff, r.Meal.EventID, app.VoidTest); err != nil {
			b.Fatal(err)
		}
		void = append(void, time.Since(t0))
	}
	for range 10 {
		t0 := time.Now()
		rep, err := ct.Report(app.DayOf(time.Now(), time.Local))
		report = append(report, time.Since(t0))
		if err != nil || rep.Totals.Served < 1000 {
			b.Fatalf("report: %+v %v", rep.Totals, err)
		}
	}
	bq := quantilesOf(bare)
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"search", search}, {"manual", manual}, {"void", void}, {"report", report}} {
		q := quantilesOf(m.d)
		b.ReportMetric(float64(q.median.Microseconds()), m.name+"-median-µs")
		b.ReportMetric(float64(q.median)/float64(bq.median), m.name+"-ratio")
		fmt.Printf("staff %s, %d pupils: median %s p99 %s = %.2f× a bare commit (median %s)\n",
			m.name, benchPupils, q.median, q.p99, float64(q.median)/float64(bq.median), bq.median)
	}
}
