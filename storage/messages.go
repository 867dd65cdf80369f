package storage

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// The counter's copy of the office's messages to families (app.Message,
// pulled from GET /v1/messages), so that a family the kiosk never showed
// online still sees its messages while the server is unreachable. The
// bucket is made by the first write: a database of a kiosk that never
// pulled a message has none, and reads find nothing.

var (
	bMessages = []byte("messages") // id → app.Message JSON; and the two keys below
	kMsgLast  = []byte("\x00last") // the last id pulled
	kMsgAsOf  = []byte("\x00as_of")
)

// MessageCache returns the messages held (in id order), the last id
// pulled and when.
func (s *Store) MessageCache() (ms []app.Message, last string, asOf time.Time, err error) {
	defer recoverCorrupt(&err)
	err = s.safeView(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMessages)
		if b == nil {
			return nil
		}
		last = string(b.Get(kMsgLast))
		if v := b.Get(kMsgAsOf); v != nil {
			if asOf, err = time.Parse(time.RFC3339Nano, string(v)); err != nil {
				return err
			}
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) > 0 && k[0] == 0 { // kMsgLast, kMsgAsOf
				return nil
			}
			var m app.Message
			if _, err := getJSON(b, k, &m); err != nil {
				return err
			}
			ms = append(ms, m)
			return nil
		})
	})
	return ms, last, asOf, err
}

// PutMessages stores a pulled page: its messages, the last id and the
// pull's time, in one transaction.
func (s *Store) PutMessages(ms []app.Message, last string, asOf time.Time) (err error) {
	defer recoverCorrupt(&err)
	return s.safeUpdate(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bMessages)
		if err != nil {
			return err
		}
		for _, m := range ms {
			m.ReadAt = time.Time{}
			if err := putJSON(b, []byte(m.ID), m); err != nil {
				return err
			}
		}
		if err := b.Put(kMsgLast, []byte(last)); err != nil {
			return err
		}
		return b.Put(kMsgAsOf, []byte(asOf.UTC().Format(time.RFC3339Nano)))
	})
}
