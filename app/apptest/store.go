package apptest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"mensakiosk/app"
)

// Store is an in-memory kiosk store: app.CanteenStore (with its
// app.CanteenTx), app.CounterStore and app.StaffStore over maps. Update
// runs its function on a copy of the state and keeps the copy only when
// the function returns nil, so a failed transaction changes nothing, as a
// bbolt transaction does. Records go in and out through JSON, as they do
// through the real store, so a test sees what a stored value looks like
// (times without their monotonic reading, say).
type Store struct {
	mu sync.Mutex
	st state
}

type bookingKey struct {
	p app.PupilID
	d app.Day
}

// state is everything the store holds; clone copies it for a transaction.
type state struct {
	accounts map[app.AccountID]app.Account
	pupils   map[app.PupilID]app.Pupil
	badges   map[app.BadgeID]app.Badge
	bookings map[bookingKey]app.Booking
	// meals are every meal recorded, voided ones included.
	meals []app.Meal
	// events are the outbox events other than meals (voids, staff audit).
	events  []app.OutboxEvent
	nextSeq uint64
	unknown map[app.BadgeID]int
	staff   map[string]app.Staff
	lock    app.StaffLock
	cache   map[app.AccountID]app.FamilyView
	news    []app.News
	docs    []app.Document
	msgs    messageCopy // store_messages.go
}

func (s state) clone() state {
	c := s
	c.accounts = maps.Clone(s.accounts)
	c.pupils = maps.Clone(s.pupils)
	c.badges = maps.Clone(s.badges)
	c.bookings = maps.Clone(s.bookings)
	c.meals = slices.Clone(s.meals)
	c.events = slices.Clone(s.events)
	c.unknown = maps.Clone(s.unknown)
	c.staff = maps.Clone(s.staff)
	c.cache = maps.Clone(s.cache)
	c.news = slices.Clone(s.news)
	c.docs = slices.Clone(s.docs)
	c.msgs.ms = slices.Clone(s.msgs.ms)
	return c
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{st: state{
		accounts: map[app.AccountID]app.Account{},
		pupils:   map[app.PupilID]app.Pupil{},
		badges:   map[app.BadgeID]app.Badge{},
		bookings: map[bookingKey]app.Booking{},
		nextSeq:  1,
		unknown:  map[app.BadgeID]int{},
		staff:    map[string]app.Staff{},
		cache:    map[app.AccountID]app.FamilyView{},
	}}
}

// stored is v as the real store gives it back: through JSON.
func stored[T any](v T) T {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("apptest: %T does not encode: %v", v, err))
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("apptest: %T does not decode: %v", v, err))
	}
	return out
}

// Update runs fn in a transaction: its changes are kept only if it
// returns nil.
func (s *Store) Update(fn func(app.CanteenTx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := &storeTx{st: s.st.clone()}
	if err := fn(tx); err != nil {
		return err
	}
	s.st = tx.st
	return nil
}

// View runs fn on the state; fn must not write (a write is an error).
func (s *Store) View(fn func(app.CanteenTx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(&storeTx{st: s.st, readOnly: true})
}

// update is Update for the store's own writes.
func (s *Store) update(fn func(*storeTx) error) error {
	return s.Update(func(tx app.CanteenTx) error { return fn(tx.(*storeTx)) })
}

// PutRoster writes accounts, pupils, badges and bookings, replacing those
// with the same ids.
func (s *Store) PutRoster(r app.Roster) error {
	return s.update(func(t *storeTx) error {
		for _, a := range r.Accounts {
			if a.ID == "" {
				return errors.New("roster: account with empty id")
			}
			t.st.accounts[a.ID] = stored(a)
		}
		for _, p := range r.Pupils {
			if p.ID == "" || p.AccountID == "" {
				return fmt.Errorf("roster: pupil %q without id or account", p.ID)
			}
			t.st.pupils[p.ID] = stored(p)
		}
		for _, b := range r.Badges {
			if _, err := app.ParseBadgeID(string(b.ID)); err != nil {
				return fmt.Errorf("roster: %w", err)
			}
			t.st.badges[b.ID] = b
		}
		for _, b := range r.Bookings {
			if b.PupilID == "" || b.Day == "" {
				return errors.New("roster: booking without pupil or day")
			}
			t.st.bookings[bookingKey{b.PupilID, b.Day}] = b
		}
		return nil
	})
}

// PutStaff writes staff members, replacing those with the same ids.
func (s *Store) PutStaff(staff ...app.Staff) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.staff = maps.Clone(s.st.staff)
	for _, m := range staff {
		s.st.staff[m.ID] = m
	}
}

// PutNews and PutDocuments set the Comune's news and documents.
func (s *Store) PutNews(ns ...app.News) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.news = stored(ns)
}

// PutDocuments: see PutNews.
func (s *Store) PutDocuments(ds ...app.Document) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.docs = stored(ds)
}

// OutboxLen is the number of events waiting to be pushed: every meal and
// event recorded, since the fake never syncs.
func (s *Store) OutboxLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.meals) + len(s.st.events)
}

// Events lists the outbox events other than meals (voids, staff audit),
// oldest first.
func (s *Store) Events() []app.OutboxEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.events)
}

// Meals lists every meal recorded, voided ones included, in sequence
// order.
func (s *Store) Meals() []app.Meal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.meals)
}

// UnknownBadges counts the taps of each unknown badge noted.
func (s *Store) UnknownBadges() map[app.BadgeID]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.st.unknown)
}

// --- app.CounterStore

// BadgePupil returns a badge and its pupil; app.ErrNotFound when either is
// unknown.
func (s *Store) BadgePupil(id app.BadgeID) (b app.Badge, p app.Pupil, err error) {
	err = s.View(func(tx app.CanteenTx) error {
		if b, err = tx.Badge(id); err != nil {
			return err
		}
		p, err = tx.Pupil(b.PupilID)
		return err
	})
	return b, p, err
}

// PupilByFiscalCode finds a pupil by codice fiscale; app.ErrNotFound.
func (s *Store) PupilByFiscalCode(cf string) (app.Pupil, error) {
	cf = app.NormaliseFiscalCode(cf)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range slices.Sorted(maps.Keys(s.st.pupils)) {
		if p := s.st.pupils[id]; cf != "" && app.NormaliseFiscalCode(p.FiscalCode) == cf {
			return p, nil
		}
	}
	return app.Pupil{}, app.ErrNotFound
}

// FamilyAccount returns an account; app.ErrNotFound.
func (s *Store) FamilyAccount(id app.AccountID) (a app.Account, err error) {
	err = s.View(func(tx app.CanteenTx) error { a, err = tx.Account(id); return err })
	return a, err
}

// FamilyPupils returns the account's children, by id.
func (s *Store) FamilyPupils(id app.AccountID) ([]app.Pupil, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.Pupil
	for _, pid := range slices.Sorted(maps.Keys(s.st.pupils)) {
		if p := s.st.pupils[pid]; p.AccountID == id {
			out = append(out, p)
		}
	}
	return out, nil
}

// FamilyCache returns the family view last cached for the account.
func (s *Store) FamilyCache(id app.AccountID) (app.FamilyView, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.st.cache[id]
	return v, ok, nil
}

// PutFamilyCache stores a view (without the access hash), replacing the
// one cached before for the account.
func (s *Store) PutFamilyCache(v app.FamilyView) error {
	if v.Account.ID == "" {
		return errors.New("family cache: view without account id")
	}
	v.Account.AccessHash = ""
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.cache = maps.Clone(s.st.cache)
	s.st.cache[v.Account.ID] = stored(v)
	return nil
}

// News returns the Comune's news, in id order.
func (s *Store) News() ([]app.News, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.st.news, func(n app.News) string { return n.ID }), nil
}

// Documents returns the Comune's documents, in id order.
func (s *Store) Documents() ([]app.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.st.docs, func(d app.Document) string { return d.ID }), nil
}

func sortedByID[T any](xs []T, id func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortStableFunc(out, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	return out
}

// --- app.StaffStore

// StaffMembers lists the staff, in id order.
func (s *Store) StaffMembers() ([]app.Staff, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []app.Staff
	for _, id := range slices.Sorted(maps.Keys(s.st.staff)) {
		out = append(out, s.st.staff[id])
	}
	return out, nil
}

// StaffLock reads the lockout state.
func (s *Store) StaffLock() (app.StaffLock, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.lock, nil
}

// SaveStaffLock writes the lockout state and the audit events in one
// transaction.
func (s *Store) SaveStaffLock(l app.StaffLock, audit ...app.OutboxEvent) error {
	return s.update(func(t *storeTx) error {
		t.st.lock = stored(l)
		return t.appendAll(audit)
	})
}

// AppendEvents writes audit events in one transaction.
func (s *Store) AppendEvents(audit ...app.OutboxEvent) error {
	return s.update(func(t *storeTx) error { return t.appendAll(audit) })
}

// storeTx is app.CanteenTx over the store's state (a copy, in Update).
type storeTx struct {
	st       state
	readOnly bool
}

var errReadOnly = errors.New("apptest: write in a View")

func (t *storeTx) write() error {
	if t.readOnly {
		return errReadOnly
	}
	return nil
}

func lookup[K comparable, V any](m map[K]V, k K) (V, error) {
	v, ok := m[k]
	if !ok {
		return v, app.ErrNotFound
	}
	return v, nil
}

func (t *storeTx) Badge(id app.BadgeID) (app.Badge, error)       { return lookup(t.st.badges, id) }
func (t *storeTx) Pupil(id app.PupilID) (app.Pupil, error)       { return lookup(t.st.pupils, id) }
func (t *storeTx) Account(id app.AccountID) (app.Account, error) { return lookup(t.st.accounts, id) }

func (t *storeTx) Booking(p app.PupilID, d app.Day) (app.Booking, bool, error) {
	b, ok := t.st.bookings[bookingKey{p, d}]
	return b, ok, nil
}

// MealServed returns the meal recorded and not voided for the pupil in the
// service on the day.
func (t *storeTx) MealServed(p app.PupilID, d app.Day, s app.Service) (app.Meal, bool, error) {
	for _, m := range t.st.meals {
		if m.PupilID == p && m.Day == d && m.Service == s && !m.Voided {
			return m, true, nil
		}
	}
	return app.Meal{}, false, nil
}

// PendingCharges sums the account's meals not voided: none is ever
// acknowledged, since the fake does not sync.
func (t *storeTx) PendingCharges(a app.AccountID) (app.Cents, error) {
	var sum app.Cents
	for _, m := range t.st.meals {
		if m.AccountID == a && !m.Voided {
			sum += m.Price
		}
	}
	return sum, nil
}

func (t *storeTx) ServedCount(d app.Day, s app.Service) (int, error) {
	n := 0
	for _, m := range t.st.meals {
		if m.Day == d && m.Service == s && !m.Voided {
			n++
		}
	}
	return n, nil
}

// RecordMeal writes the meal with the next sequence number (set in m.Seq).
func (t *storeTx) RecordMeal(m *app.Meal) error {
	if err := t.write(); err != nil {
		return err
	}
	if m.Day == "" || m.PupilID == "" || m.Service == "" {
		return errors.New("meal without day, pupil or service")
	}
	if _, ok, _ := t.MealServed(m.PupilID, m.Day, m.Service); ok {
		return fmt.Errorf("meal for %s %s %s already recorded", m.PupilID, m.Day, m.Service)
	}
	m.Seq = t.st.nextSeq
	t.st.nextSeq++
	t.st.meals = append(t.st.meals, stored(*m))
	return nil
}

func (t *storeTx) OutboxLen() (int, error) { return len(t.st.meals) + len(t.st.events), nil }

func (t *storeTx) NoteUnknownBadge(id app.BadgeID, _ time.Time) error {
	if err := t.write(); err != nil {
		return err
	}
	t.st.unknown[id]++
	return nil
}

func (t *storeTx) StaffByBadge(id app.BadgeID) (app.Staff, bool, error) {
	for _, sid := range slices.Sorted(maps.Keys(t.st.staff)) {
		if st := t.st.staff[sid]; st.BadgeID != "" && st.BadgeID == id {
			return st, true, nil
		}
	}
	return app.Staff{}, false, nil
}

// AppendEvent writes an event other than a meal with the next sequence
// number (set in e.Seq).
func (t *storeTx) AppendEvent(e *app.OutboxEvent) error {
	if err := t.write(); err != nil {
		return err
	}
	if e.ID == "" || e.Kind == "" || len(e.Payload) == 0 {
		return errors.New("outbox event without id, kind or payload")
	}
	if e.Kind == app.EventMealRecorded {
		return errors.New("a meal is recorded with RecordMeal, not as an event")
	}
	e.Seq = t.st.nextSeq
	t.st.nextSeq++
	t.st.events = append(t.st.events, stored(*e))
	return nil
}

func (t *storeTx) appendAll(evs []app.OutboxEvent) error {
	for i := range evs {
		if err := t.AppendEvent(&evs[i]); err != nil {
			return err
		}
	}
	return nil
}

// DayMeals lists the day's meals, voided ones included, by sequence number.
func (t *storeTx) DayMeals(d app.Day) ([]app.Meal, error) {
	var out []app.Meal
	for _, m := range t.st.meals {
		if m.Day == d {
			out = append(out, m)
		}
	}
	return out, nil
}

// VoidMeal marks the meal voided and writes the void's event.
func (t *storeTx) VoidMeal(m app.Meal, e *app.OutboxEvent) error {
	if err := t.write(); err != nil {
		return err
	}
	if e.Kind != app.EventMealVoided {
		return fmt.Errorf("void of meal %s: event kind %q", m.EventID, e.Kind)
	}
	i := slices.IndexFunc(t.st.meals, func(x app.Meal) bool { return x.EventID == m.EventID && x.Day == m.Day })
	switch {
	case i < 0:
		return fmt.Errorf("void of meal %s: %w", m.EventID, app.ErrNotFound)
	case t.st.meals[i].Voided:
		return app.ErrAlreadyVoided
	}
	t.st.meals[i].Voided = true
	return t.AppendEvent(e)
}

// ForEachPupil calls fn for every pupil, in id order.
func (t *storeTx) ForEachPupil(fn func(app.Pupil) error) error {
	for _, id := range slices.Sorted(maps.Keys(t.st.pupils)) {
		if err := fn(t.st.pupils[id]); err != nil {
			return err
		}
	}
	return nil
}

// Pupils lists every pupil, in id order.
func (t *storeTx) Pupils() ([]app.Pupil, error) {
	out := make([]app.Pupil, 0, len(t.st.pupils))
	return out, t.ForEachPupil(func(p app.Pupil) error { out = append(out, p); return nil })
}

// DayBookings lists the day's bookings, by pupil.
func (t *storeTx) DayBookings(d app.Day) ([]app.Booking, error) {
	var out []app.Booking
	for k, b := range t.st.bookings {
		if k.d == d {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b app.Booking) int { return cmp.Compare(a.PupilID, b.PupilID) })
	return out, nil
}

// PupilsByNamePrefix reads the pupils in the surname index's order (folded
// surname, folded first name, id) and cuts as app.CanteenTx says: after
// limit entries, but not inside the run of the limit-th's namesakes.
func (t *storeTx) PupilsByNamePrefix(prefix string, limit int) ([]app.PupilName, error) {
	want := app.FoldName(prefix)
	if want == "" || limit <= 0 {
		return nil, nil
	}
	var all []app.PupilName
	for _, p := range t.st.pupils {
		n := app.PupilName{Last: app.FoldName(p.LastName), First: app.FoldName(p.FirstName), School: p.School, Class: p.Class, ID: p.ID}
		if strings.HasPrefix(nameKey(n), want) {
			all = append(all, n)
		}
	}
	slices.SortFunc(all, func(a, b app.PupilName) int { return strings.Compare(nameKey(a), nameKey(b)) })
	var out []app.PupilName
	for _, n := range all {
		if len(out) >= limit {
			last := out[limit-1]
			if n.Last != last.Last || n.First != last.First {
				break
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// nameKey is the entry's key in the real store's surname index.
func nameKey(n app.PupilName) string { return n.Last + "\x00" + n.First + "\x00" + string(n.ID) }
