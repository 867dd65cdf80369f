package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/central"
)

// bContacts holds each kiosk's last contact: kiosk → KioskContact JSON.
// It is written at most once a minute per kiosk (contactPersistEvery) and
// at Close, never on every request: a bbolt commit per pull would cost.
var bContacts = []byte("kiosk_contacts")

// contactPersistEvery is the least time between two writes of a kiosk's
// contact to the database.
const contactPersistEvery = time.Minute

// maxKioskVersion is the longest version string a kiosk may send.
const maxKioskVersion = 32

// VersionInvalid is stored for a version header that is too long or holds
// characters other than [0-9A-Za-z.+~-].
const VersionInvalid = "invalid"

// KioskContact is what the server knows of a kiosk's contacts: its version
// (from the Mensakiosk-Version header; "" when it sent none), the role of
// its token ("" for a token made before roles), and when it was last heard
// from, last pulled and last pushed (zero: never). HasToken: the kiosk has
// a valid token now; a kiosk with one that never connected has a zero
// LastContact.
type KioskContact struct {
	Kiosk       string    `json:"kiosk"`
	Role        string    `json:"role"`
	Version     string    `json:"version"`
	LastContact time.Time `json:"last_contact,omitzero"`
	LastPull    time.Time `json:"last_pull,omitzero"`
	LastPush    time.Time `json:"last_push,omitzero"`
	HasToken    bool      `json:"has_token"`
}

// contactEntry is a kiosk's contact in memory, with when it was last
// written to the database and whether it changed since.
type contactEntry struct {
	c         KioskContact
	persisted time.Time
	dirty     bool
}

// contacts is the live map of kiosk contacts.
type contacts struct {
	mu sync.Mutex
	m  map[string]*contactEntry
}

// kioskVersion is the version a kiosk sent, checked.
func kioskVersion(v string) string {
	if len(v) > maxKioskVersion {
		return VersionInvalid
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			c == '.' || c == '+' || c == '~' || c == '-'
		if !ok {
			return VersionInvalid
		}
	}
	return v
}

// loadContacts reads the persisted contacts into memory (at Open).
func (s *Server) loadContacts(tx kv.Tx) error {
	s.contacts.m = map[string]*contactEntry{}
	return tx.Bucket(bContacts).ForEach(func(k, v []byte) error {
		var c KioskContact
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("kiosk contact %q: %w", k, err)
		}
		s.contacts.m[string(k)] = &contactEntry{c: c}
		return nil
	})
}

// recordContact notes an authenticated request of a kiosk. The database
// is written when the kiosk's contact was last written a minute or more
// ago; otherwise only memory changes.
func (s *Server) recordContact(kiosk, role, version, method, path string) {
	now := s.now()
	s.contacts.mu.Lock()
	e := s.contacts.m[kiosk]
	if e == nil {
		e = &contactEntry{c: KioskContact{Kiosk: kiosk}}
		s.contacts.m[kiosk] = e
	}
	e.c.Role, e.c.Version, e.c.LastContact = role, kioskVersion(version), now
	switch {
	case path == central.PathPull && method == "GET":
		e.c.LastPull = now
	case path == central.PathEvents && method == "POST":
		e.c.LastPush = now
	}
	e.dirty = true
	var write *KioskContact
	if e.persisted.IsZero() || now.Sub(e.persisted) >= contactPersistEvery {
		c := e.c
		write, e.persisted, e.dirty = &c, now, false
	}
	s.contacts.mu.Unlock()
	if write != nil {
		if err := s.db.Update(func(tx kv.Tx) error { return putContact(tx, *write) }); err != nil {
			s.log.Error("kiosk contact not saved", "kiosk", kiosk, "err", err)
			s.contacts.mu.Lock()
			e.dirty = true
			s.contacts.mu.Unlock()
		}
	}
}

func putContact(tx kv.Tx, c KioskContact) error {
	c.HasToken = false // told by the tokens when listed
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.Bucket(bContacts).Put([]byte(c.Kiosk), data)
}

// flushContacts writes every contact changed since it was last written
// (at Close).
func (s *Server) flushContacts() error {
	s.contacts.mu.Lock()
	var write []KioskContact
	for _, e := range s.contacts.m {
		if e.dirty {
			write = append(write, e.c)
			e.dirty, e.persisted = false, s.now()
		}
	}
	s.contacts.mu.Unlock()
	if len(write) == 0 {
		return nil
	}
	return s.db.Update(func(tx kv.Tx) error {
		for _, c := range write {
			if err := putContact(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// Kiosks lists the kiosks heard from and those with a token that never
// connected (zero LastContact), the least recently heard from first
// (never-connected ones first of all), then by kiosk id. A running server
// answers from memory; a database opened offline from what was saved.
func (s *Server) Kiosks() ([]KioskContact, error) {
	byKiosk := map[string]KioskContact{}
	s.contacts.mu.Lock()
	for k, e := range s.contacts.m {
		byKiosk[k] = e.c
	}
	s.contacts.mu.Unlock()
	err := s.db.View(func(tx kv.Tx) error {
		tk := tx.Bucket(bTokens)
		return tx.Bucket(bKioskTk).ForEach(func(k, h []byte) error {
			c, ok := byKiosk[string(k)]
			if !ok {
				c = KioskContact{Kiosk: string(k)}
				_, role, _ := bytes.Cut(tk.Get(h), []byte{0})
				c.Role = string(role)
			}
			c.HasToken = true
			byKiosk[string(k)] = c
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]KioskContact, 0, len(byKiosk))
	for _, c := range byKiosk {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b KioskContact) int {
		return cmp.Or(a.LastContact.Compare(b.LastContact), cmp.Compare(a.Kiosk, b.Kiosk))
	})
	return out, nil
}
