package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/ui"
)

// runWindow runs the kiosk with its window until the window closes or ctx
// ends. A kiosk that cannot open its store still opens its window, with the
// error on screen: staff must see why nothing is recorded.
func runWindow(ctx context.Context, cfg Config, cc app.CanteenConfig, isDemo bool, log *slog.Logger) int {
	tr, err := ui.NewCatalogue(cfg.Language)
	if err != nil {
		log.Error("translations", "err", err)
		return 1
	}
	a := fyneapp.NewWithID("it.mensakiosk.kiosk")
	a.Settings().SetTheme(ui.KioskTheme())
	w := a.NewWindow(tr.T("app.title"))
	screen := ui.NewCanteenScreen(tr, ui.CanteenOptions{Location: cc.Location,
		ResultTimeout: time.Duration(cfg.Canteen.ResultSeconds * float64(time.Second))})
	w.SetContent(screen.Content())
	w.SetFullScreen(cfg.Window.Fullscreen)
	w.Resize(fyne.NewSize(float32(cfg.Window.Width), float32(cfg.Window.Height)))

	// The core's hooks may fire (a tap, from the reader's goroutine) before
	// startCore has returned here: they find the core through an atomic.
	var started atomic.Pointer[core]
	kick := make(chan struct{}, 1)
	refresh := func() {
		c := started.Load()
		if c == nil {
			return
		}
		st, err := c.canteen.Idle()
		if err != nil {
			log.Error("idle status", "err", err)
			return
		}
		screen.PostIdle(st)
		sy := c.link.Status()
		sy.Waiting = st.Waiting
		screen.PostSync(sy)
	}
	c, err := startCore(ctx, cfg, cc, isDemo, log, coreHooks{
		OnResult: func(r app.TapResult, err error) {
			if err != nil {
				screen.PostError(err.Error())
				return
			}
			screen.PostResult(r)
			select { // the idle figures are refreshed off the reader's goroutine
			case kick <- struct{}{}:
			default: // a refresh is already due
			}
		},
		OnReader: screen.PostReader,
		OnSync:   screen.PostSync,
		OnStoreCheck: func(err error) {
			if err != nil {
				log.Error("database check failed: call for support", "err", err)
				screen.PostStartupError(err.Error())
			}
		},
	})
	if err != nil {
		log.Error("cannot start", "err", err)
		screen.ShowStartupError(err.Error())
	} else {
		started.Store(c)
		defer c.Close()
		if c.demoReader != nil {
			screen.SetSidePanel(demoPanel(tr, c, log).Content())
		}
		refresh()
		go func() {
			t := time.NewTicker(15 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					refresh()
				case <-kick:
					refresh()
				}
			}
		}()
	}
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	screen.Close()
	log.Info("stopped")
	return 0
}

// demoPanel builds the demo reader panel: one button per demo badge, plus an
// unknown badge and a garbled frame; a tap writes the frame into the demo
// reader's pseudo-terminal.
func demoPanel(tr *ui.Catalogue, c *core, log *slog.Logger) *ui.DemoPanel {
	format := c.demoReader.Format()
	frame := func(id app.BadgeID) []byte {
		b, err := format.Encode(id)
		if err != nil {
			panic(fmt.Sprintf("demo badge %s: %v", id, err)) // demo data is ours
		}
		return b
	}
	entries := []ui.DemoEntry{ui.DemoUnknown(frame(demo.UnknownBadge)), ui.DemoGarbled(garble(frame(demo.UnknownBadge))),
		ui.DemoUnplug(), ui.DemoReplug()}
	if c.link != nil && c.link.demoProxy != nil {
		entries = append(entries, ui.DemoNetCut(), ui.DemoNetRestore())
	}
	for _, b := range c.demoBadges {
		e := ui.DemoEntry{Label: b.FirstName + " " + b.Initial + " " + b.Class, Frame: frame(b.ID)}
		for _, t := range []struct {
			on  bool
			tag ui.DemoTag
		}{{b.Diet, ui.DemoTagDiet}, {b.Blocked, ui.DemoTagBlocked}, {b.Bland, ui.DemoTagBland},
			{b.Cancelled, ui.DemoTagCancelled}, {b.LowBalance, ui.DemoTagLowBalance}, {b.Negative, ui.DemoTagNegative}} {
			if t.on {
				e.Tags = append(e.Tags, t.tag)
			}
		}
		entries = append(entries, e)
	}
	return ui.NewDemoPanel(tr, entries, func(e ui.DemoEntry) {
		go func() {
			var err error
			switch {
			case e.Is(ui.DemoTagUnplug):
				err = c.demoReader.Unplug()
			case e.Is(ui.DemoTagReplug):
				err = c.demoReader.Plug()
			case e.Is(ui.DemoTagNetCut):
				c.link.SetNetwork(false)
			case e.Is(ui.DemoTagNetRestore):
				c.link.SetNetwork(true)
			default:
				_, err = c.demoReader.Write(e.Frame)
			}
			if err != nil {
				log.Error("demo reader", "err", err)
			}
		}()
	})
}

// garble corrupts a frame's checksum: the decoder must reject it.
func garble(f []byte) []byte {
	g := append([]byte(nil), f...)
	if len(g) > 4 {
		g[len(g)-2] ^= 0x01 // a checksum digit (the byte before ETX)
	}
	return g
}
