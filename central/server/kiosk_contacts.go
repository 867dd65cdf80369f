package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/central"
)

// bContacts holds each kiosk's last contact: kiosk → KioskContact JSON.
// A request never writes it: recordContact changes memory only, and the
// contacts changed since are written in one commit every ContactFlushEvery
// while the server serves (flushContactsEvery) and at Close. A commit per
// pull would put a durable write (an fsync) inside every pull.
//
// Several servers on one database each hold their own contacts in memory,
// so a write merges with what is stored (mergeContact: the latest of each
// time) instead of overwriting it, and the list (Kiosks) merges what is
// stored with what this process holds.
var bContacts = []byte("kiosk_contacts")

// DefaultContactFlushEvery is Options.ContactFlushEvery's default.
const DefaultContactFlushEvery = 30 * time.Second

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

// contactEntry is a kiosk's contact in memory, and whether it changed
// since it was last written to the database.
type contactEntry struct {
	c     KioskContact
	dirty bool
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
	return forEachStored(tx.Bucket(bContacts), "kiosk contact %q", func(k []byte, c KioskContact) error {
		s.contacts.m[string(k)] = &contactEntry{c: c}
		return nil
	})
}

// recordContact notes an authenticated request of a kiosk, in memory
// only: the next flush writes it (flushContacts).
func (s *Server) recordContact(kiosk, role, version, method, path string) {
	now := s.now()
	s.contacts.mu.Lock()
	defer s.contacts.mu.Unlock()
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
}

// mergeContact is what is known of a kiosk from two servers (or from
// memory and the database): the latest of each time, and the role and
// version of the latest contact (a's on a tie).
func mergeContact(a, b KioskContact) KioskContact {
	m := a
	if b.LastContact.After(a.LastContact) {
		m.Role, m.Version, m.LastContact = b.Role, b.Version, b.LastContact
	}
	if b.LastPull.After(m.LastPull) {
		m.LastPull = b.LastPull
	}
	if b.LastPush.After(m.LastPush) {
		m.LastPush = b.LastPush
	}
	return m
}

// storedContacts reads every stored contact.
func storedContacts(tx kv.Tx) (map[string]KioskContact, error) {
	m := map[string]KioskContact{}
	err := forEachStored(tx.Bucket(bContacts), "kiosk contact %q", func(k []byte, c KioskContact) error {
		m[string(k)] = c
		return nil
	})
	return m, err
}

func putContact(tx kv.Tx, c KioskContact) error {
	c.HasToken = false // told by the tokens when listed
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.Bucket(bContacts).Put([]byte(c.Kiosk), data)
}

// flushContacts writes every contact changed since it was last written,
// in commits of ContactFlushChunk, each merged with the stored one (another
// server's). On a failure those not written stay to be written by the next
// flush.
func (s *Server) flushContacts() error {
	s.contacts.mu.Lock()
	var write []KioskContact
	for _, e := range s.contacts.m {
		if e.dirty {
			write = append(write, e.c)
			e.dirty = false
		}
	}
	s.contacts.mu.Unlock()
	if len(write) == 0 {
		return nil
	}
	// In chunks (kiosk_contacts_flush.go): the pushes take their turns
	// between them.
	written, err := s.writeContacts(write)
	if err != nil {
		s.contacts.mu.Lock()
		for _, c := range write[written:] {
			if e := s.contacts.m[c.Kiosk]; e != nil {
				e.dirty = true
			}
		}
		s.contacts.mu.Unlock()
	}
	return err
}

// flushContactsEvery flushes the contacts every ContactFlushEvery until
// ctx ends (while the server serves; Close flushes the rest).
func (s *Server) flushContactsEvery(ctx context.Context) {
	t := time.NewTicker(s.contactFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.flushContacts(); err != nil {
			s.log.Error("kiosk contacts not saved", "err", err)
		}
	}
}

// Kiosks lists the kiosks heard from and those with a token that never
// connected (zero LastContact), the least recently heard from first
// (never-connected ones first of all), then by kiosk id. A running server
// answers from memory merged with what is stored (written by other servers
// on the database, or before a restart).
func (s *Server) Kiosks() ([]KioskContact, error) {
	byKiosk := map[string]KioskContact{}
	s.contacts.mu.Lock()
	for k, e := range s.contacts.m {
		byKiosk[k] = e.c
	}
	s.contacts.mu.Unlock()
	err := s.db.View(func(tx kv.Tx) error {
		// What other servers on the database wrote.
		stored, err := storedContacts(tx)
		if err != nil {
			return err
		}
		for k, c := range stored {
			if m, ok := byKiosk[k]; ok {
				c = mergeContact(m, c)
			}
			byKiosk[k] = c
		}
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
