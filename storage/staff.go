package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// Staff mode's records: the staff (pulled from the server into "staff"),
// the PIN lockout (kept across restarts in "staff_lock"), and the audit
// events staff mode writes outside the canteen's transactions.

var kLock = []byte("lock")

// StaffMembers lists the staff, in id order.
func (s *Store) StaffMembers() ([]app.Staff, error) { return listJSON[app.Staff](s, bStaff) }

// StaffByBadge finds the staff member with the badge: a scan of the staff,
// a few dozen records, made only for a badge that is not a pupil's.
func (t *canteenTx) StaffByBadge(id app.BadgeID) (app.Staff, bool, error) {
	var found app.Staff
	ok := false
	err := t.tx.Bucket(bStaff).ForEach(func(k, v []byte) error {
		var st app.Staff
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("staff %q: %w", k, err)
		}
		if st.BadgeID != "" && st.BadgeID == id {
			found, ok = st, true
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return found, ok, err
}

// StaffLock reads the PIN lockout state.
func (s *Store) StaffLock() (app.StaffLock, error) {
	var l app.StaffLock
	err := s.safeView(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bStaffLock), kLock, &l)
		return err
	})
	return l, err
}

// SaveStaffLock writes the lockout state and the audit events in one
// transaction.
func (s *Store) SaveStaffLock(l app.StaffLock, audit ...app.OutboxEvent) error {
	return s.safeUpdate(func(tx *bolt.Tx) error {
		if err := putJSON(tx.Bucket(bStaffLock), kLock, l); err != nil {
			return err
		}
		return appendAll(tx, audit)
	})
}

// AppendEvents writes audit events in one transaction.
func (s *Store) AppendEvents(audit ...app.OutboxEvent) error {
	if len(audit) == 0 {
		return nil
	}
	return s.safeUpdate(func(tx *bolt.Tx) error { return appendAll(tx, audit) })
}

func appendAll(tx *bolt.Tx, evs []app.OutboxEvent) error {
	for i := range evs {
		if err := appendEvent(tx, &evs[i], nil); err != nil {
			return err
		}
	}
	return nil
}
