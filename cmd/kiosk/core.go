package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
	"mensakiosk/device"
	"mensakiosk/internal/logagg"
	"mensakiosk/storage"
)

// core is the kiosk without its window: store, canteen rules, staff mode,
// the counter's use case (counter role), badge reader, sync. The window
// (window.go) and the headless mode both run on it.
type core struct {
	cfg     Config
	log     *slog.Logger
	store   *storage.Store
	canteen *app.Canteen
	staff   *app.StaffMode
	// counter is the counter role's use case (nil on a canteen kiosk).
	counter *app.Counter
	reader  *device.Supervisor
	// rejects counts the reader's rejected frames: garbage on the line
	// (a stranger's device, a loose cable) is logged at most once a
	// readerLogInterval, with counts by reason and a few examples.
	rejects *logagg.Aggregator
	// logClock is the clock of the bounded logs (nil: the wall clock).
	logClock logagg.Clock
	// clockBehind is set when the clock at start was earlier than the
	// newest stored event (app.CheckClock); the screens warn.
	clockBehind *app.ClockBehind
	// demo is what demo mode adds (nil outside it; see demokit.go).
	demo demoKit
	// link is the link to the central server (nil: standalone).
	link *syncLink
	// menu is the menu and calendar the screens and rules read (menu.go).
	menu    *app.MenuBook
	menuLoc *time.Location

	mu       sync.Mutex
	onResult func(app.TapResult, error)
	onReader func(app.ReaderStatus)
	onBadge  func(app.BadgeID)
}

// coreHooks receive what the core produces, from its goroutines.
type coreHooks struct {
	// OnResult gets each tap's result (or the error that kept it from being
	// recorded), after the commit.
	OnResult func(app.TapResult, error)
	// OnReader gets the reader's state changes.
	OnReader func(app.ReaderStatus)
	// OnStoreCheck gets the background consistency check's outcome.
	OnStoreCheck func(error)
	// OnSync gets the sync engine's state after each change.
	OnSync func(app.SyncStatus)
	// OnBadge gets each badge read on a counter kiosk (identification, or
	// a staff badge); the canteen rules do not run there.
	OnBadge func(app.BadgeID)
	// LogClock, if set, is the clock of the bounded logs (tests).
	LogClock logagg.Clock
	// Clock, if set, is the kiosk's clock (tests); nil: the system's.
	Clock app.Clock
}

// readerLogInterval is how often, at most, the reader's rejected frames
// are logged.
const readerLogInterval = time.Minute

// dbFile is the database's file name in the data directory.
func dbFile(cfg Config, isDemo bool) string {
	if isDemo {
		return filepath.Join(cfg.DataDir, "demo.db")
	}
	return filepath.Join(cfg.DataDir, "kiosk.db")
}

// startCore opens the store, seeds the demo when asked, and starts the
// reader. It returns a clear error when the store cannot be used; the
// caller shows it.
func startCore(ctx context.Context, cfg Config, cc app.CanteenConfig, isDemo bool, log *slog.Logger, hooks coreHooks) (*core, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := dbFile(cfg, isDemo)
	st, err := storage.Open(path, storage.Options{Log: log, OnCheck: hooks.OnStoreCheck})
	if err != nil {
		return nil, err
	}
	c := &core{cfg: cfg, log: log, store: st, onResult: hooks.OnResult, onReader: hooks.OnReader, onBadge: hooks.OnBadge, logClock: hooks.LogClock}
	ok := false
	defer func() {
		if !ok {
			c.Close()
		}
	}()
	var clock app.Clock = app.SystemClock{}
	if hooks.Clock != nil {
		clock = hooks.Clock
	}
	// A clock earlier than the newest event stored went backwards: offline
	// meals would carry a wrong time. Said in the log and on the screens.
	if newest, err := st.NewestEventTime(); err != nil {
		return nil, err
	} else if cb := app.CheckClock(clock.Now(), newest); cb != nil {
		c.clockBehind = cb
		log.Warn("the clock is behind the newest stored event: set the date and time, then restart the kiosk",
			"now", cb.Now, "newest_event", cb.Newest, "behind", cb.By().Round(time.Second).String())
	}
	if isDemo {
		if c.demo, err = startDemo(ctx, c, cc, clock.Now()); err != nil {
			return nil, err
		}
	}
	if empty, err := st.Empty(); err != nil {
		return nil, err
	} else if empty {
		log.Warn("the roster is empty: every badge will be unknown until the kiosk is synced", "db", path)
	}
	if c.canteen, err = app.NewCanteen(st, clock, cc, log); err != nil {
		return nil, err
	}
	c.loadMenu(cc.Location) // menu.go
	sc := cfg.Staff
	if c.staff, err = app.NewStaffMode(st, clock, app.StaffConfig{MaxTries: sc.MaxTries,
		LockBase: time.Duration(sc.LockSeconds) * time.Second, IdleTimeout: time.Duration(sc.IdleSeconds) * time.Second},
		pinhash.Verify); err != nil {
		return nil, err
	}
	onSync := func(app.SyncStatus) {}
	if hooks.OnSync != nil {
		onSync = func(s app.SyncStatus) {
			s.ClockBehind = c.clockBehind
			hooks.OnSync(s)
		}
	}
	if c.link, err = startSync(ctx, c, log, onSync); err != nil {
		if isDemo {
			return nil, err
		}
		// Meals are still recorded and kept for when the link is fixed: a
		// configuration mistake must not stop the canteen.
		log.Error("central server link not started: meals are kept until it is fixed", "err", err)
		c.link = &syncLink{startErr: err}
		onSync(c.link.Status())
	}
	if cfg.Role == RoleCounter {
		if c.counter, err = newCounter(c, cc.Location, clock, log); err != nil {
			return nil, err
		}
		c.counter.SetMenuBook(c.menu)
	}
	if err := c.startReader(ctx); err != nil {
		return nil, err
	}
	ok = true
	log.Info("ready", "kiosk_id", cc.KioskID, "db", path, "epoch", st.Epoch(), "reader", c.cfg.Reader.Port, "format", c.cfg.Reader.Format, "demo", isDemo)
	return c, nil
}

// syncStatus is the link's status with what the core adds to it (a
// clock found behind at start).
func (c *core) syncStatus() app.SyncStatus {
	s := c.link.Status()
	s.ClockBehind = c.clockBehind
	return s
}

func (c *core) startReader(ctx context.Context) error {
	rc := c.cfg.Reader
	if rc.Port == "" {
		c.reportReader(app.ReaderStatus{State: app.ReaderNone, Since: time.Now()})
		c.log.Warn("no badge reader configured")
		return nil
	}
	opts := []logagg.Option{logagg.WithMessage("reader frames rejected")}
	if c.logClock != nil {
		opts = append(opts, logagg.WithClock(c.logClock))
	}
	c.rejects = logagg.New(c.log, readerLogInterval, 3, opts...)
	sup, err := device.Start(ctx, device.Config{
		Path: rc.Port, Baud: rc.Baud, Format: rc.Format, Numbering: device.Numbering(rc.Numbering),
		OnState: func(s device.Status) {
			if s.State != device.StateStopped {
				c.reportReader(s.ReaderStatus())
			}
		},
		OnFrame: func(f device.LoggedFrame) {
			if !f.Accepted() {
				raw := f.Raw
				if len(raw) > 32 {
					raw = raw[:32]
				}
				c.rejects.Add(f.Reason, fmt.Sprintf("%x", raw))
			}
		},
		// The rules run on the reader's goroutine: taps at one door are
		// handled one at a time anyway, and a hand-off costs latency.
		OnTap: func(t device.Tap) { c.handleTap(ctx, t.ID) },
	})
	if err != nil {
		return err
	}
	c.reader = sup
	return nil
}

// handleTap runs the canteen rules for one badge and hands the result on.
// On a counter kiosk the badge identifies a family (or a staff member)
// instead: it goes to OnBadge.
func (c *core) handleTap(ctx context.Context, id app.BadgeID) {
	if c.counter != nil {
		c.mu.Lock()
		f := c.onBadge
		c.mu.Unlock()
		if f != nil {
			f(id)
		}
		return
	}
	r, err := c.canteen.Tap(ctx, id)
	if err != nil {
		c.log.Error("tap not recorded", "badge", string(id), "err", err)
	} else if r.Outcome != app.OutcomeIgnored {
		c.log.Debug("tap", "outcome", r.Outcome.String())
	}
	if r.Outcome == app.OutcomeIgnored && err == nil {
		return
	}
	if r.Outcome == app.OutcomeServed {
		c.link.Kick()
	}
	c.mu.Lock()
	f := c.onResult
	c.mu.Unlock()
	if f != nil {
		f(r, err)
	}
}

func (c *core) reportReader(s app.ReaderStatus) {
	c.mu.Lock()
	f := c.onReader
	c.mu.Unlock()
	if s.State == app.ReaderDisconnected {
		c.log.Warn("badge reader disconnected", "port", s.Port, "err", s.Err)
	} else {
		c.log.Info("badge reader", "state", s.State.String(), "port", s.Port)
	}
	if f != nil {
		f(s)
	}
}

// demoURL is the address of the demo's embedded server, "" outside the
// demo.
func (c *core) demoURL() string {
	if c.demo == nil {
		return ""
	}
	u, _ := c.demo.Central()
	return u
}

// demoPort is the demo reader's pseudo-terminal, "" outside the demo.
func (c *core) demoPort() string {
	if c.demo == nil {
		return ""
	}
	return c.demo.ReaderPort()
}

// Close stops the reader (waiting for the tap in progress) and closes the
// store. Safe on a partly started core.
func (c *core) Close() error {
	if c.reader != nil {
		c.reader.Stop()
	}
	if c.rejects != nil {
		c.rejects.Close() // what was counted since the last line
	}
	var errs []error
	errs = append(errs, c.link.Close())
	if c.demo != nil {
		errs = append(errs, c.demo.Close())
	}
	if c.store != nil {
		errs = append(errs, c.store.Close())
	}
	return errors.Join(errs...)
}
