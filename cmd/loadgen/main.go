// Command loadgen puts a central server under a lunch rush of simulated
// kiosks (package central/loadgen) and prints requests/s, p50/p99 latency and
// errors per endpoint, for each number of kiosks asked:
//
//	loadgen -kiosks 100,300,1000 -meals 30 -rush 20s
//
// By default each run gets a fresh reference server on bbolt, in-process on
// loopback, with a Comune of kiosks×meals pupils. With -url it loads that
// server instead (loopback only), the kiosks' tokens read from -tokens (one
// "KIOSK_ID TOKEN" a line; the runs take them in turn, as they take the
// roster's pupils); -url URL1,URL2 loads several servers on one database,
// each request going to one of them at random. -store postgres loads a
// reference server on PostgreSQL instead (a throwaway cluster the command
// starts, fsync on), -store postgres:2 two servers on one database, and
// -store bbolt,postgres,postgres:2 each in turn, every -kiosks count on
// each. It says at how many kiosks p99 passed -p99; with -strict
// it exits 1 when it did, or a run had errors or a meal was not delivered
// once.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"mensakiosk/central/loadgen"
	"mensakiosk/central/server"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(os.Args[1:], log); err != nil {
		log.Error("loadgen", "err", err)
		os.Exit(1)
	}
}

func run(args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	kiosksFlag := fs.String("kiosks", "100,300,1000", "numbers of kiosks, one run each (comma-separated)")
	meals := fs.Int("meals", 30, "meals each kiosk serves during the rush")
	rush := fs.Duration("rush", 20*time.Second, "how long the 20-minute rush lasts here (20s: ×60)")
	window := fs.Duration("window", 0, "run only the rush's first part, this long (with -rush 20m: the rush in real time); default the whole rush")
	drain := fs.Duration("drain", 10*time.Second, "bound on the kiosks' last syncs after the rush; what is not delivered by then counts as errors")
	strict := fs.Bool("strict", false, "exit 1 when a run is not clean (errors, meals not delivered once) or p99 passes -p99")
	p99 := fs.Duration("p99", 50*time.Millisecond, "the p99 latency goal")
	target := fs.String("url", "", "the server to load (loopback only), or several on one database, comma-separated (each request to one at random); default: a reference server on bbolt in-process")
	tokens := fs.String("tokens", "", "with -url: file of \"KIOSK_ID TOKEN\" lines")
	data := fs.String("data", "", "directory for the in-process servers' databases (default: a temporary one, removed)")
	prepare := fs.String("prepare", "", "make a server data directory here for `central -data DIR`, enough for every run of -kiosks against it with -url (the Comune for their sum × -meals, a token per kiosk, the tokens in DIR/loadgen-tokens), then exit")
	storeFlag := fs.String("store", "bbolt", "in-process servers: bbolt, postgres (a throwaway cluster, fsync on), postgres:N (N servers on one database), comma-separated: each in turn")
	noSync := fs.Bool("nosync", false, "in-process server: no fsync on commit (to see what the disk costs; never in production)")
	jsonOut := fs.String("json", "", "also write each run's report to this file, one JSON object a line (latencies in nanoseconds)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole command (server and kiosks) to this file")
	maxTime := fs.Duration("max", 10*time.Minute, "bound on the whole command")
	fs.BoolVar(&pgGroupCommit, "pggroup", true, "on PostgreSQL: the Updates waiting for the Comune's write turn run together in one transaction (kvpg's group commit); false runs each alone, as before it, to compare")
	diagnose := fs.Bool("diagnose", false, "on PostgreSQL: also print where the transactions spent their time, what the database's sessions waited for (pg_stat_activity every 10 ms), the checkpoints, WAL and vacuums during each run, and the server log's lines about them (diagnose.go)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var counts []int
	for _, f := range strings.Split(*kiosksFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > loadgen.MaxKiosks {
			return fmt.Errorf("-kiosks %q: want numbers from 1 to %d", *kiosksFlag, loadgen.MaxKiosks)
		}
		counts = append(counts, n)
	}
	if *meals < 1 || *meals > 1000 {
		return fmt.Errorf("-meals %d: want 1 to 1000", *meals)
	}
	if *rush < time.Second || *rush > loadgen.RealRush {
		return fmt.Errorf("-rush %s: want 1s to %s", *rush, loadgen.RealRush)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *prepare != "" {
		most := 0
		for _, n := range counts {
			most += n
		}
		ks, err := loadgen.Prepare(*prepare, most, most**meals)
		if err != nil {
			return err
		}
		var b strings.Builder
		for _, k := range ks {
			fmt.Fprintf(&b, "%s %s\n", k.ID, k.Token)
		}
		path := filepath.Join(*prepare, "loadgen-tokens")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			return err
		}
		fmt.Printf("loadgen: %s holds %d pupils and %d kiosk tokens (in %s): serve it with central -data %s\n",
			*prepare, most**meals, most, path, *prepare)
		return nil
	}
	var jsonFile *os.File
	if *jsonOut != "" {
		f, err := os.Create(*jsonOut)
		if err != nil {
			return err
		}
		defer f.Close()
		jsonFile = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), *maxTime)
	defer cancel()

	var external []loadgen.Kiosk
	var urls []string
	if *target != "" {
		for _, u := range strings.Split(*target, ",") {
			u = strings.TrimSpace(u)
			if err := checkLoopback(u); err != nil {
				return err
			}
			urls = append(urls, u)
		}
		if *tokens == "" {
			return errors.New("-url needs -tokens")
		}
		var err error
		if external, err = readTokens(*tokens); err != nil {
			return err
		}
	}
	if *data == "" && *target == "" {
		dir, err := os.MkdirTemp("", "loadgen-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*data = dir
	}

	stores, err := parseStores(*storeFlag)
	if err != nil {
		return err
	}
	if *target != "" {
		stores = stores[:1]
	}
	var pg pgServers
	defer func() {
		if err := pg.stop(); err != nil {
			log.Error("postgres stop", "err", err)
		}
	}()
	failed := false
	var summary []string
	var limits []string
	over := false
	used := 0
	for _, store := range stores {
		what := "reference server on bbolt, in-process, one fresh per run"
		switch {
		case store.postgres && store.servers == 1:
			what = "reference server on PostgreSQL (a throwaway cluster, fsync and synchronous_commit on), in-process, a fresh database per run"
		case store.postgres:
			what = fmt.Sprintf("%d reference servers on one PostgreSQL database (a throwaway cluster, fsync and synchronous_commit on), in-process, each its own connection pool and port, each request to one at random; a fresh database per run", store.servers)
		}
		if *noSync {
			what += ", NO FSYNC"
		}
		if store.postgres && !pgGroupCommit {
			what += ", without kvpg's group commit (-pggroup=false)"
		}
		if *target != "" {
			what = "server " + *target
		}
		fmt.Printf("loadgen: %s; each kiosk serves %d meals at random times of the rush and syncs like app.Syncer (push, then pull to the end)\n", what, *meals)
		firstOver := 0
		var runs []string
		for _, n := range counts {
			cfg := loadgen.Config{MealsPerKiosk: *meals, Rush: *rush, Window: *window, Drain: *drain}
			var stop func() error
			if *target != "" {
				if used+n > len(external) {
					return fmt.Errorf("%s holds %d tokens, the runs need %d", *tokens, len(external), used+n)
				}
				cfg.URL, cfg.Others, cfg.Kiosks, cfg.FirstPupil = urls[0], urls[1:], external[used:used+n], used**meals
				used += n
			} else {
				t0 := time.Now()
				var err error
				var us []string
				cfg.BaselineDir = filepath.Join(*data, fmt.Sprintf("%s-run-%d", strings.ReplaceAll(store.String(), ":", "-"), n))
				us, cfg.Kiosks, stop, err = pg.serve(store, cfg.BaselineDir, n, n**meals, server.Options{NoSync: *noSync})
				if err != nil {
					return err
				}
				cfg.URL, cfg.Others = us[0], us[1:]
				log.Info("server ready", "store", store.String(), "kiosks", n, "pupils", n**meals, "setup_ms", time.Since(t0).Milliseconds())
			}
			retriesBefore := pgRetries()
			var diag *diagnosis
			if *diagnose && store.postgres && *target == "" {
				if diag, err = startDiagnosis(ctx, pg.dsn, pg.cluster.LogPath()); err != nil {
					return err
				}
			}
			rep, err := loadgen.Run(ctx, cfg)
			var diagOut strings.Builder
			if diag != nil {
				if derr := diag.finish(ctx, &diagOut); err == nil {
					err = derr
				}
			}
			var pgBase string
			if err == nil && store.postgres && *target == "" {
				// PostgreSQL's own bare commit, after the run (before it,
				// it would warm the cluster for the run).
				retries := pgRetries() - retriesBefore
				p50, p99, perr := pgBareCommit(ctx, pg.dsn, 100)
				if perr != nil {
					err = perr
				}
				pgBase = fmt.Sprintf("  baseline, same run, after it: bare PostgreSQL commit (one-row INSERT, fsync on) p50 %.1fms p99 %.1fms\n"+
					"  PostgreSQL: %d transactions ran again after a serialization conflict (SERIALIZABLE)\n",
					float64(p50)/float64(time.Millisecond), float64(p99)/float64(time.Millisecond), retries)
			}
			if stop != nil {
				if serr := stop(); err == nil {
					err = serr
				}
			}
			if err != nil {
				return err
			}
			rep.Print(os.Stdout)
			fmt.Print(pgBase)
			fmt.Print(diagOut.String())
			if jsonFile != nil {
				if err := json.NewEncoder(jsonFile).Encode(struct {
					Store string
					loadgen.Report
				}{store.String(), rep}); err != nil {
					return err
				}
			}
			if !rep.OK() {
				failed = true
			}
			verdict := "≤"
			if rep.Overall.P99 > *p99 {
				verdict = ">"
				if firstOver == 0 || n < firstOver {
					firstOver = n
				}
			}
			clean := "clean"
			if !rep.OK() {
				clean = "NOT CLEAN"
			}
			runs = append(runs, fmt.Sprintf("%d kiosks: %.0f req/s, p50 %.1fms, p99 %.1fms %s %s, %d errors, %s", n, rep.Overall.PerSec,
				float64(rep.Overall.P50)/float64(time.Millisecond), float64(rep.Overall.P99)/float64(time.Millisecond), verdict, *p99, rep.Overall.Errors, clean))
			if ctx.Err() != nil {
				return fmt.Errorf("stopped after %s (-max)", *maxTime)
			}
		}
		summary = append(summary, store.String()+": "+strings.Join(runs, "; "))
		if firstOver != 0 {
			over = true
			limits = append(limits, fmt.Sprintf("%s: p99 passes %s first at %d kiosks (the fewest kiosks over it)", store, *p99, firstOver))
		} else {
			limits = append(limits, fmt.Sprintf("%s: p99 within %s at every count run (up to %d kiosks)", store, *p99, slices.Max(counts)))
		}
	}
	fmt.Println("summary:")
	for _, l := range summary {
		fmt.Println("  " + l)
	}
	for _, l := range limits {
		fmt.Println("  " + l)
	}
	if *strict && (failed || over) {
		return errors.New("-strict: a run was not clean or its p99 passed -p99 (see above)")
	}
	return nil
}

func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); h != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-url %s: loopback only", raw)
	}
	return nil
}

func readTokens(path string) ([]loadgen.Kiosk, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ks []loadgen.Kiosk
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s line %d: want KIOSK_ID TOKEN", path, line)
		}
		ks = append(ks, loadgen.Kiosk{ID: fields[0], Token: fields[1]})
	}
	return ks, sc.Err()
}
