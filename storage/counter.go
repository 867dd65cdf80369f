package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// The counter role's reads (app.CounterStore): identification by badge or
// by a pupil's codice fiscale (the pupil_cf index, kept by every write of
// pupils: putRoster, deleteRef, sweepUnseen), the family's records, and the
// family view cached from the server.

var _ app.CounterStore = (*Store)(nil)

// BadgePupil returns a badge and its pupil; app.ErrNotFound when either is
// unknown.
func (s *Store) BadgePupil(id app.BadgeID) (b app.Badge, p app.Pupil, err error) {
	defer recoverCorrupt(&err)
	err = s.safeView(func(tx *bolt.Tx) error {
		var err error
		if b, err = getRecord[app.Badge](tx.Bucket(bBadges), string(id)); err != nil {
			return err
		}
		p, err = getRecord[app.Pupil](tx.Bucket(bPupils), string(b.PupilID))
		return err
	})
	return b, p, err
}

// PupilByFiscalCode finds a pupil by codice fiscale (upper case);
// app.ErrNotFound.
func (s *Store) PupilByFiscalCode(cf string) (p app.Pupil, err error) {
	defer recoverCorrupt(&err)
	cf = app.NormaliseFiscalCode(cf)
	if cf == "" {
		return p, app.ErrNotFound
	}
	err = s.safeView(func(tx *bolt.Tx) error {
		id := tx.Bucket(bPupilCF).Get([]byte(cf))
		if id == nil {
			return app.ErrNotFound
		}
		var err error
		p, err = getRecord[app.Pupil](tx.Bucket(bPupils), string(id))
		return err
	})
	return p, err
}

// FamilyAccount returns an account; app.ErrNotFound.
func (s *Store) FamilyAccount(id app.AccountID) (a app.Account, err error) {
	defer recoverCorrupt(&err)
	err = s.safeView(func(tx *bolt.Tx) error {
		var err error
		a, err = getRecord[app.Account](tx.Bucket(bAccounts), string(id))
		return err
	})
	return a, err
}

// FamilyPupils returns the account's children, by id, through the family
// index.
func (s *Store) FamilyPupils(id app.AccountID) (ps []app.Pupil, err error) {
	defer recoverCorrupt(&err)
	err = s.safeView(func(tx *bolt.Tx) error {
		prefix := key(string(id), "")
		pup := tx.Bucket(bPupils)
		c := tx.Bucket(bFamily).Cursor()
		for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
			p, err := getRecord[app.Pupil](pup, string(k[len(prefix):]))
			if errors.Is(err, app.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return nil
	})
	return ps, err
}

// FamilyCache returns the family view last cached for the account.
func (s *Store) FamilyCache(id app.AccountID) (v app.FamilyView, ok bool, err error) {
	defer recoverCorrupt(&err)
	err = s.safeView(func(tx *bolt.Tx) error {
		var err error
		ok, err = getJSON(tx.Bucket(bFamilyCache), []byte(id), &v)
		return err
	})
	return v, ok, err
}

// PutFamilyCache stores a family view (with its AsOf), replacing the one
// cached before for the account. The access hash is not kept with it.
func (s *Store) PutFamilyCache(v app.FamilyView) (err error) {
	defer recoverCorrupt(&err)
	if v.Account.ID == "" {
		return errors.New("family cache: view without account id")
	}
	v.Account.AccessHash = ""
	return s.safeUpdate(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bFamilyCache), []byte(v.Account.ID), v)
	})
}

// News returns the Comune's news, in id order.
func (s *Store) News() ([]app.News, error) { return listJSON[app.News](s, bNews) }

// Documents returns the Comune's documents, in id order.
func (s *Store) Documents() ([]app.Document, error) { return listJSON[app.Document](s, bDocuments) }

// indexFiscalCode keeps the pupil_cf index for a pupil written: the old
// record's code (if any, and still pointing at this pupil) is dropped, the
// new one added. old is nil for a new pupil; p nil for a deleted one.
func indexFiscalCode(tx *bolt.Tx, old, p *app.Pupil) error {
	idx := tx.Bucket(bPupilCF)
	var was, now string
	if old != nil {
		was = app.NormaliseFiscalCode(old.FiscalCode)
	}
	if p != nil {
		now = app.NormaliseFiscalCode(p.FiscalCode)
	}
	// The old code goes unless it stays, and only if it still names this
	// pupil (a sibling record may have taken it over in the same pull).
	if was != "" && was != now && string(idx.Get([]byte(was))) == string(old.ID) {
		if err := idx.Delete([]byte(was)); err != nil {
			return err
		}
	}
	if now != "" {
		return idx.Put([]byte(now), []byte(p.ID))
	}
	return nil
}

// buildFiscalCodeIndex fills the pupil_cf index from the roster, for a file
// migrated to version 3 whose pupils already carry their codes.
func buildFiscalCodeIndex(tx *bolt.Tx) error {
	pupils := tx.Bucket(bPupils)
	if pupils == nil || tx.Bucket(bPupilCF) == nil {
		return nil // not ours: the check for missing buckets says so
	}
	return pupils.ForEach(func(k, v []byte) error {
		var p app.Pupil
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("pupil %q: %w", k, err)
		}
		return indexFiscalCode(tx, nil, &p)
	})
}

// ifFound is &p when found, else nil.
func ifFound(found bool, p *app.Pupil) *app.Pupil {
	if found {
		return p
	}
	return nil
}
