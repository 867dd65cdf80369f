//go:build e2e

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The end-to-end tests drive the real binary as a user does: badge frames
// into its reader's pty, and clicks with xdotool (real X pointer events,
// through GLFW) at the widgets' positions. The positions come from the
// binary itself: built with the e2ehook tag (testhook.go, never in the
// production binary) it lists on a unix socket what its window shows, each
// object with its text and its rectangle in window pixels. So a test finds
// "Esci dal chiosco" where the layout really put it, at any size or scale,
// and a button that is off screen or hidden is reported as such instead of
// a click landing on something else.

// hookBinary is the kiosk built with cgo (GLFW), the inspector and the demo.
func hookBinary(t testing.TB) string { return kioskBinary(t, e2eTags, true) }

// artifactDir is where this run's screenshots are kept: bin/e2e-artifacts/
// <time> at the module's root (gitignored), or $E2E_ARTIFACTS.
var artifacts struct {
	once sync.Once
	dir  string
}

func artifactDir(t testing.TB) string {
	artifacts.once.Do(func() {
		d := os.Getenv("E2E_ARTIFACTS")
		if d == "" {
			d = filepath.Join("..", "..", "bin", "e2e-artifacts", time.Now().Format("20060102-150405"))
		}
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		artifacts.dir = d
		fmt.Fprintf(os.Stderr, "e2e artifacts (screenshots): %s\n", d)
	})
	return artifacts.dir
}

// xkiosk is a running kiosk window under test.
type xkiosk struct {
	t       testing.TB
	display string
	sock    string
	c       *child
	wid     string
	dataDir string
}

// startHooked starts the inspectable binary (hookBinary) with args on
// display, its data in dir and its inspector on a socket there named after
// role, and waits until it is ready and its window is mapped.
func startHooked(t testing.TB, display, dir, role string, env []string, args ...string) *xkiosk {
	t.Helper()
	sock := filepath.Join(dir, "hook-"+role+".sock")
	os.Remove(sock)
	c := startChild(t, hookBinary(t), append([]string{"DISPLAY=" + display, "LANG=it_IT.UTF-8", "MENSAKIOSK_TEST_SOCKET=" + sock}, env...), args...)
	c.waitReady(t)
	x := &xkiosk{t: t, display: display, sock: sock, c: c, dataDir: dir}
	x.window()
	return x
}

// startDemoWindow starts the demo kiosk in role on display, windowed at
// w×h (tune, when not nil, changes its configuration further), and waits
// for its first sync and a second more for the screen that follows.
func startDemoWindow(t testing.TB, display, role string, w, h int, tune func(*Config)) *xkiosk {
	t.Helper()
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.Window = windowSection{Fullscreen: false, Width: w, Height: h}
	if tune != nil {
		tune(&cfg)
	}
	x := startHooked(t, display, dir, role, nil, "-demo", "-config", saveConfig(t, dir, cfg), "-role", role, "-lang", "it")
	waitCount(t, x.c, `"msg":"sync","component":"sync"`, 1, 30*time.Second)
	time.Sleep(time.Second)
	return x
}

type hookObj struct {
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Disabled bool   `json:"disabled"`
	Tappable bool   `json:"tappable"`
	X, Y     int
	W, H     int
}

type hookScr struct {
	Width, Height int
	Scale         float32
	Objects       []hookObj
}

// xcmd runs an X client on the test's display.
func xcmd(t testing.TB, display string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// ask sends one command to the kiosk's inspector and decodes the answer.
func (x *xkiosk) ask(cmd string, v any) {
	x.t.Helper()
	var conn net.Conn
	var err error
	for range 100 {
		if conn, err = net.Dial("unix", x.sock); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		x.t.Fatalf("test hook: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintln(conn, cmd); err != nil {
		x.t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	if err != nil {
		x.t.Fatalf("test hook %q: %v", cmd, err)
	}
	if err := json.Unmarshal(line, v); err != nil {
		x.t.Fatalf("test hook %q: %v: %s", cmd, err, line)
	}
}

func (x *xkiosk) screen() hookScr {
	x.t.Helper()
	var s hookScr
	x.ask("screen", &s)
	return s
}

// find returns the first tappable object whose text is text (or, for
// prefix true, starts with it); failing that, a text drawn inside a
// tappable widget the inspector cannot name (a tab, a list row).
func (s hookScr) find(text string, prefix bool) (hookObj, bool) {
	match := func(o hookObj) bool { return o.Text == text || prefix && strings.HasPrefix(o.Text, text) }
	for _, o := range s.Objects {
		if o.Tappable && match(o) {
			return o, true
		}
	}
	for _, o := range s.Objects {
		if o.Kind == "canvas.Text" && match(o) {
			// The innermost such widget: a pop-up's list item, not the
			// pop-up around it (a touch outside its list closes it).
			var best *hookObj
			for _, p := range s.Objects {
				if p.Tappable && p.Text == "" && p.X <= o.X && p.Y <= o.Y && p.X+p.W >= o.X+o.W && p.Y+p.H >= o.Y+o.H &&
					(best == nil || p.W*p.H < best.W*best.H) {
					best = &p
				}
			}
			if best != nil {
				return *best, true
			}
		}
	}
	return hookObj{}, false
}

// has says whether some object shows text (or starts with it).
func (s hookScr) has(text string) bool {
	for _, o := range s.Objects {
		if strings.HasPrefix(o.Text, text) {
			return true
		}
	}
	return false
}

// texts lists what the screen says, for failure messages.
func (s hookScr) texts() string {
	var out []string
	for _, o := range s.Objects {
		if o.Text != "" && (o.Tappable || o.Kind == "widget.Label" || o.Kind == "widget.RichText") {
			out = append(out, strconv.Quote(o.Text))
		}
	}
	return strings.Join(out, " ")
}

// window finds the kiosk's X window (by its process id).
func (x *xkiosk) window() string {
	x.t.Helper()
	if x.wid != "" {
		return x.wid
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(x.c.cmd.Process.Pid))
		cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
		if out, err := cmd.Output(); err == nil {
			if f := strings.Fields(string(out)); len(f) > 0 {
				x.wid = f[len(f)-1]
				return x.wid
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	x.t.Fatalf("no X window for the kiosk:\n%s", x.c.log())
	return ""
}

// geometry is the window's size in pixels, from the X server.
func (x *xkiosk) geometry() (w, h int) {
	x.t.Helper()
	out := xcmd(x.t, x.display, "xdotool", "getwindowgeometry", "--shell", x.window())
	for _, l := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(l, "WIDTH="); ok {
			w, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(l, "HEIGHT="); ok {
			h, _ = strconv.Atoi(v)
		}
	}
	return w, h
}

// click presses and releases the pointer at (px, py) in the window.
func (x *xkiosk) clickAt(px, py int) {
	x.t.Helper()
	xcmd(x.t, x.display, "xdotool", "mousemove", "--window", x.window(), strconv.Itoa(px), strconv.Itoa(py), "click", "1")
}

// tap finds a tappable object by its text, waiting for it to appear and be
// enabled, checks it lies inside the window, and clicks its centre.
func (x *xkiosk) tap(text string) {
	x.t.Helper()
	x.tapMatch(text, false)
}

func (x *xkiosk) tapMatch(text string, prefix bool) {
	x.t.Helper()
	var s hookScr
	deadline := time.Now().Add(10 * time.Second)
	for {
		s = x.screen()
		if o, ok := s.find(text, prefix); ok && !o.Disabled {
			cx, cy := o.X+o.W/2, o.Y+o.H/2
			w, h := x.geometry()
			if cx < 0 || cy < 0 || cx >= w || cy >= h {
				x.t.Fatalf("%q is at (%d,%d), outside the %dx%d window", text, cx, cy, w, h)
			}
			x.clickAt(cx, cy)
			time.Sleep(150 * time.Millisecond) // the tap's handler runs, the frame is drawn
			return
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("no enabled %q on screen; it shows: %s", text, s.texts())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitText waits until some object shows text (or a text starting with it).
func (x *xkiosk) waitText(text string, within time.Duration) {
	x.t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := x.screen()
		for _, o := range s.Objects {
			if strings.HasPrefix(o.Text, text) {
				return
			}
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("no %q on screen within %v; it shows: %s", text, within, s.texts())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// resize asks the X server for a new window size.
func (x *xkiosk) resize(w, h int) {
	x.t.Helper()
	xcmd(x.t, x.display, "xdotool", "windowsize", x.window(), strconv.Itoa(w), strconv.Itoa(h))
}

// shot saves a screenshot of the window as an artifact and checks that it
// is not blank: the main area (left of the demo panel, above the footer)
// and the whole window each show several colours, and the window has the
// size it was configured with.
func (x *xkiosk) shot(name string, wantW, wantH int) image.Image {
	x.t.Helper()
	time.Sleep(250 * time.Millisecond) // the frame after the last change is drawn
	path := filepath.Join(artifactDir(x.t), name+".png")
	img := screenshotWindow(x.t, x.display, x.window(), path)
	w, h := x.geometry()
	if w != wantW || h != wantH {
		x.t.Errorf("%s: the window is %dx%d, configured %dx%d (%s)", name, w, h, wantW, wantH, path)
		// Force the size back, as staff would, so the walk can go on.
		x.resize(wantW, wantH)
		time.Sleep(500 * time.Millisecond)
	}
	b := img.Bounds()
	if n := colours(img, b); n < 8 {
		x.t.Errorf("%s: the window shows %d colours: blank (%s)", name, n, path)
	}
	main := image.Rect(b.Min.X, b.Min.Y+b.Dy()/8, b.Min.X+b.Dx()*3/4, b.Min.Y+b.Dy()*3/4)
	if f := foreground(img, main); f < 0.002 {
		x.t.Errorf("%s: the main area is blank (%.3f%% of its pixels differ from the background) (%s)", name, f*100, path)
	}
	return img
}

// screenshotWindow takes a picture of one X window ("root": the display).
func screenshotWindow(t testing.TB, display, wid, path string) image.Image {
	t.Helper()
	cmd := exec.Command("import", "-display", display, "-window", wid, "png:"+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	return readPNG(t, path)
}

// colours counts the distinct colours in r (quantised to 5 bits).
func colours(img image.Image, r image.Rectangle) int {
	seen := map[uint32]bool{}
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[cr>>11<<10|cg>>11<<5|cb>>11] = true
		}
	}
	return len(seen)
}

// foreground is the share of r's pixels that differ from r's most common
// colour (its background).
func foreground(img image.Image, r image.Rectangle) float64 {
	counts := map[uint32]int{}
	total := 0
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			counts[cr>>11<<10|cg>>11<<5|cb>>11]++
			total++
		}
	}
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	if total == 0 {
		return 0
	}
	return float64(total-most) / float64(total)
}
