package server

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"mensakiosk/central"
	"mensakiosk/central/server/kv"
)

// updateCounter is a kv.DB that counts its Updates and fails the one
// numbered failAt (1-based; 0: none).
type updateCounter struct {
	kv.DB
	updates, failAt int
}

var errChunkRefused = errors.New("update refused by the test")

func (u *updateCounter) Update(fn func(kv.Tx) error) error {
	u.updates++
	if u.updates == u.failAt {
		return errChunkRefused
	}
	return u.DB.Update(fn)
}

// The flush writes the contacts in Updates of ContactFlushChunk (on
// PostgreSQL each holds the Comune's write turn, which the pushes wait
// for), each merged with what another server stored; after a failed
// chunk, the contacts not written are written by the next flush.
func TestKioskContactFlushWritesInChunks(t *testing.T) {
	e := newEnv(t)
	const n = 2*ContactFlushChunk + ContactFlushChunk/2
	for i := range n {
		e.s.recordContact(fmt.Sprintf("k-%04d", i), RoleCanteen, "1.0.0", "GET", central.PathPull)
	}
	// Another server heard from k-0007 later, by a push.
	other := KioskContact{Kiosk: "k-0007", Role: RoleCanteen, Version: "1.1.0", LastContact: testNow.Add(time.Minute),
		LastPush: testNow.Add(time.Minute)}
	if err := e.s.db.Update(func(tx kv.Tx) error { return putContact(tx, other) }); err != nil {
		t.Fatal(err)
	}
	db := e.s.db
	defer func() { e.s.db = db }()
	counter := &updateCounter{DB: db, failAt: 2}
	e.s.db = counter
	if err := e.s.flushContacts(); !errors.Is(err, errChunkRefused) {
		t.Fatalf("flush with its second chunk refused: %v", err)
	}
	stored := func() map[string]KioskContact {
		t.Helper()
		var m map[string]KioskContact
		if err := db.View(func(tx kv.Tx) (err error) { m, err = storedContacts(tx); return err }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := stored()
	written := len(m)
	if m["k-0007"].LastPull.IsZero() { // only the other server's
		written--
	}
	if written != ContactFlushChunk {
		t.Fatalf("%d contacts written before the refused chunk, want %d", written, ContactFlushChunk)
	}
	counter.updates, counter.failAt = 0, 0
	if err := e.s.flushContacts(); err != nil {
		t.Fatal(err)
	}
	if want := 2; counter.updates != want {
		t.Fatalf("the second flush wrote the %d contacts left in %d Updates, want %d (chunks of %d)",
			n-ContactFlushChunk, counter.updates, want, ContactFlushChunk)
	}
	m = stored()
	if len(m) != n {
		t.Fatalf("%d contacts stored, want %d", len(m), n)
	}
	if c := m["k-0007"]; c.Version != "1.1.0" || !c.LastPush.Equal(other.LastPush) || !c.LastPull.Equal(testNow) {
		t.Fatalf("k-0007 stored as %+v: not merged with the other server's", c)
	}
	counter.updates = 0
	if err := e.s.flushContacts(); err != nil || counter.updates != 0 {
		t.Fatalf("a flush with nothing changed: %d Updates, %v", counter.updates, err)
	}
}
