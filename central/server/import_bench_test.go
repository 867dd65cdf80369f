package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// BenchmarkImportComune: a Comune's roster, 50,000 pupils in 30,000
// families each with a 10-digit access code (plus one badge a pupil and a
// booking for one pupil in five), written as CSV files and imported the
// way `central import -data DIR CSVDIR` does it offline (ReadImportFiles,
// then Server.ImportFiles, into a real bbolt file with fsync); then the
// same files again (nothing changed), then with 300 codes changed. It
// reports seconds of wall clock and of CPU (user+system, all cores) for
// each, and the wall clock as a multiple of one bare bbolt commit measured
// in the same run. The targets: first import ≤ 60 s, unchanged
// re-import ≤ 10 s, on two cores. On PostgreSQL it also reports the round
// trips of each import (what a per-key read costs there).
//
// It runs on each store: bbolt (a file in a temporary directory) and
// PostgreSQL (a throwaway cluster started for the benchmark, fsync and
// synchronous_commit on, as bbolt's fdatasync: import_bench_store_test.go).
func BenchmarkImportComune(b *testing.B) {
	for _, st := range benchStores() {
		b.Run(st.name, func(b *testing.B) { importComune(b, st.open) })
	}
}

func importComune(b *testing.B, open func(b *testing.B) (*Server, func() int64)) {
	const pupils, families = 50_000, 30_000
	d := comuneRoster(pupils, families)
	d.AccessCodes = map[app.AccountID]string{}
	for i, a := range d.Accounts {
		d.AccessCodes[a.ID] = benchAccessCode(i, 0)
	}
	csvDir := b.TempDir()
	writeRosterCSV(b, csvDir, d)
	bare := bareCommit(b)
	var first, again, changed, firstCPU, againCPU, changedCPU time.Duration
	var firstTrips, againTrips, changedTrips int64
	for b.Loop() {
		s, trips := open(b)
		if trips == nil {
			trips = func() int64 { return 0 }
		}
		run := func(dir string, wantHashed int) (time.Duration, time.Duration, int64) {
			h := &countingHasher{}
			s.access.hash = h.hash
			trips0, cpu0, t0 := trips(), cpuTime(), time.Now()
			files, err := ReadImportFiles(dir)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.ImportFiles(files); err != nil {
				b.Fatal(err)
			}
			wall, cpu := time.Since(t0), cpuTime()-cpu0
			if n := len(h.take()); n != wantHashed {
				b.Fatalf("%d codes hashed, want %d", n, wantHashed)
			}
			return wall, cpu, trips() - trips0
		}
		w, c, n := run(csvDir, families)
		first, firstCPU, firstTrips = first+w, firstCPU+c, firstTrips+n
		w, c, n = run(csvDir, 0)
		again, againCPU, againTrips = again+w, againCPU+c, againTrips+n
		b.StopTimer()
		changedDir := b.TempDir()
		d2 := d
		d2.AccessCodes = map[app.AccountID]string{}
		for i, a := range d.Accounts {
			v := 0
			if i%100 == 0 {
				v = 1 // one family in a hundred has a new code
			}
			d2.AccessCodes[a.ID] = benchAccessCode(i, v)
		}
		writeRosterCSV(b, changedDir, ImportData{Accounts: d2.Accounts, AccessCodes: d2.AccessCodes})
		b.StartTimer()
		w, c, n = run(changedDir, families/100)
		changed, changedCPU, changedTrips = changed+w, changedCPU+c, changedTrips+n
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(first.Seconds()/n, "first-s")
	b.ReportMetric(firstCPU.Seconds()/n, "first-cpu-s")
	b.ReportMetric(again.Seconds()/n, "unchanged-s")
	b.ReportMetric(againCPU.Seconds()/n, "unchanged-cpu-s")
	b.ReportMetric(changed.Seconds()/n, "300codes-s")
	b.ReportMetric(changedCPU.Seconds()/n, "300codes-cpu-s")
	b.ReportMetric(float64(firstTrips)/n, "first-trips")
	b.ReportMetric(float64(againTrips)/n, "unchanged-trips")
	b.ReportMetric(float64(changedTrips)/n, "300codes-trips")
	b.ReportMetric(float64(bare.Microseconds())/1000, "bare-commit-ms")
	b.ReportMetric(first.Seconds()/n/bare.Seconds(), "first/bare-commit")
	b.ReportMetric(again.Seconds()/n/bare.Seconds(), "unchanged/bare-commit")
	b.Logf("first import %.1f s (CPU %.1f s), unchanged re-import %.1f s (CPU %.1f s), 300 codes changed %.1f s; bare commit %.2f ms; round trips %.0f, %.0f, %.0f",
		first.Seconds()/n, firstCPU.Seconds()/n, again.Seconds()/n, againCPU.Seconds()/n, changed.Seconds()/n, float64(bare.Microseconds())/1000,
		float64(firstTrips)/n, float64(againTrips)/n, float64(changedTrips)/n)
}

// benchAccessCode is family i's 10-digit code, version v.
func benchAccessCode(i, v int) string {
	return fmt.Sprintf("%010d", (uint64(i)*2654435761+uint64(v)*40503+12345)%10_000_000_000)
}

// bareCommit is the median of 21 bbolt commits of one small put, fsync
// included, on the same file system as the import.
func bareCommit(b *testing.B) time.Duration {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var ds []time.Duration
	for i := range 21 {
		t0 := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			return bk.Put(fmt.Appendf(nil, "%08d", i), []byte("x"))
		}); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	for i := range ds { // insertion sort, 21 items
		for j := i; j > 0 && ds[j] < ds[j-1]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
	return ds[len(ds)/2]
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeRosterCSV writes d as the CSV files `central import` reads.
func writeRosterCSV(b *testing.B, dir string, d ImportData) {
	b.Helper()
	write := func(name, header string, rows int, row func(i int, w *strings.Builder)) {
		if rows == 0 {
			return
		}
		var w strings.Builder
		w.WriteString(header + "\n")
		for i := range rows {
			row(i, &w)
			w.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(w.String()), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	write("fee_bands.csv", "code;name;meal_price", len(d.FeeBands), func(i int, w *strings.Builder) {
		f := d.FeeBands[i]
		fmt.Fprintf(w, "%s;%s;%d", f.Code, f.Name, f.MealPrice)
	})
	write("diets.csv", "code;name;allergens", len(d.Diets), func(i int, w *strings.Builder) {
		x := d.Diets[i]
		fmt.Fprintf(w, "%s;%s;%s", x.Code, x.Name, strings.Join(x.Allergens, "|"))
	})
	write("accounts.csv", "id;holder;balance;access_code", len(d.Accounts), func(i int, w *strings.Builder) {
		a := d.Accounts[i]
		fmt.Fprintf(w, "%s;%s;%d;%s", a.ID, a.Holder, a.Balance, d.AccessCodes[a.ID])
	})
	days := map[time.Weekday]string{time.Monday: "lun", time.Tuesday: "mar", time.Wednesday: "mer", time.Thursday: "gio", time.Friday: "ven", time.Saturday: "sab", time.Sunday: "dom"}
	write("pupils.csv", "id;account_id;first_name;last_name;school;class;weekdays;fee_band;diet", len(d.Pupils), func(i int, w *strings.Builder) {
		p := d.Pupils[i]
		var wd []string
		for _, x := range p.Weekdays {
			wd = append(wd, days[x])
		}
		diet := ""
		if p.Diet != nil {
			diet = p.Diet.Code
		}
		fmt.Fprintf(w, "%s;%s;%s;%s;%s;%s;%s;%s;%s", p.ID, p.AccountID, p.FirstName, p.LastName, p.School, p.Class, strings.Join(wd, " "), p.FeeBand, diet)
	})
	write("badges.csv", "id;pupil_id;blocked", len(d.Badges), func(i int, w *strings.Builder) {
		fmt.Fprintf(w, "%s;%s;%d", d.Badges[i].ID, d.Badges[i].PupilID, map[bool]int{false: 0, true: 1}[d.Badges[i].Blocked])
	})
	write("bookings.csv", "day;pupil_id;cancelled;bland", len(d.Bookings), func(i int, w *strings.Builder) {
		x := d.Bookings[i]
		fmt.Fprintf(w, "%s;%s;%t;%t", x.Day, x.PupilID, x.Cancelled, x.Bland)
	})
}
