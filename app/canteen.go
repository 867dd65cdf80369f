package app

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
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
	// OutcomeStaff: the badge is a staff member's, not a pupil's: the
	// screen offers staff mode (TapResult.Staff). Nothing is recorded.
	OutcomeStaff
	// OutcomeClosedDay: the pupil's school has no canteen service today
	// (school calendar or national holiday): nothing recorded, unless
	// staff override the closed day (canteen_calendar.go).
	OutcomeClosedDay
)

var outcomeNames = [...]string{"ignored", "unknown_badge", "blocked_badge", "outside_window", "already_served", "refused_floor", "served", "staff", "closed_day"}

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
	// Staff is the staff member whose badge was tapped (OutcomeStaff).
	Staff *Staff
	// Closed is the closed day (OutcomeClosedDay), or the day served under
	// staff's override (OutcomeServed with ClosedOverride).
	Closed         *ClosedDay
	ClosedOverride bool
	// DietDishes are today's dishes the pupil's diet replaces (each with
	// the standard dish it replaces), when the menu has them.
	DietDishes []ServedDish
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

// Staff mode's use cases on the canteen (PRODUCT.md §4): a meal recorded by
// hand for a forgotten badge, a void, the search they start from, the day's
// report. Each writes its audit event in the same transaction as its fact.

// Reasons for voiding a meal (MealVoid.Reason): fixed codes, so the audit
// can count them; the screens translate them.
const (
	VoidWrongPupil = "wrong_pupil" // recorded for the wrong pupil
	VoidDuplicate  = "duplicate"   // recorded twice
	VoidNotEaten   = "not_eaten"   // recorded, but the pupil did not eat
	VoidTest       = "test"        // a test tap
)

// VoidReasons lists the reasons in the order the screen offers them.
var VoidReasons = []string{VoidWrongPupil, VoidDuplicate, VoidNotEaten, VoidTest}

// Staff actions (StaffAction.Action) of the audit trail.
const (
	ActionLogin       = "login"
	ActionLoginFailed = "login_failed"
	ActionLocked      = "locked"
	ActionLogout      = "logout"
	ActionManualMeal  = "manual_meal"
	ActionVoid        = "void"
	ActionSettings    = "settings"
	ActionSync        = "sync"
	ActionExport      = "report_export"
	ActionQuit        = "quit"
	// ActionClosedDayOverride: staff served meals on a closed day.
	ActionClosedDayOverride = "closed_day_override"
)

// Errors of staff actions.
var (
	ErrNoStaff       = errors.New("no staff member: staff actions need one")
	ErrVoidReason    = errors.New("unknown void reason")
	ErrAlreadyVoided = errors.New("the meal was already voided")
)

// NewStaffActionEvent makes the outbox event of an audit entry.
func NewStaffActionEvent(staffID, action, detail string, at time.Time) (OutboxEvent, error) {
	if staffID == "" || action == "" {
		return OutboxEvent{}, ErrNoStaff
	}
	id, err := NewEventID()
	if err != nil {
		return OutboxEvent{}, err
	}
	raw, err := json.Marshal(StaffAction{StaffID: staffID, Action: action, Detail: detail})
	if err != nil {
		return OutboxEvent{}, err
	}
	return OutboxEvent{ID: id, Kind: EventStaffAction, At: at.UTC(), Payload: raw}, nil
}

// auditDetail is the JSON detail of an audit entry about a meal.
func auditDetail(kv ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	raw, _ := json.Marshal(m)
	return string(raw)
}

// ServeManual records a meal by hand for a pupil who forgot the badge,
// through the same rules as a badge (service window, already served, diet
// and bland banner, balance policy). The meal (Via ViaManual) and the staff
// member's audit entry are one transaction.
func (c *Canteen) ServeManual(ctx context.Context, staff Staff, id PupilID) (TapResult, error) {
	if staff.ID == "" {
		return TapResult{}, ErrNoStaff
	}
	if err := ctx.Err(); err != nil {
		return TapResult{}, err
	}
	now := c.clock.Now()
	var res TapResult
	err := c.store.Update(func(tx CanteenTx) error {
		res = TapResult{At: now}
		p, err := tx.Pupil(id)
		if err != nil {
			return err
		}
		res.Pupil = &p
		if err := c.serve(tx, &res, p, now, ViaManual); err != nil || res.Outcome != OutcomeServed {
			return err
		}
		ev, err := NewStaffActionEvent(staff.ID, ActionManualMeal, auditDetail("meal_event_id", res.Meal.EventID, "pupil_id", string(p.ID)), now)
		if err != nil {
			return err
		}
		return tx.AppendEvent(&ev)
	})
	if err != nil {
		return TapResult{}, fmt.Errorf("manual meal for pupil %s: %w", id, err)
	}
	if res.Outcome == OutcomeServed {
		c.logMeal(res.Meal)
	}
	return res, nil
}

// Void cancels a meal recorded today by mistake, for one of VoidReasons.
// The meal is marked voided (the pupil may be served again), its meal.voided
// event and the staff member's audit entry are written, all in one
// transaction; the charge comes back in the projected balance at once and
// on the server when the void is pushed.
func (c *Canteen) Void(ctx context.Context, staff Staff, mealEventID, reason string) (Meal, error) {
	if staff.ID == "" {
		return Meal{}, ErrNoStaff
	}
	if !slices.Contains(VoidReasons, reason) {
		return Meal{}, fmt.Errorf("%w %q", ErrVoidReason, reason)
	}
	if err := ctx.Err(); err != nil {
		return Meal{}, err
	}
	now := c.clock.Now()
	day := DayOf(now, c.cfg.Location)
	var voided Meal
	err := c.store.Update(func(tx CanteenTx) error {
		meals, err := tx.DayMeals(day)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(meals, func(m Meal) bool { return m.EventID == mealEventID })
		if i < 0 {
			return fmt.Errorf("no meal %s today: %w", mealEventID, ErrNotFound)
		}
		m := meals[i]
		if m.Voided {
			return ErrAlreadyVoided
		}
		vid, err := NewEventID()
		if err != nil {
			return err
		}
		raw, err := json.Marshal(MealVoid{MealEventID: m.EventID, Reason: reason, StaffID: staff.ID})
		if err != nil {
			return err
		}
		ev := OutboxEvent{ID: vid, Kind: EventMealVoided, At: now.UTC(), Payload: raw}
		if err := tx.VoidMeal(m, &ev); err != nil {
			return err
		}
		audit, err := NewStaffActionEvent(staff.ID, ActionVoid, auditDetail("meal_event_id", m.EventID, "reason", reason), now)
		if err != nil {
			return err
		}
		m.Voided = true
		voided = m
		return tx.AppendEvent(&audit)
	})
	if err != nil {
		return Meal{}, fmt.Errorf("void meal %s: %w", mealEventID, err)
	}
	c.log.Info("meal voided", "event_id", voided.EventID, "reason", reason, "staff_id", staff.ID)
	return voided, nil
}

// RecordStaffAction writes an audit entry (settings changed, sync forced,
// quit, report exported ...) durably, to be pushed with the outbox.
func (c *Canteen) RecordStaffAction(staff Staff, action, detail string) error {
	ev, err := NewStaffActionEvent(staff.ID, action, detail, c.clock.Now())
	if err != nil {
		return err
	}
	return c.store.Update(func(tx CanteenTx) error { return tx.AppendEvent(&ev) })
}

// MealEntry is a meal with its pupil, for the staff's list of today's
// meals. Pupil is zero when the pupil has left the roster since.
type MealEntry struct {
	Meal  Meal
	Pupil Pupil
}

// TodayMeals lists today's meals of the service not voided, newest first.
func (c *Canteen) TodayMeals() ([]MealEntry, error) {
	day := DayOf(c.clock.Now(), c.cfg.Location)
	var out []MealEntry
	err := c.store.View(func(tx CanteenTx) error {
		meals, err := tx.DayMeals(day)
		if err != nil {
			return err
		}
		for i := len(meals) - 1; i >= 0; i-- {
			m := meals[i]
			if m.Voided || m.Service != c.cfg.Service {
				continue
			}
			p, err := tx.Pupil(m.PupilID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			out = append(out, MealEntry{Meal: m, Pupil: p})
		}
		return nil
	})
	return out, err
}

// PupilHit is a pupil found by SearchPupils, with what staff need to tell
// namesakes apart without a photo.
type PupilHit struct {
	Pupil       Pupil
	ServedToday bool
}

// SearchPupils finds the pupils whose surname starts with prefix, ignoring
// case, accents, spaces and apostrophes ("dang" finds D'Angelo, "nicol"
// Nicolò), sorted by surname, first name, school and class; at most limit.
// An empty prefix finds nobody. It reads the store's surname index, not the
// roster: it is called on every keystroke, and only the hits shown are
// decoded (see BenchmarkStaffMode in cmd/kiosk).
func (c *Canteen) SearchPupils(prefix string, limit int) ([]PupilHit, error) {
	want := FoldName(prefix)
	if want == "" || limit <= 0 {
		return nil, nil
	}
	day := DayOf(c.clock.Now(), c.cfg.Location)
	var hits []PupilHit
	err := c.store.View(func(tx CanteenTx) error {
		names, err := tx.PupilsByNamePrefix(want, limit)
		if err != nil {
			return err
		}
		// The index is in surname, first name, id order; namesakes go by
		// school and class (the index returned all those the limit cuts).
		slices.SortFunc(names, func(a, b PupilName) int {
			return cmp.Or(cmp.Compare(a.Last, b.Last), cmp.Compare(a.First, b.First),
				cmp.Compare(a.School, b.School), compareClass(a.Class, b.Class), cmp.Compare(a.ID, b.ID))
		})
		for _, n := range names[:min(limit, len(names))] {
			p, err := tx.Pupil(n.ID)
			if errors.Is(err, ErrNotFound) {
				continue // cannot happen: the index is written with the pupil
			} else if err != nil {
				return err
			}
			_, served, err := tx.MealServed(p.ID, day, c.cfg.Service)
			if err != nil {
				return err
			}
			hits = append(hits, PupilHit{Pupil: p, ServedToday: served})
		}
		return nil
	})
	return hits, err
}

// FoldName folds a name for search and sorting: lower case, accents
// dropped, only letters and digits kept ("D'Angelo" → "dangelo",
// "Nicolò" → "nicolo").
func FoldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := foldAccent[r]; ok {
			r = f
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var foldAccent = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåā", 'e': "èéêëē", 'i': "ìíîïī", 'o': "òóôõöøō", 'u': "ùúûüū",
		'c': "çćč", 'n': "ñń", 's': "šś", 'z': "žźż", 'y': "ýÿ", 'l': "ł", 'r': "ř", 'd': "đ", 'g': "ğ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// Report computes the day's report from the local store: it works offline,
// and matches the server's for the same day once the kiosk has synced.
func (c *Canteen) Report(day Day) (DayReport, error) {
	in := ReportInput{Day: day, Service: c.cfg.Service, Closed: c.closedFunc(day)}
	err := c.store.View(func(tx CanteenTx) error {
		var err error
		if in.Pupils, err = tx.Pupils(); err != nil {
			return err
		}
		if in.Bookings, err = tx.DayBookings(day); err != nil {
			return err
		}
		in.Meals, err = tx.DayMeals(day)
		return err
	})
	if err != nil {
		return DayReport{}, fmt.Errorf("report of %s: %w", day, err)
	}
	return BuildDayReport(in), nil
}

// Today is the kiosk's civil date now.
func (c *Canteen) Today() Day { return DayOf(c.clock.Now(), c.cfg.Location) }
