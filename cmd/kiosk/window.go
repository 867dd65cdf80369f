package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"mensakiosk/app"
	"mensakiosk/device/sound"
	"mensakiosk/storage"
	"mensakiosk/ui"
)

// runWindow runs the kiosk with its window until ctx ends or staff quit
// from staff mode (the window cannot be closed otherwise). A kiosk that
// cannot open its store still opens its window, with the error on screen:
// staff must see why nothing is recorded.
func runWindow(ctx context.Context, cfg Config, cc app.CanteenConfig, isDemo bool, log *slog.Logger) int {
	tr, err := ui.NewCatalogue(cfg.Language)
	if err != nil {
		log.Error("translations", "err", err)
		return 1
	}
	setScale(cfg, log)
	tuneGoMemory(log)
	// No application ID: the kiosk keeps no Fyne preferences (its own
	// settings are settings.go's), so Fyne neither loads, watches nor
	// rewrites a preferences file. With an ID it truncated and rewrote the
	// file at each exit while its own watcher read it back ("Preferences
	// load error: EOF" on stderr), and a kiosk killed mid-write left it
	// empty for the next start.
	a := fyneapp.NewWithID("")
	k := newKioskWindow(ctx, a, cfg, tr, isDemo, log)
	if testHook != nil {
		testHook(k)
	}
	k.start(cfg, cc)

	go k.tickLoop()
	go k.fontCacheLoop()
	go func() {
		<-ctx.Done()
		k.shutdown("signal")
	}()
	if uiFreezeHook != nil {
		go uiFreezeHook(ctx)
	}
	// The watchdog's pings run on the UI thread; one sent as the toolkit
	// stops finds it gone (fyne.Do then panics), and is dropped.
	svc := startServiceNotify(ctx, log, func(f func()) {
		defer func() { _ = recover() }()
		fyne.Do(f)
	})
	k.w.ShowAndRun()
	// Fyne returned: on our quit, or on its own (it also catches SIGINT
	// and SIGTERM). Either way the store is closed before the process ends.
	close(k.mainReturned)
	svc.stopping()
	k.shutdown("window closed")
	<-k.closed
	log.Info("stopped")
	return int(k.exitCode.Load())
}

// setScale chooses the scale the window runs at, before Fyne reads it:
// the configured one lowered to what the window holds (ui.KioskScale),
// with Fyne's own detection from the display's density turned off (it
// gives a 10" 1280×800 panel about 1.2, and the views no longer fit).
// FYNE_SCALE set by hand still wins.
func setScale(cfg Config, log *slog.Logger) {
	_ = os.Setenv("FYNE_DISABLE_DPI_DETECTION", "true")
	if v := os.Getenv("FYNE_SCALE"); v != "" {
		log.Info("window scale from FYNE_SCALE", "scale", v)
		return
	}
	sc := ui.KioskScale(cfg.Window.Width, cfg.Window.Height, cfg.Window.Scale)
	_ = os.Setenv("FYNE_SCALE", strconv.FormatFloat(float64(sc), 'f', 1, 32))
	log.Info("window scale", "scale", sc, "configured", cfg.Window.Scale, "width", cfg.Window.Width, "height", cfg.Window.Height)
}

// fyneGrace is how long the kiosk waits, after its store is closed, for
// Fyne's main loop to return before it exits without it: Fyne 2.7 can hang
// on quit (its main goroutine waits in WaitForEvents for a lifecycle event
// that is itself waiting for the main loop it has just drained), and a
// kiosk that keeps running without a window holds the database's lock.
const fyneGrace = time.Second

// quitToolkit asks Fyne's main loop to end. When Fyne has already ended it
// (it also quits on SIGINT and SIGTERM), fyne.Do runs Quit here, on a
// toolkit that is gone, and that panics: nothing is left to stop then.
func (k *kioskWindow) quitToolkit() {
	defer func() {
		if v := recover(); v != nil {
			k.log.Debug("window toolkit already stopped", "panic", fmt.Sprint(v))
		}
	}()
	fyne.Do(k.a.Quit)
}

// testHook is the end-to-end tests' window inspector (testhook.go, built
// with the e2ehook tag only); nil in the production binary.
var testHook func(k *kioskWindow)

// newKioskWindow makes the kiosk's window on a: the theme, the title, the
// size, and the close button refused.
func newKioskWindow(ctx context.Context, a fyne.App, cfg Config, tr *ui.Catalogue, isDemo bool, log *slog.Logger) *kioskWindow {
	a.Settings().SetTheme(ui.KioskTheme())
	title := tr.T("app.title")
	if cfg.Role == RoleCounter {
		title = tr.T("app.title.counter")
	}
	k := &kioskWindow{ctx: ctx, log: log, isDemo: isDemo, a: a, w: a.NewWindow(title), tr: tr,
		closed: make(chan struct{}), mainReturned: make(chan struct{})}
	// Quit only from staff mode: a pupil or a parent must not close the
	// kiosk (PRODUCT.md §4).
	k.w.SetCloseIntercept(k.closeRefused)
	k.w.SetFullScreen(cfg.Window.Fullscreen)
	// No margin around the screen: the views are made to fit the window's
	// whole size (ui's fit tests), and a padded window took 16 units of
	// it on each axis.
	k.w.SetPadded(false)
	if !cfg.Window.Fullscreen {
		k.w.Resize(fyne.NewSize(float32(cfg.Window.Width), float32(cfg.Window.Height)))
	}
	return k
}

// kioskWindow is the window and what runs in it: one core and the role's
// screen, rebuilt when staff change the settings, and the staff screen
// over them.
type kioskWindow struct {
	ctx    context.Context
	log    *slog.Logger
	isDemo bool
	a      fyne.App
	w      fyne.Window
	tr     *ui.Catalogue

	// cur is the running kiosk; hooks from the core's goroutines find it
	// through the atomic.
	cur atomic.Pointer[running]
	// restartMu serialises settings changes.
	restartMu sync.Mutex
	// clock is the kiosk's clock (tests); nil: the system's.
	clock app.Clock
	// closing is set once the kiosk is quitting: a settings restart then
	// starts nothing; closed is closed once the store is.
	closing      atomic.Bool
	shutdownOnce sync.Once
	closed       chan struct{}
	// mainReturned is closed when Fyne's main loop has returned.
	mainReturned chan struct{}
	// lastBadge is when a badge was last read (unix nanoseconds): the
	// font cache is emptied only while the reader is quiet.
	lastBadge atomic.Int64
	// exit ends the process when Fyne does not return (os.Exit; tests
	// replace it).
	exit func(code int)
	// exitCode is the process's status once the window is gone: 1 when
	// the display was lost, so a service manager sees a failure.
	exitCode atomic.Int32
	// closeStorm counts close requests (UI goroutine only).
	closeStorm closeStorm
	// noRefreshLoop: tests on Fyne's test driver, which runs fyne.Do on
	// the caller's goroutine, drive the screens from one goroutine only.
	noRefreshLoop bool
}

// running is one start of the kiosk: a configuration, its core and its
// screens.
type running struct {
	cfg     Config
	cc      app.CanteenConfig
	core    *core // nil when it could not start
	canteen *ui.CanteenScreen
	counter *ui.CounterScreen
	staff   *ui.StaffScreen
	// staffBackend is the staff screen's backend (tests drive it).
	staffBackend staffBackend
	// sound plays the canteen door's sounds (nil on a counter).
	sound *sound.Player
	// content is the role's screen as set in the window.
	content fyne.CanvasObject
	inStaff atomic.Bool
	// kick asks the refresher for the idle figures at once.
	kick chan struct{}
	stop chan struct{}
	// loops are the goroutines of this start; stop waits for them, so a
	// restart leaves nothing of the old kiosk running.
	loops sync.WaitGroup
}

// start builds the role's screen, starts the core and shows the screen.
func (k *kioskWindow) start(cfg Config, cc app.CanteenConfig) {
	r := &running{cfg: cfg, cc: cc, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	hooks := coreHooks{
		OnReader: func(s app.ReaderStatus) {
			if r.canteen != nil {
				r.canteen.PostReader(s)
			}
		},
		OnSync: func(s app.SyncStatus) { k.postSync(r, s) },
		Clock:  k.clock,
	}
	if cfg.Role == RoleCounter {
		hooks.OnBadge = func(id app.BadgeID) { k.counterBadge(r, id) }
	} else {
		r.canteen = ui.NewCanteenScreen(k.tr, ui.CanteenOptions{Location: cc.Location,
			ResultTimeout: time.Duration(cfg.Canteen.ResultSeconds * float64(time.Second))})
		r.content = r.canteen.Content()
		r.sound = newSoundPlayer(sound.Config{Volume: cfg.Canteen.SoundVolume, Command: cfg.Canteen.SoundCommand}, k.log)
		hooks.OnResult = func(res app.TapResult, err error) { k.tapResult(r, res, err) }
	}
	c, err := startCore(k.ctx, cfg, cc, k.isDemo, k.log, hooks)
	if err != nil {
		k.log.Error("cannot start", "err", err)
		if r.canteen == nil { // a counter that cannot start shows the canteen screen's error panel
			r.canteen = ui.NewCanteenScreen(k.tr, ui.CanteenOptions{Location: cc.Location})
			r.content = r.canteen.Content()
		}
		msg := err.Error()
		if errors.Is(err, storage.ErrCorrupt) { // what to do, in the kiosk's language, above the details
			msg = k.tr.T("error.database_damaged") + "\n\n" + msg
		}
		r.canteen.ShowStartupError(msg)
	} else {
		r.core = c
		if c.counter != nil {
			k.buildCounter(r)
		}
		r.staff = k.buildStaff(r)
		if c.demo != nil {
			r.content = c.demo.Panel(k.tr, r.content, r.canteen)
		}
	}
	r.content = k.withStaffCorner(r)
	// The screens are shown and filled before r is published: from then on
	// the hooks that read what was built after the core started
	// (postSync, counterBadge) update them from their own goroutines. A
	// status the sync engine reported before is replayed after publishing,
	// so the counter is not offline for a whole sync interval (its screen
	// catches up at the refresher's next round).
	k.show(r.content)
	if r.core != nil {
		k.refresh(r)
	}
	k.cur.Store(r)
	if r.core != nil && r.core.counter != nil {
		r.core.counter.SetOnline(r.core.link.Status().Online)
	}
	if r.core != nil {
		k.refreshOnMenu(r) // menu.go
		if !k.noRefreshLoop {
			r.loops.Add(1)
			go func() {
				defer r.loops.Done()
				k.refreshLoop(r)
			}()
		}
	}
}

// stop closes the running kiosk: its screens, then its core (the reader
// waits for the tap in progress; the store closes last).
func (k *kioskWindow) stop() {
	r := k.cur.Swap(nil)
	if r == nil {
		return
	}
	close(r.stop)
	r.loops.Wait()
	if r.canteen != nil {
		r.canteen.Close()
	}
	r.sound.Close()
	if r.counter != nil {
		r.counter.Close()
	}
	if r.core != nil {
		if err := r.core.Close(); err != nil {
			k.log.Error("shutdown", "err", err)
		}
	}
}

// show puts a screen in the window, in a wrapper that asks for no more
// than the window has: the window keeps its configured size whatever a
// view asks for (ui.WindowContent).
func (k *kioskWindow) show(o fyne.CanvasObject) {
	k.w.SetContent(ui.WindowContent(o))
}

// showing is the screen in the window.
func (k *kioskWindow) showing() fyne.CanvasObject {
	if c, ok := k.w.Content().(*fyne.Container); ok && len(c.Objects) == 1 {
		return c.Objects[0]
	}
	return k.w.Content()
}

// closeRefused answers the window manager's close button.
func (k *kioskWindow) closeRefused() {
	lost, log, n := k.closeStorm.add(time.Now())
	if lost {
		if log {
			k.log.Error("display connection lost: the window's compositor or X server is gone; stopping", "close_requests", n)
			k.exitCode.Store(1)
			k.shutdown("display lost")
		}
		return
	}
	if log {
		k.log.Warn("window close refused: quit from staff mode", "requests", n)
	}
	if r := k.cur.Load(); r != nil && r.canteen != nil && !r.inStaff.Load() {
		r.canteen.ShowError(k.tr.T("window.close_refused"))
	}
}

// quit ends the kiosk (from staff mode only). It runs on the UI
// goroutine, so it only starts the shutdown.
func (k *kioskWindow) quit() {
	k.log.Info("quit from staff mode")
	k.shutdown("staff")
}

// shutdown ends the kiosk, once, whoever asks first (staff's button, a
// signal, Fyne's own quit): on its own goroutine, never waiting for the UI
// goroutine (it may be the caller, or Fyne's loop may be gone), it closes
// the running kiosk (screens' timers, reader, sync, store), then asks Fyne
// to quit, and if Fyne's main loop has not returned fyneGrace later it
// exits the process: the store is closed by then.
func (k *kioskWindow) shutdown(why string) {
	k.shutdownOnce.Do(func() {
		k.closing.Store(true)
		go func() {
			start := time.Now()
			// A settings restart in progress finishes first (it runs on
			// the UI goroutine, or inline once Fyne's loop is gone); a
			// later one sees closing and starts nothing.
			locked := false
			for wait := time.Now().Add(fyneGrace); !locked && time.Now().Before(wait); {
				if locked = k.restartMu.TryLock(); !locked {
					time.Sleep(10 * time.Millisecond)
				}
			}
			k.stop()
			if locked {
				k.restartMu.Unlock()
			}
			k.log.Info("store closed", "why", why, "ms", time.Since(start).Milliseconds())
			close(k.closed)
			k.quitToolkit()
			select {
			case <-k.mainReturned:
			case <-time.After(fyneGrace):
				k.log.Warn("the window toolkit did not stop: exiting without it", "waited_ms", fyneGrace.Milliseconds())
				exit := k.exit
				if exit == nil {
					exit = os.Exit
				}
				exit(int(k.exitCode.Load()))
			}
		}()
	})
}

func (k *kioskWindow) postSync(r *running, s app.SyncStatus) {
	if r.canteen != nil {
		r.canteen.PostSync(s)
	}
	// r.core and r.counter are set after the sync engine started: read them
	// only once start has published r (it then replays the status).
	if k.cur.Load() != r {
		return
	}
	if r.counter != nil {
		if r.core != nil && r.core.counter != nil {
			r.core.counter.SetOnline(s.Online)
		}
		r.counter.PostSync(s)
	}
}

// tapResult routes a canteen tap's result: a staff badge opens staff mode,
// anything else goes to the canteen screen.
func (k *kioskWindow) tapResult(r *running, res app.TapResult, err error) {
	k.lastBadge.Store(time.Now().UnixNano())
	if err != nil {
		r.sound.Play(sound.Refused) // the meal is not recorded
		r.canteen.PostError(err.Error())
		return
	}
	r.sound.Play(sound.ForResult(res)) // never blocks: a full queue drops it
	if res.Outcome == app.OutcomeStaff && res.Staff != nil {
		st := *res.Staff
		fyne.Do(func() { k.enterStaff(r, &st) })
		return
	}
	r.canteen.PostResult(res)
	select { // the idle figures are refreshed off the reader's goroutine
	case r.kick <- struct{}{}:
	default: // a refresh is already due
	}
}

// counterBadge routes a badge read at the counter: a staff badge opens staff
// mode, a pupil's identifies the family.
func (k *kioskWindow) counterBadge(r *running, id app.BadgeID) {
	k.lastBadge.Store(time.Now().UnixNano())
	if k.cur.Load() != r || r.core == nil || r.counter == nil { // not started yet, or stopped
		return
	}
	if st, ok, err := r.core.staff.StaffByBadge(id); err != nil {
		k.log.Error("staff badge lookup", "err", err)
	} else if ok {
		fyne.Do(func() { k.enterStaff(r, &st) })
		return
	}
	r.counter.PostBadge(id)
}

// refreshLoop keeps the canteen's idle figures and sync line current.
func (k *kioskWindow) refreshLoop(r *running) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-r.stop:
			return
		case <-t.C:
			k.refresh(r)
		case <-r.kick:
			k.refresh(r)
		}
	}
}

func (k *kioskWindow) refresh(r *running) {
	c := r.core
	st, err := c.canteen.Idle()
	if err != nil {
		k.log.Error("idle status", "err", err)
		return
	}
	sy := c.syncStatus()
	sy.Waiting = st.Waiting
	if r.canteen != nil {
		r.canteen.PostIdle(st)
		r.canteen.PostSync(sy)
	}
	if r.counter != nil {
		r.counter.PostSync(sy)
	}
}

// tickLoop drives the screens' clocks once a second: the counter's idle
// wipe, staff mode's idle exit and lock countdown.
func (k *kioskWindow) tickLoop() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-t.C:
			fyne.Do(func() {
				r := k.cur.Load()
				if r == nil {
					return
				}
				if r.counter != nil {
					r.counter.Tick()
				}
				if r.staff != nil && r.inStaff.Load() {
					r.staff.Tick()
				}
			})
		}
	}
}
