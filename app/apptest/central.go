package apptest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// Central is an in-memory central server as the counter needs it
// (app.CounterCentral): the family view, bookings, and top-ups by pagoPA
// notice, with Pay standing for pagoPA's receipt. It keeps the reference
// server's rules that a screen shows: the booking cut-off in the Comune's
// time zone, a booking only on a canteen day, one notice per idempotency
// key, a paid notice credited once, a valid notice past its due date read
// as expired.
type Central struct {
	clock app.Clock
	loc   *time.Location

	// Creditor, Subject, DueDays, the top-up bounds and Cutoff are what a
	// notice and the family view carry; NewCentral sets the reference
	// server's defaults (its test creditor).
	Creditor           app.Creditor
	Subject            string
	DueDays            int
	MinTopUp, MaxTopUp app.Cents
	Cutoff             string
	// Publication is where a new notice stands on pagoPA (empty:
	// published); Publish moves it on (central_family.go).
	Publication app.NoticePublication

	mu       sync.Mutex
	err      error
	accounts map[app.AccountID]app.Account
	pupils   map[app.PupilID]app.Pupil
	bookings map[bookingKey]app.Booking
	meals    []app.Meal
	notices  map[string]app.Notice // by notice code
	keys     map[string]string     // idempotency key → notice code
	iuv      uint64
	desk     familyDesk // central_family.go
}

// NewCentral returns a central server with no families, reading the time
// from clock in the Comune's time zone loc.
func NewCentral(clock app.Clock, loc *time.Location) *Central {
	return &Central{clock: clock, loc: loc,
		Creditor: app.Creditor{FiscalCode: "99999000013", Name: "Comune di Esempio", Sector: "Servizi scolastici", Contacts: "mensa@comune.esempio.it"},
		Subject:  "Ricarica servizio mensa scolastica", DueDays: 30, MinTopUp: 100, MaxTopUp: 50_000, Cutoff: "09:30",
		accounts: map[app.AccountID]app.Account{}, pupils: map[app.PupilID]app.Pupil{},
		bookings: map[bookingKey]app.Booking{}, notices: map[string]app.Notice{}, keys: map[string]string{},
		iuv: 1_000_000_000_000}
}

// PutRoster adds (or replaces) accounts and pupils, and the bookings that
// differ from the default. An account without BalanceAsOf gets the clock's
// time, as the server's import gives it.
func (c *Central) PutRoster(r app.Roster) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range r.Accounts {
		if a.BalanceAsOf.IsZero() {
			a.BalanceAsOf = c.clock.Now().UTC()
		}
		c.accounts[a.ID] = stored(a)
	}
	for _, p := range r.Pupils {
		c.pupils[p.ID] = stored(p)
	}
	for _, b := range r.Bookings {
		c.bookings[bookingKey{b.PupilID, b.Day}] = b
	}
}

// PutMeals adds meals to the server's history (the family view's meals).
func (c *Central) PutMeals(ms ...app.Meal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.meals = append(c.meals, stored(ms)...)
}

// Fail makes every call return err (nil: answer again): app.ErrUnreachable
// for a network down, app.ErrForbidden for a token of the wrong role.
func (c *Central) Fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

// answer runs fn, the server's side of one call, with c locked, unless
// Fail set a failure to return instead.
func answer[T any](c *Central, fn func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		var zero T
		return zero, c.err
	}
	return fn()
}

func (c *Central) today() app.Day { return app.DayOf(c.clock.Now(), c.loc) }

// Family returns the family view of account a with the meals of from..to.
func (c *Central) Family(_ context.Context, a app.AccountID, from, to app.Day) (app.FamilyView, error) {
	return answer(c, func() (app.FamilyView, error) { return c.family(a, from, to) })
}

func (c *Central) family(a app.AccountID, from, to app.Day) (app.FamilyView, error) {
	acc, ok := c.accounts[a]
	if !ok {
		return app.FamilyView{}, unknown("account", string(a))
	}
	acc.AccessHash = ""
	today := c.today()
	v := app.FamilyView{Account: acc, BookingCutoff: c.Cutoff, AsOf: c.clock.Now().UTC(),
		Meals: []app.Meal{}, Bookings: []app.Booking{}, Notices: c.noticesLocked(a), Messages: c.messagesLocked(a)}
	for _, m := range c.meals {
		if p, ok := c.pupils[m.PupilID]; ok && p.AccountID == a && m.AccountID == a && m.Day >= from && m.Day <= to {
			v.Meals = append(v.Meals, m)
		}
	}
	for k, b := range c.bookings {
		if p, ok := c.pupils[k.p]; ok && p.AccountID == a && k.d >= today {
			v.Bookings = append(v.Bookings, b)
		}
	}
	slices.SortFunc(v.Meals, func(x, y app.Meal) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), x.At.Compare(y.At), cmp.Compare(x.EventID, y.EventID))
	})
	slices.SortFunc(v.Bookings, func(x, y app.Booking) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.PupilID, y.PupilID))
	})
	return stored(v), nil
}

// Book records a booking change; app.ErrAfterCutoff for a day past, or
// today after the cut-off; app.ErrNotCanteenDay for a day the pupil does
// not eat at the canteen (both app.ErrBadRequest too, as the client gives
// them).
func (c *Central) Book(_ context.Context, r app.BookingRequest) (app.Booking, error) {
	return answer(c, func() (app.Booking, error) { return c.book(r) })
}

func (c *Central) book(r app.BookingRequest) (app.Booking, error) {
	p, ok := c.pupils[r.PupilID]
	if !ok {
		return app.Booking{}, unknown("pupil", string(r.PupilID))
	}
	day, err := time.ParseInLocation(time.DateOnly, string(r.Day), c.loc)
	if err != nil {
		return app.Booking{}, fmt.Errorf("day %q: %w", r.Day, app.ErrBadRequest)
	}
	cutoff, err := app.ParseTimeOfDay(c.Cutoff)
	if err != nil {
		return app.Booking{}, err
	}
	now := c.clock.Now().In(c.loc)
	today := app.DayOf(now, c.loc)
	if r.Day < today || (r.Day == today && app.TimeOfDay(now.Hour()*60+now.Minute()) >= cutoff) {
		return app.Booking{}, fmt.Errorf("%w: %w: %s", app.ErrAfterCutoff, app.ErrBadRequest, r.Day)
	}
	if !p.EatsOn(day.Weekday()) {
		return app.Booking{}, fmt.Errorf("%w: %w: %s", app.ErrNotCanteenDay, app.ErrBadRequest, r.Day)
	}
	b := app.Booking(r)
	if !b.Cancelled && !b.Bland {
		delete(c.bookings, bookingKey{b.PupilID, b.Day}) // the default needs no record
	} else {
		c.bookings[bookingKey{b.PupilID, b.Day}] = b
	}
	return b, nil
}

// TopUp makes a payment position of r.Amount for the account, or returns
// the one made before for the same idempotency key.
func (c *Central) TopUp(_ context.Context, r app.TopUpRequest) (app.Notice, error) {
	return answer(c, func() (app.Notice, error) { return c.topUp(r) })
}

func (c *Central) topUp(r app.TopUpRequest) (app.Notice, error) {
	if code, ok := c.keys[r.IdempotencyKey]; ok {
		n := c.notices[code]
		if n.Amount != r.Amount || n.AccountID != r.AccountID {
			return app.Notice{}, fmt.Errorf("idempotency key reused for another top-up: %w", app.ErrBadRequest)
		}
		return c.currentLocked(n), nil
	}
	if r.Amount < c.MinTopUp || r.Amount > c.MaxTopUp {
		return app.Notice{}, fmt.Errorf("%w: a top-up is from %d to %d cents", app.ErrBadRequest, c.MinTopUp, c.MaxTopUp)
	}
	acc, ok := c.accounts[r.AccountID]
	if !ok {
		return app.Notice{}, unknown("account", string(r.AccountID))
	}
	c.iuv++
	code, err := pagopa.NewNoticeCode(1, c.iuv)
	if err != nil {
		return app.Notice{}, err
	}
	now := c.clock.Now()
	day := time.Date(now.In(c.loc).Year(), now.In(c.loc).Month(), now.In(c.loc).Day(), 0, 0, 0, 0, c.loc)
	n := app.Notice{IUPD: c.Creditor.FiscalCode + "-" + code[1:], NoticeCode: code, AccountID: r.AccountID,
		DebtorFiscalCode: strings.ToUpper(acc.HolderFiscalCode), DebtorName: acc.Holder, Amount: r.Amount,
		Subject: c.Subject, DueDate: app.Day(day.AddDate(0, 0, c.DueDays).Format(time.DateOnly)),
		State: app.NoticeValid, Created: now, Creditor: c.Creditor, Publication: c.Publication}
	n = stored(n)
	c.notices[code], c.keys[r.IdempotencyKey] = n, code
	return n, nil
}

// Notice reads a notice's current state.
func (c *Central) Notice(_ context.Context, code string) (app.Notice, error) {
	return answer(c, func() (app.Notice, error) { return c.notice(code) })
}

func (c *Central) notice(code string) (app.Notice, error) {
	n, ok := c.notices[code]
	if !ok {
		return app.Notice{}, unknown("notice", code)
	}
	return c.currentLocked(n), nil
}

// unknown is the client's error for a 404 the server explained: an unknown
// account, pupil or notice.
func unknown(what, id string) error {
	return fmt.Errorf("%w: %w: unknown %s %q", app.ErrNotFound, app.ErrBadRequest, what, id)
}

// currentLocked applies expiry: a valid notice past its due date reads as
// expired.
func (c *Central) currentLocked(n app.Notice) app.Notice {
	if n.State == app.NoticeValid && n.DueDate != "" && c.today() > n.DueDate {
		n.State = app.NoticeExpired
	}
	return n
}

// Notices lists the notices issued to the account, newest first.
func (c *Central) Notices(a app.AccountID) []app.Notice {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.noticesLocked(a)
}

func (c *Central) noticesLocked(a app.AccountID) []app.Notice {
	out := []app.Notice{}
	for _, code := range slices.Sorted(maps.Keys(c.notices)) {
		if n := c.notices[code]; n.AccountID == a {
			out = append(out, c.currentLocked(n))
		}
	}
	slices.SortStableFunc(out, func(x, y app.Notice) int {
		return cmp.Or(y.Created.Compare(x.Created), cmp.Compare(y.NoticeCode, x.NoticeCode))
	})
	return out
}

// ErrAlreadyPaid: Pay of a notice paid before; nothing is credited again.
var ErrAlreadyPaid = errors.New("apptest: notice already paid")

// Pay is pagoPA's receipt for the notice: the notice is paid and the amount
// paid is credited to the family's balance, once.
func (c *Central) Pay(r app.Receipt) (app.Notice, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.notices[r.NoticeCode]
	switch {
	case !ok:
		return app.Notice{}, fmt.Errorf("no notice %s: %w", r.NoticeCode, app.ErrNotFound)
	case n.State == app.NoticePaid:
		return n, ErrAlreadyPaid
	}
	r = stored(r)
	n.State, n.Receipt = app.NoticePaid, &r
	c.notices[r.NoticeCode] = n
	acc := c.accounts[n.AccountID]
	acc.Balance += r.Amount
	acc.BalanceAsOf = c.clock.Now().UTC()
	c.accounts[n.AccountID] = stored(acc)
	return n, nil
}
