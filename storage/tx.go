package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// canteenTx implements app.CanteenTx over one bbolt transaction.
type canteenTx struct{ tx *bolt.Tx }

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("%s %q: %w", "record", key, err)
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

func (t *canteenTx) Badge(id app.BadgeID) (app.Badge, error) {
	var b app.Badge
	ok, err := getJSON(t.tx.Bucket(bBadges), []byte(id), &b)
	if err == nil && !ok {
		err = app.ErrNotFound
	}
	return b, err
}

func (t *canteenTx) Pupil(id app.PupilID) (app.Pupil, error) {
	var p app.Pupil
	ok, err := getJSON(t.tx.Bucket(bPupils), []byte(id), &p)
	if err == nil && !ok {
		err = app.ErrNotFound
	}
	return p, err
}

func (t *canteenTx) Account(id app.AccountID) (app.Account, error) {
	var a app.Account
	ok, err := getJSON(t.tx.Bucket(bAccounts), []byte(id), &a)
	if err == nil && !ok {
		err = app.ErrNotFound
	}
	return a, err
}

func bookingKey(p app.PupilID, d app.Day) []byte { return key(string(d), string(p)) }

func (t *canteenTx) Booking(p app.PupilID, d app.Day) (app.Booking, bool, error) {
	var b app.Booking
	ok, err := getJSON(t.tx.Bucket(bBookings), bookingKey(p, d), &b)
	return b, ok, err
}

func servedKey(p app.PupilID, d app.Day, s app.Service) []byte {
	return key(string(d), string(s), string(p))
}

func (t *canteenTx) MealServed(p app.PupilID, d app.Day, s app.Service) (app.Meal, bool, error) {
	seq := t.tx.Bucket(bServed).Get(servedKey(p, d, s))
	if seq == nil {
		return app.Meal{}, false, nil
	}
	var m app.Meal
	ok, err := getJSON(t.tx.Bucket(bMeals), seq, &m)
	if err == nil && !ok {
		err = fmt.Errorf("served index points at missing meal %x", seq)
	}
	return m, ok, err
}

func (t *canteenTx) PendingCharges(a app.AccountID) (app.Cents, error) {
	return app.Cents(getInt(t.tx.Bucket(bPending), []byte(a))), nil
}

func (t *canteenTx) ServedCount(d app.Day, s app.Service) (int, error) {
	return int(getInt(t.tx.Bucket(bCount), key(string(d), string(s)))), nil
}

func (t *canteenTx) OutboxLen() (int, error) {
	return int(getInt(t.tx.Bucket(bMeta), kOutLen)), nil
}

// RecordMeal writes the meal, its outbox event with the next sequence number,
// the served index, the day's counter and the account's pending charges, all
// in the caller's transaction.
func (t *canteenTx) RecordMeal(m *app.Meal) error {
	meta := t.tx.Bucket(bMeta)
	seq := getInt(meta, kNextSeq)
	if seq < 1 {
		return fmt.Errorf("sequence counter missing")
	}
	m.Seq = uint64(seq)
	sk := u64(m.Seq)
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	ev, err := json.Marshal(app.OutboxEvent{ID: m.EventID, Seq: m.Seq, Kind: app.EventMealRecorded, At: m.At, Payload: raw})
	if err != nil {
		return err
	}
	return firstErr(
		t.tx.Bucket(bMeals).Put(sk, raw),
		t.tx.Bucket(bOutbox).Put(sk, ev),
		t.tx.Bucket(bServed).Put(servedKey(m.PupilID, m.Day, m.Service), sk),
		addInt(t.tx.Bucket(bCount), key(string(m.Day), string(m.Service)), 1),
		addInt(t.tx.Bucket(bPending), []byte(m.AccountID), int64(m.Price)),
		meta.Put(kNextSeq, u64(m.Seq+1)),
		addInt(meta, kOutLen, 1),
	)
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

// key joins parts with NUL, which no id contains.
func key(parts ...string) []byte {
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}

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
