package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
	"mensakiosk/internal/nulkey"
)

// canteenTx implements app.CanteenTx over one bbolt transaction.
type canteenTx struct{ tx *bolt.Tx }

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("record %q: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// getRecord reads the JSON record at k into a T; app.ErrNotFound if absent.
func getRecord[T any](b *bolt.Bucket, k string) (T, error) {
	var v T
	ok, err := getJSON(b, []byte(k), &v)
	if err == nil && !ok {
		err = app.ErrNotFound
	}
	return v, err
}

func (t *canteenTx) Badge(id app.BadgeID) (app.Badge, error) {
	return getRecord[app.Badge](t.tx.Bucket(bBadges), string(id))
}

func (t *canteenTx) Pupil(id app.PupilID) (app.Pupil, error) {
	return getRecord[app.Pupil](t.tx.Bucket(bPupils), string(id))
}

func (t *canteenTx) Account(id app.AccountID) (app.Account, error) {
	return getRecord[app.Account](t.tx.Bucket(bAccounts), string(id))
}

func bookingKey(p app.PupilID, d app.Day) []byte { return key(string(d), string(p)) }

func (t *canteenTx) Booking(p app.PupilID, d app.Day) (app.Booking, bool, error) {
	var b app.Booking
	ok, err := getJSON(t.tx.Bucket(bBookings), bookingKey(p, d), &b)
	return b, ok, err
}

func mealKey(p app.PupilID, s app.Service) []byte { return key(string(p), string(s)) }

func (t *canteenTx) day(d app.Day) *bolt.Bucket { return t.tx.Bucket(bDays).Bucket([]byte(d)) }

func (t *canteenTx) MealServed(p app.PupilID, d app.Day, s app.Service) (app.Meal, bool, error) {
	var m app.Meal
	b := t.day(d)
	if b == nil {
		return m, false, nil
	}
	ok, err := getJSON(b, mealKey(p, s), &m)
	if ok && m.Voided {
		ok = false
	}
	return m, ok, err
}

// PendingCharges sums the unacknowledged meals of the account's pupils
// over the days that hold any: reads only, so the tap writes nothing for it.
func (t *canteenTx) PendingCharges(a app.AccountID) (app.Cents, error) {
	acked := uint64(getInt(t.tx.Bucket(bMeta), kAcked))
	prefix := key(string(a), "")
	var siblings [][]byte
	fc := t.tx.Bucket(bFamily).Cursor()
	for k, _ := fc.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = fc.Next() {
		siblings = append(siblings, k[len(prefix):])
	}
	var sum app.Cents
	days := t.tx.Bucket(bDays)
	err := t.tx.Bucket(bUnsynced).ForEach(func(day, _ []byte) error {
		b := days.Bucket(day)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for _, p := range siblings {
			pp := append(append([]byte(nil), p...), 0)
			for k, v := c.Seek(pp); k != nil && bytes.HasPrefix(k, pp); k, v = c.Next() {
				var m app.Meal
				if err := json.Unmarshal(v, &m); err != nil {
					return fmt.Errorf("meal %q: %w", k, err)
				}
				if m.Seq > acked && !m.Voided && m.AccountID == a && !answered(t.tx, m.Seq) {
					sum += m.Price
				}
			}
		}
		return nil
	})
	if err != nil {
		return sum, err
	}
	// Voids of meals the server charged, not yet pushed: a refund due.
	refund, err := pendingRefunds(t.tx, a)
	return sum - refund, err
}

// ServedCount counts the day's meals in the service: a scan of the keys of
// one day's partition (a few hundred at most), decoding only records that
// mention a void. It is not on the tap's path.
func (t *canteenTx) ServedCount(d app.Day, s app.Service) (int, error) {
	b := t.day(d)
	if b == nil {
		return 0, nil
	}
	suffix := append([]byte{0}, s...)
	n := 0
	err := b.ForEach(func(k, v []byte) error {
		if !bytes.HasSuffix(k, suffix) {
			return nil
		}
		if !bytes.Contains(v, []byte(`"voided"`)) { // most meals: no need to decode
			n++
			return nil
		}
		var m app.Meal
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("meal %q: %w", k, err)
		}
		if !m.Voided {
			n++
		}
		return nil
	})
	return n, err
}

func (t *canteenTx) OutboxLen() (int, error) {
	return int(getInt(t.tx.Bucket(bMeta), kOutLen)), nil
}

// RecordMeal writes the meal in its day's partition with the next sequence
// number. The record is its own outbox entry (its sequence number is above
// the acknowledged watermark), so the meal and its outbox entry are one
// write and cannot part.
func (t *canteenTx) RecordMeal(m *app.Meal) error { return t.recordMeal(m, false) }

// recordMeal is RecordMeal; synced meals (imported history the central
// server already has) leave the outbox as it is.
func (t *canteenTx) recordMeal(m *app.Meal, synced bool) error {
	meta := t.tx.Bucket(bMeta)
	seq := getInt(meta, kNextSeq)
	if seq < 1 {
		return fmt.Errorf("sequence counter missing")
	}
	if m.Day == "" || m.PupilID == "" || m.Service == "" {
		return fmt.Errorf("meal without day, pupil or service")
	}
	m.Seq = uint64(seq)
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b, err := t.tx.Bucket(bDays).CreateBucketIfNotExists([]byte(m.Day))
	if err != nil {
		return err
	}
	k := mealKey(m.PupilID, m.Service)
	if b.Get(k) != nil {
		return fmt.Errorf("meal for %s %s %s already recorded", m.PupilID, m.Day, m.Service)
	}
	if err := firstErr(b.Put(k, raw), meta.Put(kNextSeq, u64(m.Seq+1))); err != nil || synced {
		return err
	}
	if u := t.tx.Bucket(bUnsynced); u.Get([]byte(m.Day)) == nil {
		if err := u.Put([]byte(m.Day), []byte{}); err != nil {
			return err
		}
	}
	return addInt(meta, kOutLen, 1)
}

type unknownBadge struct {
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	Count int       `json:"count"`
}

func (t *canteenTx) NoteUnknownBadge(id app.BadgeID, at time.Time) error {
	b := t.tx.Bucket(bUnknown)
	var u unknownBadge
	if _, err := getJSON(b, []byte(id), &u); err != nil {
		return err
	}
	if u.Count == 0 {
		u.First = at.UTC()
	}
	u.Last = at.UTC()
	u.Count++
	return putJSON(b, []byte(id), u)
}

// key joins parts with NUL bytes (nulkey.Join).
func key(parts ...string) []byte { return nulkey.Join(parts...) }

func getInt(b *bolt.Bucket, k []byte) int64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

func addInt(b *bolt.Bucket, k []byte, d int64) error {
	return b.Put(k, u64(uint64(getInt(b, k)+d)))
}
