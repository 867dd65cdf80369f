package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/internal/logagg"
)

// ValidKioskID reports whether id can name a kiosk: the protocol's rule
// for identifiers (central.CheckID): 1 to 64 letters, digits, '.', '_' or
// '-', starting with a letter or digit.
func ValidKioskID(id string) bool { return central.ValidID(id) }

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return []byte(hex.EncodeToString(h[:]))
}

// Token roles: what a kiosk's token may do (RoleCanteen, RoleCounter, as in
// the kiosk's configuration). A token made before roles existed carries
// none and may do what both kiosk roles may, until it is re-issued.
const (
	// RoleCanteen: pull, push its own meals, voids and audit events.
	RoleCanteen = app.RoleCanteen
	// RoleCounter: pull, push audit events, read family views, change
	// bookings, create top-ups and read notices.
	RoleCounter = app.RoleCounter
	// roleLegacy is a token made before roles: both kiosk roles.
	roleLegacy = ""
)

// ValidTokenRole reports whether role can be given to a kiosk's token.
func ValidTokenRole(role string) bool { return role == RoleCanteen || role == RoleCounter }

// CreateToken makes a new token for a kiosk, for role (RoleCanteen or
// RoleCounter), and returns it: it is shown once, only its SHA-256 is
// stored. A kiosk has one token: a new one replaces (revokes) the
// previous.
func (s *Server) CreateToken(kioskID, role string) (string, error) {
	if err := central.CheckID(kioskID); err != nil {
		return "", fmt.Errorf("kiosk id %s: %w", logagg.Escape(kioskID, 80), err)
	}
	if !ValidTokenRole(role) {
		return "", fmt.Errorf("token role %q: want %s or %s", role, RoleCanteen, RoleCounter)
	}
	token, err := s.newToken()
	if err != nil {
		return "", err
	}
	err = s.db.Update(func(tx kv.Tx) error {
		return putToken(tx, kioskID, role, tokenHash(token))
	})
	if err != nil {
		return "", err
	}
	s.log.Info("token created", "kiosk", kioskID, "role", role)
	return token, nil
}

// putToken stores a token's hash for a kiosk and role, replacing the
// kiosk's previous token. The stored value is the kiosk id, then NUL and
// the role; a value without NUL is a token made before roles (kiosk ids
// never hold NUL: ValidKioskID).
func putToken(tx kv.Tx, kioskID, role string, h []byte) error {
	v := []byte(kioskID)
	if role != roleLegacy {
		v = key(kioskID, role)
	}
	return kioskTokens.put(tx, kioskID, h, v)
}

// RevokeToken revokes a kiosk's token: its requests are refused from now.
func (s *Server) RevokeToken(kioskID string) error { return s.revokeToken(kioskTokens, kioskID) }

// kioskFor returns the kiosk a token belongs to and its role (roleLegacy
// for a token made before roles), or "" for an unknown token.
func (s *Server) kioskFor(token string) (kiosk, role string, err error) {
	err = s.db.View(func(tx kv.Tx) error {
		h := tokenHash(token)
		prefetchIn(tx, bTokens, h) // prefetch.go: one query on kvpg
		v := tx.Bucket(bTokens).Get(h)
		k, r, _ := bytes.Cut(v, []byte{0})
		kiosk, role = string(k), string(r)
		return nil
	})
	return kiosk, role, err
}

// Review lists the events kept aside for staff: rejected, or accepted with
// a flag (double serve, sequence conflict, below zero).
func (s *Server) Review() ([]ReviewItem, error) {
	var out []ReviewItem
	err := s.db.View(func(tx kv.Tx) error {
		evb := tx.Bucket(bEvents)
		return tx.Bucket(bReview).ForEach(func(k, _ []byte) error {
			var it ReviewItem
			if err := json.Unmarshal(evb.Get(k), &it); err != nil {
				return fmt.Errorf("event %s: %w", k, err)
			}
			out = append(out, it)
			return nil
		})
	})
	return out, err
}

// Event returns a stored event; ok is false when the id is unknown.
func (s *Server) Event(id string) (it ReviewItem, ok bool, err error) {
	err = s.db.View(func(tx kv.Tx) error {
		v := tx.Bucket(bEvents).Get([]byte(id))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &it)
	})
	return it, ok, err
}

// Balance is an account's balance on the server: the opening balance
// minus the meals charged (voids give back).
func (s *Server) Balance(id app.AccountID) (app.Cents, error) {
	var bal app.Cents
	err := s.db.View(func(tx kv.Tx) error {
		opening, charged, ok := getLedger(tx, id)
		if !ok {
			return fmt.Errorf("account %q: %w", id, app.ErrNotFound)
		}
		bal = opening - charged
		return nil
	})
	return bal, err
}

// EventCount is the number of events stored from a kiosk (every answer
// but duplicates).
func (s *Server) EventCount(kioskID string) (int, error) {
	var n int
	err := s.db.View(func(tx kv.Tx) error {
		ks, err := getKiosk(tx, kioskID)
		n = ks.Events
		return err
	})
	return n, err
}

// KioskView is what the server holds of a kiosk's stream for an epoch
// ("" for the kiosk's latest).
func (s *Server) KioskView(kioskID, epoch string) (app.KioskView, error) {
	var v app.KioskView
	err := s.db.View(func(tx kv.Tx) error {
		v = kioskView(tx, kioskID, epoch)
		return nil
	})
	return v, err
}
