package storage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// Outbox events other than meals (voids, staff actions) live in "events",
// keyed by their sequence number, which they take from the same counter as
// meals in the same transaction as the fact they report. Like meals they
// are never deleted: an event is in the outbox while its number is above
// the acknowledged watermark and unanswered, so ApplyPush and Reopen treat
// both kinds alike, by number.

// storedEvent is an event as "events" keeps it: the OutboxEvent sent, and,
// for a void, the meal it voids, so that PendingCharges can count the
// meal's price back while the server has charged it and not yet heard of
// the void.
type storedEvent struct {
	app.OutboxEvent
	MealSeq   uint64        `json:"meal_seq,omitempty"`
	AccountID app.AccountID `json:"account_id,omitempty"`
	Price     app.Cents     `json:"price,omitempty"`
}

// appendEvent writes e with the next sequence number (set in e.Seq).
func appendEvent(tx *bolt.Tx, e *app.OutboxEvent, void *app.Meal) error {
	if e.ID == "" || e.Kind == "" || len(e.Payload) == 0 {
		return errors.New("outbox event without id, kind or payload")
	}
	if e.Kind == app.EventMealRecorded {
		return errors.New("a meal is recorded with RecordMeal, not as an event")
	}
	meta := tx.Bucket(bMeta)
	seq := getInt(meta, kNextSeq)
	if seq < 1 {
		return fmt.Errorf("sequence counter missing")
	}
	e.Seq = uint64(seq)
	se := storedEvent{OutboxEvent: *e}
	if void != nil {
		se.MealSeq, se.AccountID, se.Price = void.Seq, void.AccountID, void.Price
	}
	return firstErr(putJSON(tx.Bucket(bEvents), u64(e.Seq), se), meta.Put(kNextSeq, u64(e.Seq+1)), addInt(meta, kOutLen, 1))
}

func (t *canteenTx) AppendEvent(e *app.OutboxEvent) error { return appendEvent(t.tx, e, nil) }

// openEvents calls fn for each event of "events" still in the outbox.
func openEvents(tx *bolt.Tx, fn func(seq uint64, raw []byte) error) error {
	acked := uint64(getInt(tx.Bucket(bMeta), kAcked))
	c := tx.Bucket(bEvents).Cursor()
	for k, v := c.Seek(u64(acked + 1)); k != nil; k, v = c.Next() {
		seq := uint64(getU64(k))
		if answered(tx, seq) {
			continue
		}
		if err := fn(seq, v); err != nil {
			return err
		}
	}
	return nil
}

func getU64(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	var n uint64
	for _, b := range k {
		n = n<<8 | uint64(b)
	}
	return n
}

// pendingRefunds sums, for the account, the prices of meals the server
// charged (answered, not rejected, not held as a double serve) whose void
// it has not answered yet: the projected balance gives them back at once.
func pendingRefunds(tx *bolt.Tx, a app.AccountID) (app.Cents, error) {
	acked := uint64(getInt(tx.Bucket(bMeta), kAcked))
	var sum app.Cents
	err := openEvents(tx, func(seq uint64, raw []byte) error {
		if !bytes.Contains(raw, []byte(`"`+app.EventMealVoided+`"`)) {
			return nil
		}
		var se storedEvent
		if err := json.Unmarshal(raw, &se); err != nil {
			return fmt.Errorf("event %d: %w", seq, err)
		}
		if se.Kind != app.EventMealVoided || se.AccountID != a || se.MealSeq == 0 {
			return nil
		}
		k := u64(se.MealSeq)
		charged := (se.MealSeq <= acked || tx.Bucket(bDelivered).Get(k) != nil) &&
			tx.Bucket(bRejected).Get(k) == nil && !bytes.Contains(tx.Bucket(bFlagged).Get(k), []byte(app.FlagDoubleServe))
		if charged {
			sum += se.Price
		}
		return nil
	})
	return sum, err
}

// outboxEvents returns the open events of "events", decoded, oldest first.
func outboxEvents(tx *bolt.Tx, limit int) ([]app.OutboxEvent, error) {
	var out []app.OutboxEvent
	err := openEvents(tx, func(seq uint64, raw []byte) error {
		if len(out) >= limit {
			return errStop
		}
		var se storedEvent
		if err := json.Unmarshal(raw, &se); err != nil {
			return fmt.Errorf("event %d: %w", seq, err)
		}
		e := se.OutboxEvent
		e.Seq = seq
		out = append(out, e)
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, err
}

// reopenEvents puts back in the outbox the events above seq that were
// answered (Reopen); it returns how many.
func reopenEvents(tx *bolt.Tx, seq, acked uint64) (int, error) {
	n := 0
	var keys [][]byte
	c := tx.Bucket(bEvents).Cursor()
	for k, _ := c.Seek(u64(seq + 1)); k != nil; k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		es := getU64(k)
		wasOpen := es > acked && !answered(tx, es)
		if err := firstErr(tx.Bucket(bDelivered).Delete(k), tx.Bucket(bRejected).Delete(k)); err != nil {
			return n, err
		}
		if !wasOpen {
			n++
		}
	}
	return n, nil
}

// mergeOutbox merges meals and other events by sequence number, keeping
// the first limit.
func mergeOutbox(meals, events []app.OutboxEvent, limit int) []app.OutboxEvent {
	if len(events) == 0 {
		return meals
	}
	all := append(meals, events...)
	slices.SortFunc(all, func(a, b app.OutboxEvent) int { return cmp.Compare(a.Seq, b.Seq) })
	if len(all) > limit {
		all = all[:limit]
	}
	return all
}

// voidKey is where a voided meal moves in its day's partition, so that the
// pupil's "already served" slot is free for a meal served again.
func voidKey(m app.Meal) []byte {
	return key(string(m.PupilID), string(m.Service), "voided", m.EventID)
}

// VoidMeal marks the meal voided, moves it aside in its day's partition,
// and writes the void's event, in the caller's transaction.
func (t *canteenTx) VoidMeal(m app.Meal, e *app.OutboxEvent) error {
	if e.Kind != app.EventMealVoided {
		return fmt.Errorf("void of meal %s: event kind %q", m.EventID, e.Kind)
	}
	b := t.day(m.Day)
	if b == nil {
		return fmt.Errorf("void of meal %s: %w", m.EventID, app.ErrNotFound)
	}
	k := mealKey(m.PupilID, m.Service)
	var cur app.Meal
	ok, err := getJSON(b, k, &cur)
	if err != nil {
		return err
	}
	if !ok || cur.EventID != m.EventID {
		if b.Get(voidKey(m)) != nil {
			return app.ErrAlreadyVoided
		}
		return fmt.Errorf("void of meal %s: %w", m.EventID, app.ErrNotFound)
	}
	if cur.Voided {
		return app.ErrAlreadyVoided
	}
	cur.Voided = true
	if err := firstErr(b.Delete(k), putJSON(b, voidKey(cur), cur)); err != nil {
		return err
	}
	return appendEvent(t.tx, e, &cur)
}

// DayMeals lists the day's meals, voided ones included, by sequence number.
func (t *canteenTx) DayMeals(d app.Day) ([]app.Meal, error) {
	b := t.day(d)
	if b == nil {
		return nil, nil
	}
	var out []app.Meal
	err := b.ForEach(func(k, v []byte) error {
		var m app.Meal
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("meal %s %q: %w", d, k, err)
		}
		out = append(out, m)
		return nil
	})
	slices.SortFunc(out, func(a, b app.Meal) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, err
}

// ForEachPupil calls fn for every pupil, in id order.
func (t *canteenTx) ForEachPupil(fn func(app.Pupil) error) error {
	return t.tx.Bucket(bPupils).ForEach(func(k, v []byte) error {
		var p app.Pupil
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("pupil %q: %w", k, err)
		}
		return fn(p)
	})
}

// Pupils lists every pupil, in id order.
func (t *canteenTx) Pupils() ([]app.Pupil, error) {
	b := t.tx.Bucket(bPupils)
	out := make([]app.Pupil, 0, b.Stats().KeyN)
	err := b.ForEach(func(k, v []byte) error {
		out = append(out, app.Pupil{})
		if err := json.Unmarshal(v, &out[len(out)-1]); err != nil {
			return fmt.Errorf("pupil %q: %w", k, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DayBookings lists the day's bookings.
func (t *canteenTx) DayBookings(d app.Day) ([]app.Booking, error) {
	var out []app.Booking
	prefix := key(string(d), "")
	c := t.tx.Bucket(bBookings).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var b app.Booking
		if err := json.Unmarshal(v, &b); err != nil {
			return nil, fmt.Errorf("booking %q: %w", k, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// Events lists the events of "events" (voids and the audit trail), oldest
// first: what this kiosk's staff did.
func (s *Store) Events() ([]app.OutboxEvent, error) {
	var out []app.OutboxEvent
	err := s.safeView(func(tx *bolt.Tx) error {
		return tx.Bucket(bEvents).ForEach(func(k, v []byte) error {
			var se storedEvent
			if err := json.Unmarshal(v, &se); err != nil {
				return fmt.Errorf("event %x: %w", k, err)
			}
			out = append(out, se.OutboxEvent)
			return nil
		})
	})
	return out, err
}
