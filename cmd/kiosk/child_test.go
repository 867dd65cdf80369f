package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/device"
	"mensakiosk/storage"
)

// buildKiosk builds the real kiosk binary once per test run. Without the
// e2e tag it is built like the fast loop (no cgo, Fyne's software driver),
// which is all -headless needs.
var builds struct {
	sync.Mutex
	paths map[string]string
}

// kioskBinary builds the kiosk with the given tags, with or without cgo (the
// real GLFW driver needs cgo and X11 headers), once per test binary.
func kioskBinary(t testing.TB, tags string, cgo bool) string {
	t.Helper()
	builds.Lock()
	defer builds.Unlock()
	key := fmt.Sprint(tags, cgo)
	if p, ok := builds.paths[key]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "mensakiosk-bin-")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kiosk")
	cmd := exec.Command("go", "build", "-tags", tags, "-o", path, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if cgo {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if builds.paths == nil {
		builds.paths = map[string]string{}
	}
	builds.paths[key] = path
	return path
}

// benchSurnames are common Italian surnames: a staff search for "ros"
// finds one pupil in twenty, as in a real school.
var benchSurnames = []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
	"Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti"}

// testRoster makes n pupils, each with one badge, in families of two, with
// money enough for everyone.
func testRoster(n int, day app.Day) (app.Roster, []app.BadgeID) {
	var r app.Roster
	var ids []app.BadgeID
	for i := range n {
		acc := app.AccountID(fmt.Sprintf("A%06d", i/2))
		if i%2 == 0 {
			r.Accounts = append(r.Accounts, app.Account{ID: acc, Balance: 100000, BalanceAsOf: time.Now().UTC()})
		}
		p := app.Pupil{ID: app.PupilID(fmt.Sprintf("P%06d", i)), AccountID: acc, FirstName: "Nome", LastName: benchSurnames[i%len(benchSurnames)],
			School: "Scuola", Class: fmt.Sprintf("%dA", 1+i%5), MealPrice: 450, FeeBand: "B",
			Weekdays: []time.Weekday{1, 2, 3, 4, 5}}
		if i%10 == 0 {
			p.Diet = &app.Diet{Code: "GLUT", Name: "Senza glutine", Allergens: []string{"glutine"}}
		}
		id := app.BadgeID(fmt.Sprintf("1C%08X", 0x100000+i))
		r.Pupils = append(r.Pupils, p)
		r.Badges = append(r.Badges, app.Badge{ID: id, PupilID: p.ID})
		ids = append(ids, id)
	}
	return r, ids
}

// seedDB writes a roster into a fresh kiosk database in dir.
func seedDB(t testing.TB, dir string, r app.Roster) string {
	t.Helper()
	path := filepath.Join(dir, "kiosk.db")
	s, err := storage.Open(path, storage.Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	return path
}

// headlessBinary is the headless kiosk (no cgo) for the tests that run it
// as a process; they skip in -short.
func headlessBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the kiosk binary (not in -short)")
	}
	return kioskBinary(t, "ci,migrated_fynedo", false)
}

// virtualReader is an RDM6300 reader on a pseudo-terminal in dir, closed
// at cleanup.
func virtualReader(t testing.TB, dir string) *device.VirtualReader {
	t.Helper()
	r, err := device.NewVirtualReader("rdm6300", filepath.Join(dir, "reader"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// writeConfig writes a kiosk configuration serving all day.
func writeConfig(t testing.TB, dir, port string) string {
	t.Helper()
	return saveConfig(t, dir, testConfig(dir, port))
}

// testConfig is the configuration of the process tests: kiosk-test, its
// data in dir, its reader on port, the canteen open all day, windowed.
func testConfig(dir, port string) Config {
	cfg := DefaultConfig()
	cfg.KioskID = "kiosk-test"
	cfg.DataDir = dir
	cfg.Reader.Port = port
	cfg.Canteen.WindowStart, cfg.Canteen.WindowEnd = "00:00", "24:00"
	cfg.Canteen.Debounce = "2s"
	cfg.Window.Fullscreen = false
	return cfg
}

// saveConfig writes cfg to dir/kiosk.json and returns the file's path.
func saveConfig(t testing.TB, dir string, cfg Config) string {
	t.Helper()
	b, _ := json.MarshalIndent(cfg, "", "  ")
	path := filepath.Join(dir, "kiosk.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// logLine is one JSON log line of the kiosk.
type logLine struct {
	Msg     string `json:"msg"`
	EventID string `json:"event_id"`
	Seq     uint64 `json:"seq"`
	PupilID string `json:"pupil_id"`
	KioskID string `json:"kiosk_id"`
	Err     string `json:"err"`
	Level   string `json:"level"`
	State   string `json:"state"`
}

// child is a running kiosk process whose log is parsed as it comes.
type child struct {
	cmd       *exec.Cmd
	ready     chan struct{} // the "ready" line
	connected chan struct{} // the reader's first "connected" line
	done      chan struct{}

	mu    sync.Mutex
	meals []logLine
	lines []string
}

func startChild(t testing.TB, bin string, env []string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, args...), ready: make(chan struct{}), connected: make(chan struct{}), done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), env...)
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stdout = io.Discard
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // a test that fails half-way leaves no kiosk behind
		c.cmd.Process.Kill()
		<-c.done
	})
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stderr)
		readyClosed, connClosed := false, false
		for sc.Scan() {
			line := sc.Text()
			var l logLine
			_ = json.Unmarshal([]byte(line), &l)
			c.mu.Lock()
			c.lines = append(c.lines, line)
			if l.Msg == "meal recorded" {
				c.meals = append(c.meals, l)
			}
			c.mu.Unlock()
			if l.Msg == "ready" && !readyClosed {
				close(c.ready)
				readyClosed = true
			}
			if l.Msg == "badge reader" && l.State == "connected" && !connClosed {
				close(c.connected)
				connClosed = true
			}
		}
		c.cmd.Wait()
	}()
	return c
}

// waitReady waits for the kiosk's "ready" line and its reader's first
// "connected" line: then a frame written is a tap.
func (c *child) waitReady(t testing.TB) {
	t.Helper()
	for _, ch := range []chan struct{}{c.ready, c.connected} {
		select {
		case <-ch:
		case <-c.done:
			t.Fatalf("kiosk exited before ready:\n%s", c.log())
		case <-time.After(60 * time.Second):
			t.Fatalf("kiosk not ready after 60 s:\n%s", c.log())
		}
	}
}

func (c *child) log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

func (c *child) recorded() []logLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]logLine(nil), c.meals...)
}

// waitMeals waits until the child has logged n meals.
func (c *child) waitMeals(t testing.TB, n int, within time.Duration) []logLine {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if m := c.recorded(); len(m) >= n {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("kiosk logged %d meals, want %d:\n%s", len(c.recorded()), n, c.log())
	return nil
}

func readMeals(t testing.TB, path string) []app.Meal {
	t.Helper()
	s, err := storage.Open(path, storage.Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ms []app.Meal
	if err := s.ForEachMeal(func(m app.Meal) error { ms = append(ms, m); return nil }); err != nil {
		t.Fatal(err)
	}
	return ms
}
