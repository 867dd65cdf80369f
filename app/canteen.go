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

// TimeOfDay is minutes after local midnight.
type TimeOfDay int

// ParseTimeOfDay reads "hh:mm" (00:00 to 24:00).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	digit := func(i int) int { return int(s[i] - '0') }
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time of day %q: want hh:mm", s)
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("time of day %q: want hh:mm", s)
		}
	}
	h, m := digit(0)*10+digit(1), digit(3)*10+digit(4)
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time of day %q: out of range 00:00–24:00", s)
	}
	return TimeOfDay(h*60 + m), nil
}

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// ServiceWindow is the part of the day when a service is served: [Start, End).
type ServiceWindow struct {
	Start, End TimeOfDay
}

// Contains reports whether local time t falls in the window.
func (w ServiceWindow) Contains(t time.Time) bool {
	m := TimeOfDay(t.Hour()*60 + t.Minute())
	return m >= w.Start && m < w.End
}

// BalancePolicy says what happens when a meal takes the balance below zero.
type BalancePolicy string

const (
	// PolicyServeAndFlag serves the meal and flags it for staff: children are
	// not refused food by default.
	PolicyServeAndFlag BalancePolicy = "serve"
	// PolicyHardFloor refuses the meal when the projected balance after the
	// charge would fall below the configured floor.
	PolicyHardFloor BalancePolicy = "floor"
)

// CanteenConfig is the canteen role's configuration.
type CanteenConfig struct {
	KioskID  string
	Location *time.Location
	Service  Service
	Window   ServiceWindow
	// Debounce: the same badge seen again within this window is ignored.
	Debounce time.Duration
	// LowBalance: below it after a charge, the screen reminds to top up.
	LowBalance Cents
	Policy     BalancePolicy
	// Floor is the lowest projected balance allowed under PolicyHardFloor
	// (e.g. 0, or -500 for a five-euro overdraft).
	Floor Cents
}

// Validate checks the configuration and fills defaults where zero.
func (c *CanteenConfig) Validate() error {
	if c.KioskID == "" {
		return errors.New("canteen: kiosk id is empty")
	}
	if c.Location == nil {
		return errors.New("canteen: time zone is missing")
	}
	if c.Service == "" {
		c.Service = ServiceLunch
	}
	if c.Window.Start >= c.Window.End {
		return fmt.Errorf("canteen: service window %s–%s is empty", c.Window.Start, c.Window.End)
	}
	if c.Debounce < 0 || c.Debounce > time.Minute {
		return fmt.Errorf("canteen: debounce %s out of range 0–1m", c.Debounce)
	}
	switch c.Policy {
	case "":
		c.Policy = PolicyServeAndFlag
	case PolicyServeAndFlag, PolicyHardFloor:
	default:
		return fmt.Errorf("canteen: balance policy %q: want %q or %q", c.Policy, PolicyServeAndFlag, PolicyHardFloor)
	}
	return nil
}

// Outcome is the rule that decided a tap.
type Outcome int

// Outcomes, in the order the rules are applied (PRODUCT.md §2).
const (
	OutcomeIgnored       Outcome = iota // 1. same badge within the debounce window
	OutcomeUnknownBadge                 // 2. no such badge
	OutcomeBlockedBadge                 // 3. badge blocked (lost)
	OutcomeOutsideWindow                // 4. outside the service window
	OutcomeAlreadyServed                // 5. already served in this service today
	OutcomeRefusedFloor                 // 7. hard floor policy: balance too low
	OutcomeServed                       // 6. recorded and charged
)

var outcomeNames = [...]string{"ignored", "unknown_badge", "blocked_badge", "outside_window", "already_served", "refused_floor", "served"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// TapResult is what the screen shows for one tap.
type TapResult struct {
	Outcome Outcome
	Badge   BadgeID
	At      time.Time
	// Pupil is set for every outcome after the badge was found.
	Pupil *Pupil
	// Meal is the meal recorded (OutcomeServed) or the earlier one
	// (OutcomeAlreadyServed).
	Meal *Meal
	// Balance is the projected balance after this tap (after the charge when
	// served).
	Balance Cents
	// BalanceAsOf is the time of the server balance the projection starts from.
	BalanceAsOf time.Time
	// Bland: today's booking asks for a pasto in bianco.
	Bland bool
	// CancelledToday: the parent cancelled today's meal; served anyway, staff
	// are told (the kitchen may be short).
	CancelledToday bool
	LowBalance     bool
	BelowZero      bool
	Window         ServiceWindow
}

// Banner reports whether the result must carry the unmissable diet banner.
func (r TapResult) Banner() bool {
	return r.Outcome == OutcomeServed && r.Pupil != nil && (r.Pupil.Diet != nil || r.Bland)
}

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
