package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// The menu and the school calendar the kiosk last pulled (app.MenuStore):
// one JSON document, replaced whole at each pull that brings a change, so
// the screens have them offline with their as-of time. The bucket is made
// by the first pull that stores one: a file without it holds no menu yet,
// and an older kiosk opening the file ignores it.
var (
	bMenu     = []byte("menu")
	kMenuCal  = []byte("calendar")
	kOverride = []byte("closed_day_override") // the day staff opened though closed
	_         = app.MenuStore((*Store)(nil))
	_         = app.ClosedDayOverrideTx(canteenTx{})
	_         = app.ClosedDayOverrideStore((*Store)(nil))
)

// MenuCalendar returns the menu and calendar last stored, and whether
// there is one.
func (s *Store) MenuCalendar() (app.MenuCalendar, bool, error) {
	var mc app.MenuCalendar
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMenu)
		if b == nil {
			return nil
		}
		raw := b.Get(kMenuCal)
		if raw == nil {
			return nil
		}
		found = true
		if err := json.Unmarshal(raw, &mc); err != nil {
			return fmt.Errorf("stored menu and calendar: %w", err)
		}
		return nil
	})
	return mc, found, err
}

// PutMenuCalendar stores mc in place of the one held.
func (s *Store) PutMenuCalendar(mc app.MenuCalendar) error {
	mc.Unchanged = false
	raw, err := json.Marshal(mc)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bMenu)
		if err != nil {
			return err
		}
		return b.Put(kMenuCal, raw)
	})
}

// PutClosedDayOverride keeps the day staff opened though closed, in the
// transaction of its audit entry (app.ClosedDayOverrideTx).
func (t canteenTx) PutClosedDayOverride(d app.Day) error {
	b, err := t.tx.CreateBucketIfNotExists(bMenu)
	if err != nil {
		return err
	}
	return b.Put(kOverride, []byte(d))
}

// ClosedDayOverride is the day staff last opened though closed ("" if
// never): a kiosk restarted that day keeps serving.
func (s *Store) ClosedDayOverride() (app.Day, error) {
	var d app.Day
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bMenu); b != nil {
			d = app.Day(b.Get(kOverride))
		}
		return nil
	})
	return d, err
}
