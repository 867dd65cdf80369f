package main

import (
	"testing"
	"time"

	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
)

// TestCounterOnlineFromTheFirstSync: a counter kiosk linked to a reachable
// server takes top-ups as soon as its first sync succeeds. The sync engine
// starts inside startCore, before the window has built the counter; a
// status it reports in that gap must not be lost (the counter would refuse
// top-ups as offline for a whole sync interval), nor read the running
// kiosk's fields while the window is still writing them (a data race).
func TestCounterOnlineFromTheFirstSync(t *testing.T) {
	srv := servertest.Start(t, servertest.Kiosk("counter-1", server.RoleCounter))
	url, token := srv.URL, srv.Tokens["counter-1"]
	cfg := DefaultConfig()
	cfg.DataDir, cfg.Role, cfg.KioskID = t.TempDir(), RoleCounter, "counter-1"
	cfg.Central = centralSection{URL: url, Token: token, SyncSeconds: 3600, TimeoutSeconds: 5}
	k := startTestWindow(t, cfg)
	r := k.cur.Load()
	if r.core == nil || r.core.counter == nil {
		t.Fatal("the counter did not start")
	}
	waitFor(t, "the first sync", func() bool { return r.core.link.Status().Online })
	deadline := time.Now().Add(2 * time.Second)
	for !r.core.counter.Online() {
		if time.Now().After(deadline) {
			t.Fatalf("the server is reachable (sync status %+v) but the counter takes itself for offline: top-ups refused until the next sync in %d s",
				r.core.link.Status(), cfg.Central.SyncSeconds)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
