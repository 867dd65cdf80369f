package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app/apptest"
	"mensakiosk/central"
)

// contactOf returns the listed contact of kiosk.
func contactOf(t *testing.T, s *Server, kiosk string) KioskContact {
	t.Helper()
	ks, err := s.Kiosks()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if k.Kiosk == kiosk {
			return k
		}
	}
	t.Fatalf("kiosk %s not listed in %+v", kiosk, ks)
	return KioskContact{}
}

// savedContact returns kiosk's contact as written in the database.
func savedContact(t *testing.T, s *Server, kiosk string) (c KioskContact, ok bool) {
	t.Helper()
	err := s.db.View(func(tx kv.Tx) error {
		v := tx.Bucket(bContacts).Get([]byte(kiosk))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &c)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, ok
}

// pullWithVersion sends a pull with a raw Mensakiosk-Version header.
func (e *env) pullWithVersion(token, version string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+central.PathPull, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(central.HeaderKioskVersion, version)
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("pull: %d", resp.StatusCode)
	}
}

// The kiosk's client sends its version on every request; the server lists
// it with the token's role and the times of the last contact and pull.
func TestKioskContactFromClient(t *testing.T) {
	e := newEnv(t)
	c, err := central.NewClient(central.ClientConfig{BaseURL: e.base, Token: e.roleToken("k1", RoleCanteen), Version: "0.9.0+rc1"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Pull(context.Background(), "", 0); err != nil {
		t.Fatal(err)
	}
	got := contactOf(t, e.s, "k1")
	want := KioskContact{Kiosk: "k1", Role: RoleCanteen, Version: "0.9.0+rc1", LastContact: testNow, LastPull: testNow, HasToken: true}
	if got != want {
		t.Fatalf("contact %+v, want %+v", got, want)
	}

	// A token made before roles: role "". No version header: "".
	legacy := e.token("k2")
	e.clock.Set(testNow.Add(time.Minute))
	if st, _, _ := e.do(http.MethodGet, central.PathPull, legacy, nil); st != http.StatusOK {
		t.Fatal(st)
	}
	if got := contactOf(t, e.s, "k2"); got.Role != "" || got.Version != "" || !got.LastContact.Equal(testNow.Add(time.Minute)) {
		t.Fatalf("legacy kiosk %+v", got)
	}
}

// A version too long or with other characters is stored as "invalid".
func TestKioskContactInvalidVersion(t *testing.T) {
	e := newEnv(t)
	tok := e.roleToken("k1", RoleCounter)
	for _, v := range []string{strings.Repeat("1", 33), "0.9 beta", "0.9;rm", "0.9.0\u00e9", "<script>"} {
		e.pullWithVersion(tok, v)
		if got := contactOf(t, e.s, "k1"); got.Version != VersionInvalid || got.Role != RoleCounter {
			t.Errorf("version %q stored as %+v", v, got)
		}
	}
	ok := strings.Repeat("a", 32)
	e.pullWithVersion(tok, ok)
	if got := contactOf(t, e.s, "k1").Version; got != ok {
		t.Errorf("version %q stored as %q", ok, got)
	}
}

// A request never writes the database: memory changes, and the flush
// writes every contact changed since, in one commit; what memory holds is
// written at Close, so it survives a restart.
func TestKioskContactWrittenByTheFlushNotTheRequest(t *testing.T) {
	e := newEnv(t)
	tok := e.roleToken("k1", RoleCanteen)
	e.pullWithVersion(tok, "1.0.0")
	if c, ok := savedContact(t, e.s, "k1"); ok {
		t.Fatalf("the pull wrote its contact: %+v", c)
	}
	if got := contactOf(t, e.s, "k1"); !got.LastContact.Equal(testNow) || got.Version != "1.0.0" {
		t.Fatalf("live contact %+v", got)
	}
	if err := e.s.flushContacts(); err != nil {
		t.Fatal(err)
	}
	if c, ok := savedContact(t, e.s, "k1"); !ok || !c.LastContact.Equal(testNow) || c.Version != "1.0.0" {
		t.Fatalf("flushed contact %v: %+v", ok, c)
	}
	e.clock.Set(testNow.Add(90 * time.Second))
	e.pullWithVersion(tok, "1.0.3")
	if c, _ := savedContact(t, e.s, "k1"); c.Version != "1.0.0" {
		t.Fatalf("the pull wrote its contact: %+v", c)
	}

	// Restart: the last contact, only in memory until Close, is kept.
	e.stop()
	e.stop = func() {}
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := openTest(t, e.dir, Options{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	want := KioskContact{Kiosk: "k1", Role: RoleCanteen, Version: "1.0.3", LastContact: testNow.Add(90 * time.Second),
		LastPull: testNow.Add(90 * time.Second), HasToken: true}
	if got := contactOf(t, s2, "k1"); !got.LastContact.Equal(want.LastContact) || got.Version != want.Version ||
		got.Role != want.Role || !got.LastPull.Equal(want.LastPull) || !got.HasToken {
		t.Fatalf("after restart %+v, want %+v", got, want)
	}
}

// Several servers on one database each hold their own contacts: a flush
// merges with what another server stored (the latest of each time, the
// role and version of the latest contact), and the list shows the merge
// before any flush.
func TestKioskContactFlushMergesWithAnotherServers(t *testing.T) {
	e := newEnv(t)
	tok := e.roleToken("k1", RoleCanteen)
	// This server: a pull at testNow+1m.
	e.clock.Set(testNow.Add(time.Minute))
	e.pullWithVersion(tok, "1.0.0")
	// Another server: a push at testNow+2m (its last contact), an older
	// pull.
	other := KioskContact{Kiosk: "k1", Role: RoleCanteen, Version: "1.1.0", LastContact: testNow.Add(2 * time.Minute),
		LastPull: testNow, LastPush: testNow.Add(2 * time.Minute)}
	if err := e.s.db.Update(func(tx kv.Tx) error { return putContact(tx, other) }); err != nil {
		t.Fatal(err)
	}
	want := KioskContact{Kiosk: "k1", Role: RoleCanteen, Version: "1.1.0", LastContact: testNow.Add(2 * time.Minute),
		LastPull: testNow.Add(time.Minute), LastPush: testNow.Add(2 * time.Minute)}
	same := func(got KioskContact) bool {
		return got.Version == want.Version && got.Role == want.Role && got.LastContact.Equal(want.LastContact) &&
			got.LastPull.Equal(want.LastPull) && got.LastPush.Equal(want.LastPush)
	}
	if got := contactOf(t, e.s, "k1"); !same(got) {
		t.Fatalf("listed before the flush %+v, want %+v", got, want)
	}
	if err := e.s.flushContacts(); err != nil {
		t.Fatal(err)
	}
	if got, _ := savedContact(t, e.s, "k1"); !same(got) {
		t.Fatalf("stored after the flush %+v, want %+v", got, want)
	}
}

// A serving server flushes by itself, every ContactFlushEvery.
func TestKioskContactFlushedWhileServing(t *testing.T) {
	dir := t.TempDir()
	s, err := openTest(t, dir, Options{Clock: apptest.NewClock(testNow), ContactFlushEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &env{t: t, s: s, dir: dir, http: &http.Client{Timeout: 30 * time.Second}}
	e.serve()
	defer e.stop()
	e.pullWithVersion(e.roleToken("k1", RoleCanteen), "1.0.0")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c, ok := savedContact(t, s, "k1"); ok {
			if !c.LastPull.Equal(testNow) {
				t.Fatalf("flushed %+v", c)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the contact was not flushed within 10 s while serving")
		}
	}
}

// A kiosk with a token that never connected is listed first, with a zero
// last contact and its token's role; the list is the least recent first.
func TestKioskContactsNeverAndOrder(t *testing.T) {
	e := newEnv(t)
	a, b := e.roleToken("a", RoleCanteen), e.roleToken("b", RoleCanteen)
	e.roleToken("never", RoleCounter)
	e.pullWithVersion(b, "1")
	e.clock.Set(testNow.Add(time.Hour))
	e.pullWithVersion(a, "1")
	ks, err := e.s.Kiosks()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, k := range ks {
		order = append(order, k.Kiosk)
	}
	if strings.Join(order, ",") != "never,b,a" {
		t.Fatalf("order %v", order)
	}
	if !ks[0].LastContact.IsZero() || ks[0].Role != RoleCounter || !ks[0].HasToken {
		t.Fatalf("never-connected kiosk %+v", ks[0])
	}
}
