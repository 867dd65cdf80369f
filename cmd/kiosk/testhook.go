//go:build e2ehook

// The end-to-end tests' window inspector, built only with the e2ehook tag
// (never in the production binary): on a unix socket named by
// MENSAKIOSK_TEST_SOCKET it lists what is on screen, with each object's
// text and its position in the window in pixels, so that a test can click
// where a widget really is with xdotool (real X input through GLFW), and
// it writes heap profiles for the memory soak.

package main

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	_ "unsafe" // go:linkname

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// fyneOverrideCount is Fyne's count of the theme-override scopes it ever
// made (each one parses the fonts again: fontcache.go); the soak prints it.
//
//go:linkname fyneOverrideCount fyne.io/fyne/v2/internal/cache.overrideCount
var fyneOverrideCount atomic.Uint32

// widgetRenderer is Fyne's renderer cache: a widget's drawn children.
//
//go:linkname widgetRenderer fyne.io/fyne/v2/internal/cache.Renderer
func widgetRenderer(wid fyne.Widget) fyne.WidgetRenderer

func init() { testHook = serveTestHook }

// hookObject is one visible object: its kind, its text and its rectangle
// in window pixels.
type hookObject struct {
	Kind     string `json:"kind"`
	Text     string `json:"text,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
	Tappable bool   `json:"tappable,omitempty"`
	X        int    `json:"x"`
	Y        int    `json:"y"`
	W        int    `json:"w"`
	H        int    `json:"h"`
}

type hookScreen struct {
	Width   int          `json:"width"`
	Height  int          `json:"height"`
	Scale   float32      `json:"scale"`
	Objects []hookObject `json:"objects"`
}

func serveTestHook(k *kioskWindow) {
	if os.Getenv("MENSAKIOSK_TEST_STUCK_TOOLKIT") != "" {
		// Fault injection: Fyne's quit never returns, as when its main
		// goroutine waits in WaitForEvents for a lifecycle event that waits
		// for the main loop (seen once in three quits after a long
		// session). The kiosk must still close its store and end.
		k.a.Lifecycle().SetOnStopped(func() { select {} })
	}
	path := os.Getenv("MENSAKIOSK_TEST_SOCKET")
	if path == "" {
		return
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		k.log.Error("test hook", "err", err)
		return
	}
	k.log.Info("test hook listening", "socket", path)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go k.serveHookConn(conn)
		}
	}()
}

func (k *kioskWindow) serveHookConn(conn net.Conn) {
	defer conn.Close()
	sc := bufio.NewScanner(conn)
	enc := json.NewEncoder(conn)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		var out any
		switch cmd {
		case "screen":
			var s hookScreen
			fyne.DoAndWait(func() { s = k.screenObjects() })
			out = s
		case "gc":
			runtime.GC()
			debug.FreeOSMemory()
			out = "ok"
		case "heap":
			runtime.GC()
			f, err := os.Create(arg)
			if err == nil {
				err = pprof.WriteHeapProfile(f)
				f.Close()
			}
			out = errText(err)
		case "memstats":
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			out = map[string]uint64{"heap_alloc": m.HeapAlloc, "heap_inuse": m.HeapInuse, "heap_sys": m.HeapSys,
				"stack_inuse": m.StackInuse, "heap_released": m.HeapReleased, "sys": m.Sys, "num_gc": uint64(m.NumGC), "goroutines": uint64(runtime.NumGoroutine())}
			// The C heap (glibc): Mesa's textures live there.
			out.(map[string]uint64)["c_in_use"], out.(map[string]uint64)["c_free"], out.(map[string]uint64)["c_mapped"] = cHeapStats()
			out.(map[string]uint64)["theme_scopes"] = uint64(fyneOverrideCount.Load())
		case "trim":
			trimCHeap()
			out = "ok"
		default:
			out = "unknown command " + cmd
		}
		if err := enc.Encode(out); err != nil {
			return
		}
	}
}

func errText(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// screenObjects walks what the window shows (content, then overlays), on
// the UI goroutine.
func (k *kioskWindow) screenObjects() hookScreen {
	c := k.w.Canvas()
	sc := c.Scale()
	s := hookScreen{Width: int(c.Size().Width * sc), Height: int(c.Size().Height * sc), Scale: sc}
	var walk func(o fyne.CanvasObject, at fyne.Position)
	walk = func(o fyne.CanvasObject, at fyne.Position) {
		if o == nil || !o.Visible() {
			return
		}
		p := at.Add(o.Position())
		add := func(text string, disabled bool) {
			_, tap := o.(fyne.Tappable)
			s.Objects = append(s.Objects, hookObject{Kind: strings.TrimPrefix(reflect.TypeOf(o).String(), "*"), Text: text,
				Disabled: disabled, Tappable: tap,
				X: int(p.X * sc), Y: int(p.Y * sc), W: int(o.Size().Width * sc), H: int(o.Size().Height * sc)})
		}
		switch v := o.(type) {
		case *widget.Button:
			add(v.Text, v.Disabled())
		case *widget.Label:
			add(v.Text, false)
		case *widget.RichText:
			add(v.String(), false)
		case *canvas.Text:
			add(v.Text, false)
		case *widget.Entry:
			add(v.Text, v.Disabled())
		case *widget.Check:
			add(v.Text, v.Disabled())
		case *widget.Select:
			add(v.Selected, v.Disabled())
		case fyne.Tappable:
			add("", false)
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, ch := range v.Objects {
				walk(ch, p)
			}
		case fyne.Widget:
			if r := widgetRenderer(v); r != nil {
				for _, ch := range r.Objects() {
					walk(ch, p)
				}
			}
		}
	}
	walk(c.Content(), fyne.Position{})
	for _, o := range c.Overlays().List() {
		walk(o, fyne.Position{})
	}
	return s
}
