package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
	"mensakiosk/storage"
	"mensakiosk/ui"
)

// windowKiosk starts the kiosk's window wiring on Fyne's test driver with a
// standalone store holding one pupil and one staff member with a badge.
func windowKiosk(t *testing.T, role string) (*kioskWindow, Config) {
	t.Helper()
	pinhash.Cost = 4 // bcrypt's minimum: the test is about the wiring
	dir := t.TempDir()
	st, err := storage.Open(filepath.Join(dir, "kiosk.db"), storage.Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := pinhash.Hash("2468")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	err = st.ApplyPull(app.PullPage{Delta: app.Delta{
		Accounts: []app.Account{{ID: "F1", Holder: "Anna Rossi", Balance: 5000, BalanceAsOf: now}},
		Pupils: []app.Pupil{{ID: "P1", AccountID: "F1", FirstName: "Marco", LastName: "Rossi", School: "Dante", Class: "3B",
			Weekdays: []time.Weekday{0, 1, 2, 3, 4, 5, 6}, MealPrice: 390}},
		Badges: []app.Badge{{ID: "1A000001", PupilID: "P1"}},
		Staff:  []app.Staff{{ID: "S1", Name: "Maria", Role: app.StaffCanteen, PINHash: hash, BadgeID: "5A000001"}},
	}, Cursor: "c1", ServerTime: now})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	cfg := DefaultConfig()
	cfg.DataDir, cfg.Role = dir, role
	cfg.Canteen.WindowStart, cfg.Canteen.WindowEnd = "00:00", "24:00"
	k := startTestWindow(t, cfg)
	if k.cur.Load().core == nil {
		t.Fatal("the core did not start")
	}
	return k, cfg
}

// startTestWindow starts the kiosk's window wiring with cfg on Fyne's test
// driver, its logs discarded, without the refresh loop: Fyne's test driver
// runs fyne.Do on the caller's goroutine, so the refresher's updates and
// the sync's would write the same widgets from two goroutines
// ("concurrent map writes" in the driver's caches).
func startTestWindow(t *testing.T, cfg Config) *kioskWindow {
	t.Helper()
	cc, err := cfg.Validate()
	if err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	k := newKioskWindow(ctx, a, cfg, ui.MustCatalogue("it"), false, slog.New(slog.NewTextHandler(io.Discard, nil)))
	k.noRefreshLoop = true
	k.start(cfg, cc)
	t.Cleanup(k.stop)
	return k
}

// staffLoggedIn logs Maria in to staff mode (the hidden gesture, then her
// PIN) on the running kiosk, through the staff screen's backend.
func staffLoggedIn(t *testing.T, k *kioskWindow) (*running, staffBackend) {
	t.Helper()
	r := k.cur.Load()
	b := r.staffBackend
	b.Begin(nil)
	if _, err := b.SubmitPIN("2468"); err != nil {
		t.Fatal(err)
	}
	return r, b
}

// waitFor polls cond (the wiring hands results to the UI through fyne.Do).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStaffBadgeOpensStaffMode: a staff badge at the canteen reader opens
// the staff screen (no meal recorded), the PIN logs in, and leaving shows
// the canteen screen again.
func TestStaffBadgeOpensStaffMode(t *testing.T) {
	k, _ := windowKiosk(t, RoleCanteen)
	r := k.cur.Load()
	r.core.handleTap(k.ctx, "5A000001")
	waitFor(t, "the staff screen", func() bool { return k.showing() == r.staff.Content() })
	if !r.inStaff.Load() {
		t.Fatal("not in staff mode")
	}
	if st, _ := r.core.canteen.Idle(); st.ServedToday != 0 {
		t.Fatalf("a staff badge recorded a meal: %+v", st)
	}
	b := r.staffBackend
	if _, err := b.SubmitPIN("2468"); err != nil {
		t.Fatal(err)
	}
	// A pupil's badge still goes through the canteen rules meanwhile.
	r.core.handleTap(k.ctx, "1A000001")
	if st, _ := r.core.canteen.Idle(); st.ServedToday != 1 {
		t.Fatalf("served %d, want 1", st.ServedToday)
	}
	// The audit trail has the login.
	evs, err := r.core.store.Events()
	if err != nil || len(evs) == 0 {
		t.Fatalf("audit events %v, %v", evs, err)
	}
	fyne.DoAndWait(func() { r.staff.OnLeave() })
	waitFor(t, "the canteen screen", func() bool { return k.showing() == r.content })
}

// TestApplySettingsRestartsInPlace: a bad change from staff mode changes
// nothing; a good one (canteen → counter) is saved and the kiosk restarts
// its core with it, without leaving the process.
func TestApplySettingsRestartsInPlace(t *testing.T) {
	k, cfg := windowKiosk(t, RoleCanteen)
	r, b := staffLoggedIn(t, k)
	s := b.Settings()
	s.ReaderPort = "/dev/serial/by-id/no-such-reader"
	if err := b.ApplySettings(s); err == nil {
		t.Fatal("a missing reader port was accepted")
	}
	if k.cur.Load() != r {
		t.Fatal("a refused change restarted the kiosk")
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, settingsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused change was saved: %v", err)
	}

	s = b.Settings()
	s.Role, s.ReaderPort, s.LowBalanceCents = RoleCounter, "", 2500
	if err := b.ApplySettings(s); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the restart as a counter", func() bool {
		n := k.cur.Load()
		return n != nil && n != r && n.counter != nil && n.core != nil
	})
	k.restartMu.Lock() // the restart has finished with the screens
	n := k.cur.Load()
	k.restartMu.Unlock()
	if n.cfg.Role != RoleCounter || n.cfg.Canteen.LowBalanceCents != 2500 {
		t.Fatalf("running with %+v", n.cfg)
	}
	saved, err := loadSettings(DefaultConfig2(cfg.DataDir))
	if err != nil || saved.Role != RoleCounter {
		t.Fatalf("saved %+v, %v", saved.Role, err)
	}
	// The change is in the audit trail, pushed with the outbox.
	evs, err := n.core.store.Events()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		var a app.StaffAction
		if e.Kind == app.EventStaffAction && json.Unmarshal(e.Payload, &a) == nil && a.Action == app.ActionSettings && a.StaffID == "S1" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no settings audit event in %+v", evs)
	}
}
