package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The menu and the calendar travel beside the roster's deltas: after each
// pull the sync engine asks the server for the span of days the kiosk
// shows (MenuSpan), sending the version it holds; the server answers
// "unchanged" or the whole span. What it gets is stored (offline-capable,
// with its as-of time) and handed to the MenuBook the screens read.

// MenuDaysBefore and MenuDaysAfter bound the span a kiosk keeps: this
// week's past days (the counter's week view starts on Monday) and the
// coming five weeks.
const (
	MenuDaysBefore = 7
	MenuDaysAfter  = 35
)

// MenuSpan is the span of days a kiosk keeps on day today.
func MenuSpan(today Day) (from, to Day) {
	return today.AddDays(-MenuDaysBefore), today.AddDays(MenuDaysAfter)
}

// MenuCentral is the central server's menu endpoint. central.Client
// implements it; a Central that does not is simply not asked.
type MenuCentral interface {
	// Menu returns the menu and closed days from..to (inclusive); when
	// version is the server's current one it answers Unchanged.
	Menu(ctx context.Context, from, to Day, version uint64) (MenuCalendar, error)
}

// MenuStore keeps the last menu and calendar pulled. The kiosk's store
// implements it.
type MenuStore interface {
	MenuCalendar() (MenuCalendar, bool, error)
	PutMenuCalendar(MenuCalendar) error
}

// SetMenu makes the engine pull the menu and calendar after each roster
// pull, store them in store and hand them to book. loc is the kiosk's
// time zone (today's span). Call it before Run.
func (s *Syncer) SetMenu(store MenuStore, book *MenuBook, loc *time.Location) {
	s.mu.Lock()
	s.menuStore, s.menuBook, s.menuLoc = store, book, loc
	s.mu.Unlock()
}

// pullMenu asks the server for the menu span and stores the answer. An
// error is returned for the log; the roster's sync is not failed by it (a
// server without the endpoint answers 404).
func (s *Syncer) pullMenu(ctx context.Context) error {
	s.mu.Lock()
	store, book, loc := s.menuStore, s.menuBook, s.menuLoc
	s.mu.Unlock()
	mc, ok := s.central.(MenuCentral)
	if store == nil || !ok {
		return nil
	}
	if loc == nil {
		loc = time.Local
	}
	from, to := MenuSpan(DayOf(s.clock.Now(), loc))
	held, have, err := store.MenuCalendar()
	if err != nil {
		return fmt.Errorf("read the stored menu: %w", err)
	}
	version := uint64(0)
	if have && held.From == from && held.To == to {
		version = held.Version
	}
	got, err := mc.Menu(ctx, from, to, version)
	if err != nil {
		return fmt.Errorf("pull the menu: %w", err)
	}
	if got.Unchanged {
		if !have || version == 0 {
			return errors.New("pull the menu: the server said unchanged to a kiosk that holds none")
		}
		// Confirmed current: the screens' as-of time moves on, the store
		// is not written (a kiosk syncs every 15 s; rewriting the menu
		// each time would wear its flash for nothing).
		held.AsOf = got.AsOf
		if book != nil {
			book.Set(held)
		}
		return nil
	}
	if err := store.PutMenuCalendar(got); err != nil {
		return fmt.Errorf("store the menu: %w", err)
	}
	if book != nil {
		book.Set(got)
	}
	return nil
}

// noteMenuErr logs a menu pull's failure once until it changes or clears:
// a server without the endpoint must not fill the log every 15 s.
func (s *Syncer) noteMenuErr(err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	s.mu.Lock()
	same := msg == s.menuErr
	s.menuErr = msg
	s.mu.Unlock()
	switch {
	case same:
	case err != nil:
		s.log.Warn("menu not pulled", "err", err)
	default:
		s.log.Info("menu pulled again")
	}
}
