package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"mensakiosk/central/server/kv"

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

// The database is written at most once a minute per kiosk; memory at
// every request; and what memory holds is written at Close, so it survives
// a restart.
func TestKioskContactPersistOnceAMinuteAndAtClose(t *testing.T) {
	e := newEnv(t)
	tok := e.roleToken("k1", RoleCanteen)
	e.pullWithVersion(tok, "1.0.0")
	if c, ok := savedContact(t, e.s, "k1"); !ok || !c.LastContact.Equal(testNow) {
		t.Fatalf("first contact saved %v: %+v", ok, c)
	}
	e.clock.Set(testNow.Add(59 * time.Second))
	e.pullWithVersion(tok, "1.0.1")
	if c, _ := savedContact(t, e.s, "k1"); !c.LastContact.Equal(testNow) || c.Version != "1.0.0" {
		t.Fatalf("written again within the minute: %+v", c)
	}
	if got := contactOf(t, e.s, "k1"); !got.LastContact.Equal(testNow.Add(59*time.Second)) || got.Version != "1.0.1" {
		t.Fatalf("live contact %+v", got)
	}
	e.clock.Set(testNow.Add(time.Minute))
	e.pullWithVersion(tok, "1.0.2")
	if c, _ := savedContact(t, e.s, "k1"); !c.LastContact.Equal(testNow.Add(time.Minute)) || c.Version != "1.0.2" {
		t.Fatalf("not written after a minute: %+v", c)
	}
	e.clock.Set(testNow.Add(90 * time.Second))
	e.pullWithVersion(tok, "1.0.3")
	if c, _ := savedContact(t, e.s, "k1"); c.Version != "1.0.2" {
		t.Fatalf("written again within the minute: %+v", c)
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
