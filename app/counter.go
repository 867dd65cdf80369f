package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// This file is the counter role's use case (PRODUCT.md §3): a parent
// identifies (a child's badge, or the child's codice fiscale and the family
// access code), sees the family view, changes coming days' bookings and
// tops up by pagoPA notice. The family is held in memory only while the
// parent is at the counter: Forget wipes it, and the screen calls it on any
// idle minute.

// CounterConfig is the counter role's configuration.
type CounterConfig struct {
	Location *time.Location
	// IdleTimeout: without a touch for this long, the screen goes home and
	// forgets the family. Default 60 s.
	IdleTimeout time.Duration
	// TopUpMin, TopUpMax bound a top-up's amount. Defaults 1 € and 500 €.
	TopUpMin, TopUpMax Cents
	// Presets are the amounts offered as one-tap buttons. Default 10, 20,
	// 50, 100 €.
	Presets []Cents
	// MonthsBack is how many months of meals the family view holds, the
	// current one included. Default 3.
	MonthsBack int
	// MaxFailures is the number of failed identifications in a row allowed
	// before each further attempt must wait. Default 3.
	MaxFailures int
}

// Counter defaults.
const (
	DefaultCounterIdle       = 60 * time.Second
	DefaultTopUpMin    Cents = 100
	DefaultTopUpMax    Cents = 50000
	DefaultMonthsBack        = 3
	DefaultMaxFailures       = 3
	// DefaultBookingCutoff applies when the server does not say.
	DefaultBookingCutoff = "09:30"
	// FirstSlowdown is the wait after MaxFailures failures; it doubles with
	// each further failure up to MaxSlowdown.
	FirstSlowdown = 5 * time.Second
	MaxSlowdown   = 5 * time.Minute
	// BookingDaysAhead is how far ahead the family view reaches: the days a
	// parent can book at the counter.
	BookingDaysAhead = 14
)

// DefaultPresets are the top-up amounts offered by default.
var DefaultPresets = []Cents{1000, 2000, 5000, 10000}

// Validate checks the configuration and fills defaults where zero.
func (c *CounterConfig) Validate() error {
	if c.Location == nil {
		return errors.New("counter: time zone is missing")
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultCounterIdle
	}
	if c.IdleTimeout < 5*time.Second || c.IdleTimeout > time.Hour {
		return fmt.Errorf("counter: idle timeout %s out of range 5s–1h", c.IdleTimeout)
	}
	if c.TopUpMin == 0 {
		c.TopUpMin = DefaultTopUpMin
	}
	if c.TopUpMax == 0 {
		c.TopUpMax = DefaultTopUpMax
	}
	if c.TopUpMin < 1 || c.TopUpMax < c.TopUpMin || c.TopUpMax > 99_999_999_999 {
		return fmt.Errorf("counter: top-up bounds %d–%d cents: want 1 ≤ min ≤ max ≤ 99999999999", c.TopUpMin, c.TopUpMax)
	}
	if c.Presets == nil {
		c.Presets = slices.Clone(DefaultPresets)
	}
	for _, p := range c.Presets {
		if p < c.TopUpMin || p > c.TopUpMax {
			return fmt.Errorf("counter: preset %d cents outside the top-up bounds %d–%d", p, c.TopUpMin, c.TopUpMax)
		}
	}
	if c.MonthsBack == 0 {
		c.MonthsBack = DefaultMonthsBack
	}
	if c.MonthsBack < 1 || c.MonthsBack > 24 {
		return fmt.Errorf("counter: months back %d out of range 1–24", c.MonthsBack)
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = DefaultMaxFailures
	}
	if c.MaxFailures < 1 || c.MaxFailures > 20 {
		return fmt.Errorf("counter: max failures %d out of range 1–20", c.MaxFailures)
	}
	return nil
}

// Family is what the counter shows of the family identified: the account,
// its children, the meals of the last months, the coming days' bookings and
// the notices issued.
type Family struct {
	Account  Account
	Pupils   []Pupil
	Meals    []Meal
	Bookings []Booking
	Notices  []Notice
	// Messages are the office's messages to the family, newest first
	// (counter_messages.go); MessagesAsOf, when not zero, is when the
	// kiosk pulled those of them that came from its copy (offline).
	Messages     []Message
	MessagesAsOf time.Time
	// BookingCutoff is the time of day ("09:30") after which today's
	// booking can no longer change.
	BookingCutoff string
	// AsOf is when the server gave this view (or the roster's balance time
	// when nothing better is known).
	AsOf time.Time
	// Cached: the server was not reachable; this is the last view cached
	// here (or the roster's data, with no meals, when none was).
	Cached bool
}

// Pupil returns the family's child with the id.
func (f Family) Pupil(id PupilID) (Pupil, bool) {
	for _, p := range f.Pupils {
		if p.ID == id {
			return p, true
		}
	}
	return Pupil{}, false
}

// Booking returns what the family said about a child's day (the zero
// Booking when nothing).
func (f Family) Booking(p PupilID, d Day) Booking {
	for _, b := range f.Bookings {
		if b.PupilID == p && b.Day == d {
			return b
		}
	}
	return Booking{PupilID: p, Day: d}
}

// CounterCentral is the central server as the counter role needs it.
type CounterCentral interface {
	// Family returns the family view with the meals of the days from..to
	// (inclusive).
	Family(ctx context.Context, a AccountID, from, to Day) (FamilyView, error)
	// TopUp creates (or, for a repeated idempotency key, returns) a
	// payment position.
	TopUp(ctx context.Context, r TopUpRequest) (Notice, error)
	// Notice reads a position's current state, by notice code.
	Notice(ctx context.Context, code string) (Notice, error)
	// Book records a parent's booking change; ErrBadRequest after the
	// cut-off or for a day that is not coming.
	Book(ctx context.Context, r BookingRequest) (Booking, error)
}

// CounterStore is the kiosk's store as the counter needs it.
// *storage.Store implements it.
type CounterStore interface {
	// BadgePupil returns a badge and its pupil; ErrNotFound when either is
	// unknown.
	BadgePupil(id BadgeID) (Badge, Pupil, error)
	// PupilByFiscalCode finds a pupil by codice fiscale (upper case);
	// ErrNotFound.
	PupilByFiscalCode(cf string) (Pupil, error)
	// FamilyAccount returns an account; ErrNotFound.
	FamilyAccount(id AccountID) (Account, error)
	// FamilyPupils returns the account's children, by id.
	FamilyPupils(id AccountID) ([]Pupil, error)
	// FamilyCache returns the family view cached for the account.
	FamilyCache(id AccountID) (FamilyView, bool, error)
	// PutFamilyCache stores the view (replacing the previous one).
	PutFamilyCache(v FamilyView) error
	// News and Documents are the Comune's public ones, newest first.
	News() ([]News, error)
	Documents() ([]Document, error)
}

// Errors of the counter.
var (
	ErrUnknownBadge = errors.New("counter: unknown badge")
	ErrBlockedBadge = errors.New("counter: blocked badge")
	// ErrIdentification is the one answer to an unknown codice fiscale and
	// to a wrong access code: which of the two is not said.
	ErrIdentification = errors.New("counter: fiscal code or access code not recognised")
	ErrOffline        = errors.New("counter: the central server is not reachable")
	ErrAmountRange    = errors.New("counter: amount outside the top-up bounds")
	ErrAfterCutoff    = errors.New("counter: the booking cut-off has passed")
	// ErrNotCanteenDay: the child does not eat at the canteen that day.
	ErrNotCanteenDay = errors.New("counter: not a canteen day for this child")
	// ErrBookingRefused: the server refused the booking for another reason.
	ErrBookingRefused = errors.New("counter: the booking was refused")
	ErrNotIdentified  = errors.New("counter: no family identified")
)

// TooManyAttempts refuses an identification attempt made too soon after
// repeated failures: Wait is the time left.
type TooManyAttempts struct{ Wait time.Duration }

func (e *TooManyAttempts) Error() string {
	return fmt.Sprintf("counter: too many failed attempts; retry in %s", e.Wait.Round(time.Second))
}

// decoyHash is checked against the code typed with an unknown codice
// fiscale, so that the answer takes as long as for a known one (a bcrypt
// hash of a random code, cost 10: the production checker takes the same
// time as for a real one).
const decoyHash = "$2a$10$9/sk7XMc3pXu1JeMY93nUO4grAzPInuvQMaEr3C2ojMyi3JE3mAxq"

// Counter is the counter role's use case. Its methods are safe for
// concurrent use.
type Counter struct {
	store     CounterStore
	central   CounterCentral
	clock     Clock
	cfg       CounterConfig
	checkCode func(hash, code string) bool
	log       *slog.Logger

	mu        sync.Mutex
	menu      *MenuBook // counter_menu.go
	online    bool
	family    *Family
	lastTouch time.Time
	failures  int
	lastFail  time.Time
	// topUp is the pending attempt: a repeated tap of the same amount for
	// the same family sends the same idempotency key.
	// reads are the messages read here and not yet seen read in a view
	// from the server (counter_messages.go): account \x00 message → when.
	reads map[string]time.Time
	topUp struct {
		account AccountID
		amount  Cents
		key     string
	}
}

// NewCounter returns the counter use case. central nil means standalone (no
// server: offline for good). checkCode reports whether a family access code
// matches its stored hash (bcrypt in production). log may be nil.
func NewCounter(store CounterStore, central CounterCentral, clock Clock, cfg CounterConfig,
	checkCode func(hash, code string) bool, log *slog.Logger) (*Counter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || clock == nil || checkCode == nil {
		return nil, errors.New("counter: store, clock and code checker are required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Counter{store: store, central: central, clock: clock, cfg: cfg, checkCode: checkCode, log: log}, nil
}

// Config returns the configuration in force.
func (c *Counter) Config() CounterConfig { return c.cfg }

// Now returns the counter's clock time.
func (c *Counter) Now() time.Time { return c.clock.Now() }

// SetOnline records whether the central server is reachable (from the sync
// engine's status). Without a server it stays false.
func (c *Counter) SetOnline(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.online = on && c.central != nil
}

// Online reports whether the central server is taken to be reachable.
func (c *Counter) Online() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online
}

// IdentifyBadge identifies the family of the child whose badge was tapped.
func (c *Counter) IdentifyBadge(ctx context.Context, id BadgeID) (Family, error) {
	b, p, err := c.store.BadgePupil(id)
	if errors.Is(err, ErrNotFound) {
		return Family{}, ErrUnknownBadge
	}
	if err != nil {
		return Family{}, err
	}
	if b.Blocked {
		return Family{}, ErrBlockedBadge
	}
	c.log.Info("counter: family identified", "by", "badge", "account_id", string(p.AccountID))
	return c.open(ctx, p.AccountID)
}

// NormaliseFiscalCode trims a codice fiscale and upper-cases it.
func NormaliseFiscalCode(cf string) string {
	return strings.ToUpper(strings.Join(strings.Fields(cf), ""))
}

// IdentifyFiscalCode identifies a family by a child's codice fiscale and
// the family access code. An unknown code and a wrong access code get the
// same ErrIdentification; after MaxFailures failures in a row each further
// attempt waits a doubling delay, refused with *TooManyAttempts before
// anything is checked.
func (c *Counter) IdentifyFiscalCode(ctx context.Context, cf, accessCode string) (Family, error) {
	now := c.clock.Now()
	c.mu.Lock()
	if w := c.waitLocked(now); w > 0 {
		c.mu.Unlock()
		return Family{}, &TooManyAttempts{Wait: w}
	}
	c.mu.Unlock()

	cf = NormaliseFiscalCode(cf)
	hash := decoyHash
	var acc AccountID
	p, err := c.store.PupilByFiscalCode(cf)
	switch {
	case err == nil:
		a, err := c.store.FamilyAccount(p.AccountID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Family{}, err
		}
		if err == nil && a.AccessHash != "" {
			hash, acc = a.AccessHash, a.ID
		}
	case !errors.Is(err, ErrNotFound):
		return Family{}, err
	}
	ok := c.checkCode(hash, accessCode) && acc != "" && cf != "" && accessCode != ""

	c.mu.Lock()
	if !ok {
		c.failures++
		c.lastFail = now
		n := c.failures
		c.mu.Unlock()
		c.log.Warn("counter: identification failed", "failures_in_a_row", n)
		return Family{}, ErrIdentification
	}
	c.failures = 0
	c.mu.Unlock()
	c.log.Info("counter: family identified", "by", "fiscal_code", "account_id", string(acc))
	return c.open(ctx, acc)
}

// waitLocked is the time an identification attempt must still wait at now.
func (c *Counter) waitLocked(now time.Time) time.Duration {
	over := c.failures - c.cfg.MaxFailures
	if over < 0 {
		return 0
	}
	d := FirstSlowdown
	for range over {
		if d *= 2; d >= MaxSlowdown {
			d = MaxSlowdown
			break
		}
	}
	return max(0, c.lastFail.Add(d).Sub(now))
}

// AttemptWait is how long the next identification by codice fiscale must
// wait (zero when it may go now).
func (c *Counter) AttemptWait() time.Duration {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waitLocked(now)
}

// open loads the family of the account and makes it the current one.
func (c *Counter) open(ctx context.Context, acc AccountID) (Family, error) {
	c.mu.Lock()
	c.wipeLocked()
	c.lastTouch = c.clock.Now()
	c.mu.Unlock()
	f, err := c.load(ctx, acc)
	if err != nil {
		return Family{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applyReadsLocked(&f) // counter_messages.go
	c.family = &f
	c.lastTouch = c.clock.Now()
	return f, nil
}

// load builds the family view: from the server when online (and caches
// it), else from the cache, else from the roster.
func (c *Counter) load(ctx context.Context, acc AccountID) (Family, error) {
	pupils, err := c.store.FamilyPupils(acc)
	if err != nil {
		return Family{}, err
	}
	if c.Online() {
		now := c.clock.Now().In(c.cfg.Location)
		first := time.Date(now.Year(), now.Month()-time.Month(c.cfg.MonthsBack-1), 1, 12, 0, 0, 0, c.cfg.Location)
		from, to := DayOf(first, c.cfg.Location), DayOf(now.AddDate(0, 0, BookingDaysAhead), c.cfg.Location)
		v, err := c.central.Family(ctx, acc, from, to)
		switch {
		case err == nil:
			if err := c.store.PutFamilyCache(v); err != nil {
				c.log.Error("counter: family view not cached", "account_id", string(acc), "err", err)
			}
			// The kiosk's copy of the messages, for families shown offline
			// (counter_messages.go).
			if _, err := c.PullMessages(ctx); err != nil {
				c.log.Warn("counter: messages not pulled", "err", err)
			}
			return familyOf(v, pupils, false), nil
		case errors.Is(err, ErrUnreachable):
			c.log.Warn("counter: central server unreachable; family view from the cache", "err", err)
		default:
			return Family{}, fmt.Errorf("family view: %w", err)
		}
	}
	v, ok, err := c.store.FamilyCache(acc)
	if err != nil {
		return Family{}, err
	}
	if ok {
		asOf := c.withCachedMessages(&v, pupils) // counter_messages.go
		f := familyOf(v, pupils, true)
		f.MessagesAsOf = asOf
		return f, nil
	}
	a, err := c.store.FamilyAccount(acc)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Family{}, err
	}
	a.ID = acc
	v = FamilyView{Account: a, AsOf: a.BalanceAsOf}
	asOf := c.withCachedMessages(&v, pupils) // counter_messages.go
	f := familyOf(v, pupils, true)
	f.MessagesAsOf = asOf
	return f, nil
}

func familyOf(v FamilyView, pupils []Pupil, cached bool) Family {
	v.Account.AccessHash = "" // never held beyond identification
	f := Family{Account: v.Account, Pupils: pupils, Meals: v.Meals, Bookings: v.Bookings,
		Notices: v.Notices, BookingCutoff: v.BookingCutoff, AsOf: v.AsOf, Cached: cached, Messages: v.Messages}
	if f.BookingCutoff == "" {
		f.BookingCutoff = DefaultBookingCutoff
	}
	if f.AsOf.IsZero() {
		f.AsOf = v.Account.BalanceAsOf
	}
	slices.SortStableFunc(f.Meals, func(a, b Meal) int { return cmp.Compare(a.Day, b.Day) })
	return f
}

// Current returns the family identified, if any.
func (c *Counter) Current() (Family, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.family == nil {
		return Family{}, false
	}
	return *c.family, true
}

// Refresh loads the current family's view again.
func (c *Counter) Refresh(ctx context.Context) (Family, error) {
	f, ok := c.Current()
	if !ok {
		return Family{}, ErrNotIdentified
	}
	nf, err := c.load(ctx, f.Account.ID)
	if err != nil {
		return Family{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.family == nil || c.family.Account.ID != f.Account.ID {
		return Family{}, ErrNotIdentified // forgotten meanwhile
	}
	c.applyReadsLocked(&nf) // counter_messages.go
	*c.family = nf
	return nf, nil
}

// Forget wipes everything about the family from memory: the parent left.
func (c *Counter) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wipeLocked()
}

func (c *Counter) wipeLocked() {
	if c.family != nil {
		f := c.family
		clear(f.Pupils)
		clear(f.Meals)
		clear(f.Bookings)
		clear(f.Notices)
		clear(f.Messages)
		*f = Family{}
	}
	c.family = nil
	c.topUp.account, c.topUp.amount, c.topUp.key = "", 0, ""
}

// Touch records an interaction: the idle time starts again.
func (c *Counter) Touch() {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastTouch = now
}

// IdleExpired reports whether a family is on screen and nobody touched it
// for IdleTimeout.
func (c *Counter) IdleExpired() bool {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.family != nil && now.Sub(c.lastTouch) >= c.cfg.IdleTimeout
}

// BookingOpen reports whether a booking of day d may still change: online,
// a day after today, or today before the cut-off.
func (c *Counter) BookingOpen(d Day) bool {
	c.mu.Lock()
	online := c.online
	cutoff := DefaultBookingCutoff
	if c.family != nil && c.family.BookingCutoff != "" {
		cutoff = c.family.BookingCutoff
	}
	c.mu.Unlock()
	if !online {
		return false
	}
	now := c.clock.Now().In(c.cfg.Location)
	today := DayOf(now, c.cfg.Location)
	switch {
	case d > today:
		return true
	case d < today:
		return false
	}
	t, err := ParseTimeOfDay(cutoff)
	if err != nil {
		return false
	}
	return TimeOfDay(now.Hour()*60+now.Minute()) < t
}

// Book changes a coming day's booking of one of the family's children,
// then reloads the family view.
func (c *Counter) Book(ctx context.Context, r BookingRequest) (Family, error) {
	f, ok := c.Current()
	if !ok {
		return Family{}, ErrNotIdentified
	}
	if _, ok := f.Pupil(r.PupilID); !ok {
		return Family{}, fmt.Errorf("counter: pupil %s is not of this family: %w", r.PupilID, ErrNotFound)
	}
	if !c.Online() {
		return Family{}, ErrOffline
	}
	if !c.BookingOpen(r.Day) {
		return Family{}, ErrAfterCutoff
	}
	if _, closed := c.ClosedOn(r.PupilID, r.Day); closed { // counter_menu.go
		return Family{}, ErrClosedDay
	}
	if _, err := c.central.Book(ctx, r); err != nil {
		switch {
		case errors.Is(err, ErrAfterCutoff), errors.Is(err, ErrNotCanteenDay), errors.Is(err, ErrClosedDay):
			return Family{}, err
		case errors.Is(err, ErrBadRequest):
			return Family{}, fmt.Errorf("%w: %w", ErrBookingRefused, err)
		}
		return Family{}, err
	}
	return c.Refresh(ctx)
}

// TopUp asks the central server for a payment position of amount for the
// family and returns its notice. A repeated call with the same amount (a
// retried tap) sends the same idempotency key, so the server returns the
// same notice instead of making a second one.
func (c *Counter) TopUp(ctx context.Context, amount Cents) (Notice, error) {
	f, ok := c.Current()
	if !ok {
		return Notice{}, ErrNotIdentified
	}
	if amount < c.cfg.TopUpMin || amount > c.cfg.TopUpMax {
		return Notice{}, ErrAmountRange
	}
	if !c.Online() {
		return Notice{}, ErrOffline
	}
	c.mu.Lock()
	if c.topUp.account != f.Account.ID || c.topUp.amount != amount || c.topUp.key == "" {
		key, err := NewEventID()
		if err != nil {
			c.mu.Unlock()
			return Notice{}, err
		}
		c.topUp.account, c.topUp.amount, c.topUp.key = f.Account.ID, amount, key
	}
	req := TopUpRequest{AccountID: f.Account.ID, Amount: amount, IdempotencyKey: c.topUp.key}
	c.mu.Unlock()
	n, err := c.central.TopUp(ctx, req)
	if err != nil {
		return Notice{}, err
	}
	c.log.Info("counter: notice issued", "account_id", string(f.Account.ID), "notice_code", n.NoticeCode, "amount", int64(amount))
	return n, nil
}

// NewTopUp forgets the pending top-up attempt: the next TopUp, even of the
// same amount, asks for a new notice (the parent chose to make another).
func (c *Counter) NewTopUp() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.topUp.account, c.topUp.amount, c.topUp.key = "", 0, ""
}

// PollNotice reads a notice's state; once it is paid, the family view is
// reloaded (with the new balance) and returned too.
func (c *Counter) PollNotice(ctx context.Context, code string) (Notice, Family, error) {
	if c.central == nil {
		return Notice{}, Family{}, ErrOffline
	}
	n, err := c.central.Notice(ctx, code)
	if err != nil {
		return Notice{}, Family{}, err
	}
	if n.State != NoticePaid {
		f, _ := c.Current()
		return n, f, nil
	}
	f, err := c.Refresh(ctx)
	if err != nil {
		return n, Family{}, err
	}
	return n, f, nil
}

// News returns the Comune's news, newest first.
func (c *Counter) News() ([]News, error) {
	ns, err := c.store.News()
	slices.SortStableFunc(ns, func(a, b News) int { return b.Published.Compare(a.Published) })
	return ns, err
}

// Documents returns the Comune's documents, newest first.
func (c *Counter) Documents() ([]Document, error) {
	ds, err := c.store.Documents()
	slices.SortStableFunc(ds, func(a, b Document) int { return b.Published.Compare(a.Published) })
	return ds, err
}
