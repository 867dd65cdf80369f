package server

import (
	"testing"

	"mensakiosk/app"
)

// TestCanteenPullHasNoAccessHashes: a canteen never identifies a family, so
// its pull carries no access-code hash (a stolen canteen kiosk holds none);
// a counter's does, for identification offline. A kiosk whose token changes
// role starts a reset pull in its new view, so it gains or loses the hashes.
func TestCanteenPullHasNoAccessHashes(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.ImportFiles(accountsCSV(map[string]string{"A1": "4821093375", "A2": "1100223344"})); err != nil {
		t.Fatal(err)
	}
	hashes := func(p app.PullPage) (accounts, withHash int) {
		for _, a := range p.Accounts {
			accounts++
			if a.AccessHash != "" {
				withHash++
			}
		}
		return
	}

	canteen := e.roleToken("K9", RoleCanteen)
	all, pages := e.pullAll(canteen, "", 1)
	if n, h := hashes(all); n != 2 || h != 0 {
		t.Fatalf("canteen pull: %d accounts, %d with an access hash; want 2 and 0", n, h)
	}
	cursor := pages[len(pages)-1].Cursor

	// The same kiosk made a counter: its canteen cursor starts a reset pull
	// that brings every hash.
	counter := e.roleToken("K9", RoleCounter)
	all, pages = e.pullAll(counter, cursor, 1)
	if !pages[0].Reset {
		t.Fatal("a canteen cursor pulled with a counter token did not start a reset pull")
	}
	if n, h := hashes(all); n != 2 || h != 2 {
		t.Fatalf("counter pull: %d accounts, %d with an access hash; want 2 and 2", n, h)
	}
	cursor = pages[len(pages)-1].Cursor
	// An unchanged counter pulls deltas as before, not a reset.
	if p := e.pull(counter, cursor, 1, ""); p.Reset || len(p.Accounts) != 0 {
		t.Fatalf("counter's next pull: reset %v, %d accounts", p.Reset, len(p.Accounts))
	}

	// Back to canteen: a reset pull replaces the accounts without hashes.
	canteen = e.roleToken("K9", RoleCanteen)
	all, pages = e.pullAll(canteen, cursor, 1)
	if !pages[0].Reset {
		t.Fatal("a counter cursor pulled with a canteen token did not start a reset pull")
	}
	if n, h := hashes(all); n != 2 || h != 0 {
		t.Fatalf("canteen pull again: %d accounts, %d with an access hash; want 2 and 0", n, h)
	}

	// A token made before roles may serve a counter: it pulls the hashes.
	legacy := e.token("K8")
	if all, _ := e.pullAll(legacy, "", 1); func() bool { _, h := hashes(all); return h != 2 }() {
		t.Fatal("a token made before roles pulled no access hashes")
	}
}
