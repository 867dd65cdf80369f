package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// CanteenTx is one store transaction as the canteen rules see it. Lookups
// are indexed in the store, not scans.
type CanteenTx interface {
	Badge(id BadgeID) (Badge, error) // ErrNotFound
	Pupil(id PupilID) (Pupil, error) // ErrNotFound
	Account(id AccountID) (Account, error)
	Booking(p PupilID, d Day) (Booking, bool, error)
	// MealServed returns the meal already recorded (and not voided) for the
	// pupil in the service on the day.
	MealServed(p PupilID, d Day, s Service) (Meal, bool, error)
	// PendingCharges is the sum of the account's recorded meals the central
	// server has not acknowledged yet.
	PendingCharges(a AccountID) (Cents, error)
	// ServedCount is the number of meals recorded on the day in the service.
	ServedCount(d Day, s Service) (int, error)
	// RecordMeal writes the meal, its outbox event (with the next sequence
	// number, which it sets in m.Seq) and the indexes.
	RecordMeal(m *Meal) error
	// OutboxLen is the number of events waiting to be pushed.
	OutboxLen() (int, error)
	// NoteUnknownBadge keeps an unknown badge id for staff (enrolment).
	NoteUnknownBadge(id BadgeID, at time.Time) error

	// Staff mode (see staff.go).

	// StaffByBadge finds the staff member whose badge this is.
	StaffByBadge(id BadgeID) (Staff, bool, error)
	// AppendEvent writes an outbox event other than a meal (a staff
	// action) with the next sequence number, which it sets in e.Seq.
	AppendEvent(e *OutboxEvent) error
	// DayMeals lists the meals recorded on the day, voided ones included,
	// in sequence order.
	DayMeals(d Day) ([]Meal, error)
	// VoidMeal marks the meal (found by DayMeals) voided, so the pupil may
	// be served again, and writes the void's outbox event e (payload
	// MealVoid) with the next sequence number. Until the server answers
	// the void, PendingCharges counts the meal's price back if the server
	// had charged it.
	VoidMeal(m Meal, e *OutboxEvent) error
	// ForEachPupil calls fn for every pupil of the roster.
	ForEachPupil(fn func(Pupil) error) error
	// Pupils lists the whole roster in id order (the day's report reads
	// it all: one slice sized up front, not grown pupil by pupil).
	Pupils() ([]Pupil, error)
	// DayBookings lists the bookings of the day.
	DayBookings(d Day) ([]Booking, error)
	// PupilsByNamePrefix reads the surname index: the entries whose folded
	// surname starts with FoldName(prefix), in the index's order (folded
	// surname, folded first name, id). It stops after limit entries, but
	// not before the end of the run of entries sharing the limit-th's
	// surname and first name, so a caller ordering namesakes by school and
	// class sees all of them. Only the index is read, no pupil record.
	PupilsByNamePrefix(prefix string, limit int) ([]PupilName, error)
}

// PupilName is an entry of the store's surname index: what orders a search
// hit, without the pupil's record.
type PupilName struct {
	Last, First   string // folded by FoldName
	School, Class string
	ID            PupilID
}

// CanteenStore runs the canteen's transactions. Update commits durably
// before it returns nil.
type CanteenStore interface {
	Update(fn func(CanteenTx) error) error
	View(fn func(CanteenTx) error) error
}

// Canteen is the canteen role's use case: a badge tap in, a result out.
type Canteen struct {
	store CanteenStore
	clock Clock
	cfg   CanteenConfig
	log   *slog.Logger

	mu       sync.Mutex
	lastSeen map[BadgeID]time.Time

	// The menu and calendar, and the day staff opened though closed
	// (canteen_calendar.go).
	menu      *MenuBook
	override  Day
	menuOrder menuOrder
}

// NewCanteen returns the canteen use case. log may be nil.
func NewCanteen(store CanteenStore, clock Clock, cfg CanteenConfig, log *slog.Logger) (*Canteen, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Canteen{store: store, clock: clock, cfg: cfg, log: log, lastSeen: map[BadgeID]time.Time{}}, nil
}

// Config returns the configuration in force.
func (c *Canteen) Config() CanteenConfig { return c.cfg }

// debounced applies rule 1. The window runs from the last time the badge was
// seen, so a tag left in the field (RDM6300 readers repeat every 50 ms) stays
// ignored until it is lifted for a whole window.
func (c *Canteen) debounced(id BadgeID, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	last, ok := c.lastSeen[id]
	c.lastSeen[id] = now
	if len(c.lastSeen) > 4096 { // forget badges long gone
		for b, t := range c.lastSeen {
			if now.Sub(t) > c.cfg.Debounce {
				delete(c.lastSeen, b)
			}
		}
	}
	d := now.Sub(last)
	return ok && d >= 0 && d < c.cfg.Debounce
}

// Tap applies the canteen rules to a badge seen at the reader. The meal, when
// recorded, is committed to the store before Tap returns.
func (c *Canteen) Tap(ctx context.Context, id BadgeID) (TapResult, error) {
	now := c.clock.Now()
	if c.debounced(id, now) {
		return TapResult{Outcome: OutcomeIgnored, Badge: id, At: now}, nil
	}
	if err := ctx.Err(); err != nil {
		return TapResult{}, err
	}
	var res TapResult
	err := c.store.Update(func(tx CanteenTx) error {
		res = TapResult{Badge: id, At: now}
		b, err := tx.Badge(id)
		if errors.Is(err, ErrNotFound) {
			// Not a pupil's: a staff badge, or unknown. Looked up only
			// here, so a pupil's tap pays nothing for it.
			st, ok, err := tx.StaffByBadge(id)
			if err != nil {
				return err
			}
			if ok {
				st.PINHash = "" // the screen has no use for it
				res.Outcome, res.Staff = OutcomeStaff, &st
				return nil
			}
			res.Outcome = OutcomeUnknownBadge
			return tx.NoteUnknownBadge(id, now)
		}
		if err != nil {
			return err
		}
		p, err := tx.Pupil(b.PupilID)
		if errors.Is(err, ErrNotFound) {
			// A badge whose pupil left the roster is as good as unknown.
			res.Outcome = OutcomeUnknownBadge
			return tx.NoteUnknownBadge(id, now)
		}
		if err != nil {
			return err
		}
		res.Pupil = &p
		if b.Blocked {
			res.Outcome = OutcomeBlockedBadge
			return nil
		}
		return c.serve(tx, &res, p, now, ViaBadge)
	})
	if err != nil {
		return TapResult{}, fmt.Errorf("tap %s: %w", id, err)
	}
	if res.Outcome == OutcomeServed {
		c.logMeal(res.Meal)
	}
	return res, nil
}

// serve applies rules 4 to 7 for a pupil inside a read-write transaction.
func (c *Canteen) serve(tx CanteenTx, res *TapResult, p Pupil, now time.Time, via string) error {
	local := now.In(c.cfg.Location)
	day := DayOf(now, c.cfg.Location)
	res.Window = c.cfg.Window
	if c.closedRule(res, p, day) { // canteen_calendar.go
		return c.fillBalance(tx, res, p, 0)
	}
	if !c.cfg.Window.Contains(local) {
		res.Outcome = OutcomeOutsideWindow
		return c.fillBalance(tx, res, p, 0)
	}
	if m, ok, err := tx.MealServed(p.ID, day, c.cfg.Service); err != nil {
		return err
	} else if ok {
		res.Outcome = OutcomeAlreadyServed
		res.Meal = &m
		return c.fillBalance(tx, res, p, 0)
	}
	bk, _, err := tx.Booking(p.ID, day)
	if err != nil {
		return err
	}
	res.Bland, res.CancelledToday = bk.Bland, bk.Cancelled
	if err := c.fillBalance(tx, res, p, p.MealPrice); err != nil {
		return err
	}
	if c.cfg.Policy == PolicyHardFloor && res.Balance < c.cfg.Floor {
		res.Outcome = OutcomeRefusedFloor
		res.Balance += p.MealPrice // nothing charged
		res.LowBalance, res.BelowZero = res.Balance < c.cfg.LowBalance, res.Balance < 0
		return nil
	}
	id, err := NewEventID()
	if err != nil {
		return err
	}
	m := &Meal{
		EventID: id, KioskID: c.cfg.KioskID, PupilID: p.ID, AccountID: p.AccountID,
		Day: day, Service: c.cfg.Service, Price: p.MealPrice, At: now.UTC(), Via: via,
		Bland: bk.Bland, CancelledBooking: bk.Cancelled, BelowZero: res.BelowZero,
	}
	if via == ViaBadge {
		m.BadgeID = res.Badge
	}
	if err := tx.RecordMeal(m); err != nil {
		return err
	}
	res.Outcome = OutcomeServed
	res.Meal = m
	c.dietDishes(res, p, day) // canteen_calendar.go
	return nil
}

// fillBalance sets the projected balance after charging charge: server
// balance at the cursor − unsynced charges − charge.
func (c *Canteen) fillBalance(tx CanteenTx, res *TapResult, p Pupil, charge Cents) error {
	a, err := tx.Account(p.AccountID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	pending, err := tx.PendingCharges(p.AccountID)
	if err != nil {
		return err
	}
	res.Balance = a.Balance - pending - charge
	res.BalanceAsOf = a.BalanceAsOf
	res.LowBalance = res.Balance < c.cfg.LowBalance
	res.BelowZero = res.Balance < 0
	return nil
}

func (c *Canteen) logMeal(m *Meal) {
	// Never a pupil's name or diet in the log: ids only.
	c.log.Info("meal recorded", "event_id", m.EventID, "seq", m.Seq, "pupil_id", string(m.PupilID), "kiosk_id", m.KioskID, "via", m.Via)
}

// IdleStatus is what the idle screen shows.
type IdleStatus struct {
	Now         time.Time
	Day         Day
	Service     Service
	InWindow    bool
	Window      ServiceWindow
	ServedToday int
	// Waiting is the number of outbox events not yet acknowledged.
	Waiting int
	// Menus are today's menus (one per menu group), MenuAsOf when they
	// were pulled; Closed is set when today is closed for every school,
	// and ClosedOverride when staff opened it anyway.
	Menus          []MenuDay
	MenuAsOf       time.Time
	Closed         *ClosedDay
	ClosedOverride bool
}

// Idle returns the idle screen's figures.
func (c *Canteen) Idle() (IdleStatus, error) {
	now := c.clock.Now()
	st := IdleStatus{Now: now, Day: DayOf(now, c.cfg.Location), Service: c.cfg.Service,
		InWindow: c.cfg.Window.Contains(now.In(c.cfg.Location)), Window: c.cfg.Window}
	err := c.store.View(func(tx CanteenTx) error {
		var err error
		if st.ServedToday, err = tx.ServedCount(st.Day, st.Service); err != nil {
			return err
		}
		st.Waiting, err = tx.OutboxLen()
		return err
	})
	c.idleMenu(&st) // canteen_calendar.go
	return st, err
}

// NewEventID returns a random 128-bit id in hex: unique across kiosks, so a
// retried push never counts twice.
func NewEventID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// Today is the kiosk's civil date now.
func (c *Canteen) Today() Day { return DayOf(c.clock.Now(), c.cfg.Location) }
