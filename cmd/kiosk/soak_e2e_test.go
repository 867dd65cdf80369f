//go:build e2e

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
)

// Sizes of the memory soak (make bench): at least 5,000 taps and 200
// counter sessions with a top-up each, on the 50,000-pupil database.
var (
	soakTaps     = envInt("SOAK_TAPS", 5000)
	soakSessions = envInt("SOAK_SESSIONS", 200)
	// SOAK_ROLES=canteen (or counter) runs one role only, to try a change.
	soakRoles = os.Getenv("SOAK_ROLES")
)

// soakPause is the quiet between two classes at the door (and between two
// groups of parents at the counter): samples are taken after it.
const soakPause = 8 * time.Second

// soakRest is the quiet after the last action, before the end sample:
// longer than Fyne's texture cache keeps what is no longer drawn (1 min).
const soakRest = 80 * time.Second

// memSample is one reading of /proc/PID/status, in MiB.
type memSample struct {
	actions       int
	anon, rss     float64
	heapInuseMiB  float64
	goHeldMiB     float64 // what the Go runtime holds from the system
	cInUseMiB     float64 // the C heap (glibc's malloc) in use, mapped blocks included
	cFreeMiB      float64 // the C heap's free memory, kept by malloc
	scopes        uint64  // theme-override scopes Fyne has made so far
	busy          bool    // taken right after a class's last action, before the pause
	sampledAtTime time.Duration
}

func readMem(pid int) (anon, rss float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "RssAnon:":
			anon = kb / 1024
		case "VmRSS:":
			rss = kb / 1024
		}
	}
	return anon, rss, nil
}

// slope is the least-squares slope of anon (MiB) per 1,000 actions.
func slope(s []memSample) float64 {
	if len(s) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, p := range s {
		x := float64(p.actions) / 1000
		sx, sy, sxx, sxy = sx+x, sy+p.anon, sxx+x*x, sxy+x*p.anon
	}
	n := float64(len(s))
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// summary prints start, peak, end and slope, and reports them. Start, end
// and slope are of the quiet samples (after a pause); the peak is of all,
// the samples taken while actions were still coming in included.
func summary(b *testing.B, name string, all []memSample) (start, peak, end, sl float64) {
	var s []memSample
	var peakRSS, busyPeak float64
	for _, p := range all {
		peak, peakRSS = max(peak, p.anon), max(peakRSS, p.rss)
		if p.busy {
			busyPeak = max(busyPeak, p.anon)
		} else {
			s = append(s, p)
		}
	}
	start, end = s[0].anon, s[len(s)-1].anon
	// The slope is taken after the first fifth (caches filling up once).
	warm := s[len(s)/5:]
	sl = slope(warm)
	b.Logf("%s: RssAnon start %.0f MiB, peak %.0f (%.0f while busy), end %.0f; RSS start %.0f, peak %.0f, end %.0f; slope %+.2f MiB RssAnon per 1,000 actions (quiet samples, after %d actions of warm-up); %d theme scopes made",
		name, start, peak, busyPeak, end, s[0].rss, peakRSS, s[len(s)-1].rss, sl, warm[0].actions, all[len(all)-1].scopes)
	// The samples go to stdout: the benchmark's log would truncate them.
	for _, p := range all {
		when := "quiet"
		if p.busy {
			when = "busy"
		}
		fmt.Printf("  %-8s %-5s %6d actions  RssAnon %6.1f MiB  RSS %6.1f MiB  Go heap in use %6.1f MiB  Go runtime holds %6.1f MiB  C heap in use %6.1f MiB, free %6.1f MiB  scopes %5d  at %v\n", name, when, p.actions, p.anon, p.rss, p.heapInuseMiB, p.goHeldMiB, p.cInUseMiB, p.cFreeMiB, p.scopes, p.sampledAtTime.Round(time.Second))
	}
	fmt.Println()
	return start, peak, end, sl
}

// floorMem runs the one-label Fyne window at the kiosk's size on display and
// returns what it holds once drawn.
func floorMem(b *testing.B, display string, w, h int) (anon, rss float64) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "onelabel")
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/onelabel")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build the floor: %v\n%s", err, out)
	}
	p := exec.Command(bin, "-w", strconv.Itoa(w), "-h", strconv.Itoa(h))
	p.Env = append(os.Environ(), "DISPLAY="+display, "LANG=it_IT.UTF-8")
	if err := p.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { p.Process.Kill(); p.Wait() }()
	time.Sleep(5 * time.Second)
	for range 5 { // the steady value after the first frames
		a, r, err := readMem(p.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		anon, rss = max(anon, a), max(rss, r)
		time.Sleep(time.Second)
	}
	return anon, rss
}

// BenchmarkSoakGUI runs the real GUI binary under Xvfb on the 50,000-pupil
// database: a canteen kiosk through soakTaps badge taps, then a counter
// kiosk (synced with the reference server on loopback) through
// soakSessions family sessions, each a badge, the top-up tab, an amount,
// the avviso, and sign-out, all by clicks. It samples RssAnon and RSS
// from /proc and prints start, peak, end and the slope per 1,000 actions,
// beside the floor: a one-label Fyne window on the same display.
func BenchmarkSoakGUI(b *testing.B) {
	display := startXvfb(b)
	dir := b.TempDir()
	dbPath, badges := bigDB(b, dir)
	_ = dbPath
	reader := virtualReader(b, dir)
	cfgPath := writeConfig(b, dir, reader.Path())
	winW, winH := DefaultConfig().Window.Width, DefaultConfig().Window.Height

	floorAnon, floorRSS := floorMem(b, display, winW, winH)
	b.Logf("floor (one-label Fyne window %dx%d): RssAnon %.0f MiB, RSS %.0f MiB", winW, winH, floorAnon, floorRSS)

	sample := func(s *[]memSample, x *xkiosk, n int, t0 time.Time, busy bool) {
		a, r, err := readMem(x.c.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		var ms map[string]uint64
		x.ask("memstats", &ms)
		*s = append(*s, memSample{actions: n, anon: a, rss: r, heapInuseMiB: float64(ms["heap_inuse"]) / (1 << 20),
			goHeldMiB: float64(ms["sys"]-ms["heap_released"]) / (1 << 20), sampledAtTime: time.Since(t0),
			cInUseMiB: float64(ms["c_in_use"]) / (1 << 20), cFreeMiB: float64(ms["c_free"]) / (1 << 20),
			scopes: ms["theme_scopes"], busy: busy})
	}
	// soak runs n actions on the kiosk x and samples its memory: settle
	// after the start; after every twentieth of the actions (busy), and
	// again after soakPause (quiet: a class has gone through; the door is
	// quiet until the next); and after the last action and soakRest (Fyne
	// keeps the textures of what was drawn for a while, a minute by
	// default; what is still held after that is held for good). Then it
	// keeps a heap profile, stops the kiosk and summarises.
	soak := func(x *xkiosk, name string, settle time.Duration, n int, act func(i int)) (start, peak, end, sl float64) {
		var samples []memSample
		t0 := time.Now()
		time.Sleep(settle)
		sample(&samples, x, 0, t0, false)
		every := max(n/20, 1)
		for i := range n {
			act(i)
			if (i+1)%every == 0 {
				sample(&samples, x, i+1, t0, true)
				time.Sleep(soakPause)
				sample(&samples, x, i+1, t0, false)
			}
		}
		time.Sleep(soakRest)
		sample(&samples, x, n, t0, false)
		x.ask("heap "+filepath.Join(artifactDir(b), "soak-"+name+".heap.pprof"), new(string))
		stopSoak(b, x)
		return summary(b, name, samples)
	}
	var cs, cp, ce, csl, ks, kp, ke, ksl float64
	if soakRoles != "counter" {
		// The canteen: taps of distinct pupils, as at the door.
		x := startHooked(b, display, dir, "canteen", nil, "-config", cfgPath)
		cs, cp, ce, csl = soak(x, "canteen", 2*time.Second, soakTaps, func(i int) {
			if err := reader.Send(badges[i%len(badges)]); err != nil {
				b.Fatal(err)
			}
			x.c.waitMeals(b, i+1, 10*time.Second)
		})
	}
	if soakRoles == "canteen" {
		b.ReportMetric(floorAnon, "floor-anon-MiB")
		b.ReportMetric(cp/floorAnon, "canteen-peak/floor")
		b.ReportMetric(csl, "canteen-MiB/1k-taps")
		return
	}

	// The counter: the same 50,000 pupils, in a kiosk database synced
	// with the reference server, which issues the avvisi.
	kdir := filepath.Join(dir, "counter")
	if err := os.MkdirAll(kdir, 0o700); err != nil {
		b.Fatal(err)
	}
	roster, _ := testRoster(benchPupils, "")
	// An avviso names its debtor: every account gets a holder (the demo's
	// first, whose codice fiscale is well formed).
	dr, _ := demo.Build(app.DayOf(time.Now(), time.Local), time.Now())
	for i := range roster.Accounts {
		roster.Accounts[i].Holder, roster.Accounts[i].HolderFiscalCode = dr.Accounts[0].Holder, dr.Accounts[0].HolderFiscalCode
	}
	seedDB(b, kdir, roster)
	pp := server.DefaultPagoPA()
	srv := servertest.Start(b, servertest.Dir(filepath.Join(dir, "central")), servertest.Options(server.Options{PagoPA: &pp}),
		servertest.Import(server.FromRoster(roster)), servertest.Kiosk("kiosk-test", server.RoleCounter))
	defer srv.Stop()
	tokenFile := filepath.Join(kdir, "token")
	if err := os.WriteFile(tokenFile, []byte(srv.Tokens["kiosk-test"]), 0o600); err != nil {
		b.Fatal(err)
	}
	syncCfg := writeSyncConfig(b, kdir, reader.Path(), srv.URL, tokenFile)

	x := startHooked(b, display, kdir, "counter", nil, "-config", syncCfg, "-role", "counter")
	waitCount(b, x.c, `"msg":"sync","component":"sync"`, 1, 120*time.Second)
	ks, kp, ke, ksl = soak(x, "counter", 0, soakSessions, func(i int) {
		x.counterTopUp(reader, badges[(i*7)%len(badges)])
		x.tap("Esci")
		x.waitText("Sportello mensa scolastica", 10*time.Second)
	})
	if soakRoles == "counter" {
		b.ReportMetric(floorAnon, "floor-anon-MiB")
		b.ReportMetric(kp/floorAnon, "counter-peak/floor")
		b.ReportMetric(ksl, "counter-MiB/1k-sessions")
		return
	}

	b.ReportMetric(floorAnon, "floor-anon-MiB")
	b.ReportMetric(cs, "canteen-start-MiB")
	b.ReportMetric(cp, "canteen-peak-MiB")
	b.ReportMetric(ce, "canteen-end-MiB")
	b.ReportMetric(csl, "canteen-MiB/1k-taps")
	b.ReportMetric(ks, "counter-start-MiB")
	b.ReportMetric(kp, "counter-peak-MiB")
	b.ReportMetric(ke, "counter-end-MiB")
	b.ReportMetric(ksl, "counter-MiB/1k-sessions")
	b.ReportMetric(cp/floorAnon, "canteen-peak/floor")
	b.ReportMetric(kp/floorAnon, "counter-peak/floor")
	b.Logf("goal: RssAnon <= 2x the floor (%.0f MiB): canteen peak %.2fx, counter peak %.2fx", 2*floorAnon, cp/floorAnon, kp/floorAnon)
}

func stopSoak(b *testing.B, x *xkiosk) {
	x.c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-x.c.done:
	case <-time.After(10 * time.Second):
		b.Fatalf("the kiosk did not stop:\n%s", x.c.log())
	}
}
