package storage

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// PutRoster writes (inserts or replaces) the roster's records in one
// transaction. Bookings are keyed by day and pupil.
func (s *Store) PutRoster(r app.Roster) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		acc, pup, bad, bk := tx.Bucket(bAccounts), tx.Bucket(bPupils), tx.Bucket(bBadges), tx.Bucket(bBookings)
		for _, a := range r.Accounts {
			if a.ID == "" {
				return fmt.Errorf("roster: account with empty id")
			}
			if err := putJSON(acc, []byte(a.ID), a); err != nil {
				return err
			}
		}
		for _, p := range r.Pupils {
			if p.ID == "" || p.AccountID == "" {
				return fmt.Errorf("roster: pupil %q without id or account", p.ID)
			}
			if err := putJSON(pup, []byte(p.ID), p); err != nil {
				return err
			}
		}
		for _, b := range r.Badges {
			if _, err := app.ParseBadgeID(string(b.ID)); err != nil {
				return fmt.Errorf("roster: %w", err)
			}
			if err := putJSON(bad, []byte(b.ID), b); err != nil {
				return err
			}
		}
		for _, b := range r.Bookings {
			if err := putJSON(bk, bookingKey(b.PupilID, b.Day), b); err != nil {
				return err
			}
		}
		return nil
	})
}

// Empty reports whether the store has no roster yet (a new kiosk).
func (s *Store) Empty() (bool, error) {
	empty := true
	err := s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bPupils).Cursor().First()
		empty = k == nil
		return nil
	})
	return empty, err
}

// ForEachMeal calls fn for every meal recorded here, in sequence order.
func (s *Store) ForEachMeal(fn func(app.Meal) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeals).ForEach(func(k, v []byte) error {
			var m app.Meal
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("meal %x: %w", k, err)
			}
			return fn(m)
		})
	})
}

// Outbox returns up to limit events waiting to be pushed, oldest first.
func (s *Store) Outbox(limit int) ([]app.OutboxEvent, error) {
	var out []app.OutboxEvent
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var e app.OutboxEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("outbox %x: %w", k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// UnknownBadge is an unknown badge id seen at this kiosk, kept for staff.
type UnknownBadge struct {
	ID          app.BadgeID
	First, Last time.Time
	Count       int
}

// UnknownBadges lists the unknown badge ids seen here.
func (s *Store) UnknownBadges() ([]UnknownBadge, error) {
	var out []UnknownBadge
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bUnknown).ForEach(func(k, v []byte) error {
			var u unknownBadge
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, UnknownBadge{ID: app.BadgeID(k), First: u.First, Last: u.Last, Count: u.Count})
			return nil
		})
	})
	return out, err
}

// Counts are the numbers of records in the store.
type Counts struct {
	Accounts, Pupils, Badges, Bookings, Meals, Outbox int
}

// Count returns the numbers of records.
func (s *Store) Count() (Counts, error) {
	var c Counts
	err := s.db.View(func(tx *bolt.Tx) error {
		c.Accounts = tx.Bucket(bAccounts).Stats().KeyN
		c.Pupils = tx.Bucket(bPupils).Stats().KeyN
		c.Badges = tx.Bucket(bBadges).Stats().KeyN
		c.Bookings = tx.Bucket(bBookings).Stats().KeyN
		c.Meals = tx.Bucket(bMeals).Stats().KeyN
		c.Outbox = int(getInt(tx.Bucket(bMeta), kOutLen))
		return nil
	})
	return c, err
}
