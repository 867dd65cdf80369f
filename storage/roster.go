package storage

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// PutRoster writes (inserts or replaces) the roster's records in one
// transaction. Bookings are keyed by day and pupil.
func (s *Store) PutRoster(r app.Roster) error {
	return s.safeUpdate(func(tx *bolt.Tx) error { return putRoster(tx, r) })
}

func putRoster(tx *bolt.Tx, r app.Roster) error {
	{
		acc, pup, bad, bk, fam := tx.Bucket(bAccounts), tx.Bucket(bPupils), tx.Bucket(bBadges), tx.Bucket(bBookings), tx.Bucket(bFamily)
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
			var old app.Pupil
			ok, err := getJSON(pup, []byte(p.ID), &old)
			if err != nil {
				return err
			} else if ok && old.AccountID != p.AccountID {
				if err := fam.Delete(key(string(old.AccountID), string(p.ID))); err != nil {
					return err
				}
			}
			if err := indexFiscalCode(tx, ifFound(ok, &old), &p); err != nil { // counter identification
				return err
			}
			if err := indexName(tx, ifFound(ok, &old), &p); err != nil { // staff search
				return err
			}
			if err := firstErr(putJSON(pup, []byte(p.ID), p), fam.Put(key(string(p.AccountID), string(p.ID)), []byte{})); err != nil {
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
			if b.PupilID == "" || b.Day == "" {
				return fmt.Errorf("roster: booking without pupil or day")
			}
			if err := putJSON(bk, bookingKey(b.PupilID, b.Day), b); err != nil {
				return err
			}
		}
		return nil
	}
}

// Empty reports whether the store has no roster yet (a new kiosk).
func (s *Store) Empty() (bool, error) {
	empty := true
	err := s.safeView(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bPupils).Cursor().First()
		empty = k == nil
		return nil
	})
	return empty, err
}

// ForEachMeal calls fn for every meal recorded here, in sequence order.
func (s *Store) ForEachMeal(fn func(app.Meal) error) error {
	var all []app.Meal
	err := s.safeView(func(tx *bolt.Tx) error {
		return tx.Bucket(bDays).ForEachBucket(func(day []byte) error {
			return tx.Bucket(bDays).Bucket(day).ForEach(func(k, v []byte) error {
				var m app.Meal
				if err := json.Unmarshal(v, &m); err != nil {
					return fmt.Errorf("meal %s %q: %w", day, k, err)
				}
				all = append(all, m)
				return nil
			})
		})
	})
	if err != nil {
		return err
	}
	slices.SortFunc(all, func(a, b app.Meal) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, m := range all {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// Outbox returns up to limit events waiting to be pushed, oldest first: the
// meals above the acknowledged watermark that the server has not answered.
// Only the sequence numbers are read to choose them; only the chosen ones
// are decoded.
func (s *Store) Outbox(limit int) ([]app.OutboxEvent, error) {
	var out []app.OutboxEvent
	err := s.safeView(func(tx *bolt.Tx) error {
		type cand struct {
			seq uint64
			raw []byte
		}
		var cs []cand
		acked := uint64(getInt(tx.Bucket(bMeta), kAcked))
		days := tx.Bucket(bDays)
		if err := tx.Bucket(bUnsynced).ForEach(func(day, _ []byte) error {
			b := days.Bucket(day)
			if b == nil {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				seq, err := mealSeq(v)
				if err != nil {
					return fmt.Errorf("meal %s %q: %w", day, k, err)
				}
				if seq > acked && !answered(tx, seq) {
					cs = append(cs, cand{seq, v})
				}
				return nil
			})
		}); err != nil {
			return err
		}
		slices.SortFunc(cs, func(a, b cand) int { return cmp.Compare(a.seq, b.seq) })
		if len(cs) > limit {
			cs = cs[:limit]
		}
		for _, c := range cs {
			var m app.Meal
			if err := json.Unmarshal(c.raw, &m); err != nil {
				return fmt.Errorf("meal %d: %w", c.seq, err)
			}
			out = append(out, app.OutboxEvent{ID: m.EventID, Seq: m.Seq, Kind: app.EventMealRecorded, At: m.At, Payload: append([]byte(nil), c.raw...)})
		}
		// Voids and staff actions (events.go), merged by number.
		evs, err := outboxEvents(tx, limit)
		if err != nil {
			return err
		}
		out = mergeOutbox(out, evs, limit)
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
	err := s.safeView(func(tx *bolt.Tx) error {
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
	err := s.safeView(func(tx *bolt.Tx) error {
		c.Accounts = tx.Bucket(bAccounts).Stats().KeyN
		c.Pupils = tx.Bucket(bPupils).Stats().KeyN
		c.Badges = tx.Bucket(bBadges).Stats().KeyN
		c.Bookings = tx.Bucket(bBookings).Stats().KeyN
		days := tx.Bucket(bDays)
		if err := days.ForEachBucket(func(day []byte) error {
			c.Meals += days.Bucket(day).Stats().KeyN
			return nil
		}); err != nil {
			return err
		}
		c.Outbox = int(getInt(tx.Bucket(bMeta), kOutLen))
		return nil
	})
	return c, err
}

// ImportMeals records meals many to a transaction, through the same code as
// a tap (sequence numbers, indexes). It is for importing a kiosk's history
// and for building large test databases; taps use Update. Synced meals are
// history the central server already has: they go in no outbox and charge
// no pending amount.
func (s *Store) ImportMeals(ms []*app.Meal, synced bool) error {
	if synced {
		if n, err := s.outboxLen(); err != nil {
			return err
		} else if n > 0 {
			return fmt.Errorf("import of synced history: %d events are waiting to be pushed", n)
		}
	}
	const perTx = 5000
	for len(ms) > 0 {
		n := min(perTx, len(ms))
		if err := s.safeUpdate(func(tx *bolt.Tx) error {
			ct := &canteenTx{tx: tx}
			for _, m := range ms[:n] {
				if err := ct.recordMeal(m, synced); err != nil {
					return err
				}
			}
			if synced { // all of it is acknowledged
				meta := tx.Bucket(bMeta)
				return meta.Put(kAcked, u64(uint64(getInt(meta, kNextSeq)-1)))
			}
			return nil
		}); err != nil {
			return err
		}
		ms = ms[n:]
	}
	return nil
}

func (s *Store) outboxLen() (int, error) {
	var n int
	err := s.safeView(func(tx *bolt.Tx) error {
		n = int(getInt(tx.Bucket(bMeta), kOutLen))
		return nil
	})
	return n, err
}

// NewestEventTime is the time of the newest meal or outbox event stored
// (zero when none): a clock earlier than it went backwards
// (app.CheckClock). It reads the last day's partition and the last event.
func (s *Store) NewestEventTime() (time.Time, error) {
	var newest time.Time
	err := s.safeView(func(tx *bolt.Tx) error {
		days := tx.Bucket(bDays)
		// Days sort as dates: the last holds the newest meals. A few
		// previous days too, in case the last one only holds a meal
		// recorded under a clock that ran ahead and was set back.
		c := days.Cursor()
		n := 0
		for k, v := c.Last(); k != nil && n < 3; k, v = c.Prev() {
			if v != nil {
				continue
			}
			n++
			if err := days.Bucket(k).ForEach(func(_, v []byte) error {
				var m struct {
					At time.Time `json:"at"`
				}
				if err := json.Unmarshal(v, &m); err != nil {
					return fmt.Errorf("meal in %s: %w", k, err)
				}
				if m.At.After(newest) {
					newest = m.At
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if _, v := tx.Bucket(bEvents).Cursor().Last(); v != nil {
			var e struct {
				At time.Time `json:"at"`
			}
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("last event: %w", err)
			}
			if e.At.After(newest) {
				newest = e.At
			}
		}
		return nil
	})
	return newest, err
}
