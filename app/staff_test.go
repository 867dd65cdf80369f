package app_test

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
	"mensakiosk/storage"
	"mensakiosk/storage/storagetest"
)

// testPINHash makes a PIN hash in the legacy PBKDF2 format with the fewest
// iterations it allows, so that tests verify fast; pinhash.Verify checks it
// as it checks any stored hash.
func testPINHash(t testing.TB, pin string) string {
	t.Helper()
	salt := []byte("salt-" + pin)
	k, err := pbkdf2.Key(sha256.New, pin, salt, 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("pbkdf2-sha256$1000$%s$%s", enc.EncodeToString(salt), enc.EncodeToString(k))
}

const staffBadge app.BadgeID = "05000000AA"

func staffRoster(t testing.TB) []app.Staff {
	return []app.Staff{
		{ID: "S1", Name: "Cuoca Anna", Role: app.StaffCanteen, PINHash: testPINHash(t, "2468"), BadgeID: staffBadge},
		{ID: "S2", Name: "Ufficio Bruno", Role: app.StaffOffice, PINHash: testPINHash(t, "1357")},
	}
}

// putStaff stores the staff as a pull from the server would.
func putStaff(t testing.TB, s *storage.Store, staff []app.Staff) {
	t.Helper()
	if err := s.ApplyPull(app.PullPage{Delta: app.Delta{Staff: staff}, Cursor: "c-staff"}); err != nil {
		t.Fatal(err)
	}
}

// newStaffKiosk is a canteen kiosk on the fixture, with the staff roster.
func newStaffKiosk(t *testing.T) *kiosk {
	t.Helper()
	k := newKiosk(t, config(), fixture())
	putStaff(t, k.s, staffRoster(t))
	return k
}

func newStaffMode(t testing.TB, s *storage.Store, clk app.Clock) *app.StaffMode {
	t.Helper()
	m, err := app.NewStaffMode(s, clk, app.StaffConfig{}, pinhash.Verify)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// staffEvents decodes the staff actions in the store's events.
func staffEvents(t testing.TB, s *storage.Store) []app.StaffAction {
	t.Helper()
	evs, err := s.Events()
	if err != nil {
		t.Fatal(err)
	}
	var out []app.StaffAction
	for _, e := range evs {
		if e.Kind != app.EventStaffAction {
			continue
		}
		var a app.StaffAction
		if err := json.Unmarshal(e.Payload, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func wantLocked(t *testing.T, err error, until time.Time) {
	t.Helper()
	var le *app.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want locked until %s", err, until)
	}
	if !le.Until.Equal(until) {
		t.Fatalf("locked until %s, want %s", le.Until, until)
	}
}

func TestStaffPINLockout(t *testing.T) {
	k := newStaffKiosk(t)
	m := newStaffMode(t, k.s, k.clk)
	anna := staffRoster(t)[0]
	m.Begin(&anna)
	start := k.clk.Now()
	for i := 1; i <= 4; i++ {
		if _, err := m.SubmitPIN("1111"); !errors.Is(err, app.ErrWrongPIN) {
			t.Fatalf("wrong PIN %d: err = %v", i, err)
		}
	}
	// Bruno's PIN is wrong for Anna's badge: the badge names the staff member.
	_, err := m.SubmitPIN("1357")
	wantLocked(t, err, start.Add(30*time.Second))
	// Locked: even the right PIN is refused, unchecked.
	_, err = m.SubmitPIN("2468")
	wantLocked(t, err, start.Add(30*time.Second))
	k.clk.Add(29 * time.Second)
	if until, locked := m.LockState(); !locked || !until.Equal(start.Add(30*time.Second)) {
		t.Fatalf("after 29 s: locked %v until %s", locked, until)
	}
	k.clk.Add(time.Second)
	if _, locked := m.LockState(); locked {
		t.Fatal("still locked after 30 s")
	}
	// Five more wrong: the lock doubles.
	second := k.clk.Now()
	for i := 1; i <= 5; i++ {
		_, err = m.SubmitPIN("0000")
	}
	wantLocked(t, err, second.Add(60*time.Second))

	// The lock survives a restart.
	if err := k.s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := storagetest.OpenPath(t, k.path, storage.Options{SkipCheck: true})
	m2 := newStaffMode(t, s2, k.clk)
	if until, locked := m2.LockState(); !locked || !until.Equal(second.Add(60*time.Second)) {
		t.Fatalf("after reopen: locked %v until %s", locked, until)
	}
	m2.Begin(&anna)
	k.clk.Add(60 * time.Second)
	got, err := m2.SubmitPIN("2468")
	if err != nil || got.ID != "S1" || got.PINHash != "" {
		t.Fatalf("good PIN after the lock: %+v, %v", got, err)
	}
	if s, ok := m2.Active(); !ok || s.ID != "S1" {
		t.Fatalf("Active = %+v, %v", s, ok)
	}
	// A good PIN resets the doubling: five wrong lock for 30 s again.
	m2.Begin(&anna)
	third := k.clk.Now()
	for i := 1; i <= 5; i++ {
		_, err = m2.SubmitPIN("9999")
	}
	wantLocked(t, err, third.Add(30*time.Second))

	// The audit: 15 failures, 3 locks, 1 login; no PIN anywhere.
	count := map[string]int{}
	for _, a := range staffEvents(t, s2) {
		count[a.Action]++
		if a.StaffID != "S1" {
			t.Errorf("audit %s names staff %q", a.Action, a.StaffID)
		}
		for _, pin := range []string{"1111", "1357", "2468", "0000", "9999"} {
			if strings.Contains(a.Detail, pin) {
				t.Errorf("audit %s detail %q holds a PIN", a.Action, a.Detail)
			}
		}
	}
	if count[app.ActionLoginFailed] != 15 || count[app.ActionLocked] != 3 || count[app.ActionLogin] != 1 {
		t.Errorf("audit counts %v", count)
	}
}

func TestStaffGestureAndIdle(t *testing.T) {
	k := newStaffKiosk(t)
	m := newStaffMode(t, k.s, k.clk)
	if _, err := m.SubmitPIN("1357"); !errors.Is(err, app.ErrNoCandidate) {
		t.Fatalf("PIN before Begin: %v", err)
	}
	if m.IdleExpired() {
		t.Fatal("idle expired with no session")
	}
	m.Begin(nil) // the hidden gesture: the PIN says who
	if _, err := m.SubmitPIN("12ab"); !errors.Is(err, app.ErrWrongPIN) {
		t.Fatalf("malformed PIN: %v", err)
	}
	got, err := m.SubmitPIN("1357")
	if err != nil || got.ID != "S2" {
		t.Fatalf("gesture login: %+v, %v", got, err)
	}
	k.clk.Add(59 * time.Second)
	if m.IdleExpired() {
		t.Fatal("expired after 59 s")
	}
	m.Touch()
	k.clk.Add(59 * time.Second)
	if m.IdleExpired() {
		t.Fatal("expired 59 s after a touch")
	}
	k.clk.Add(time.Second)
	if !m.IdleExpired() {
		t.Fatal("not expired after an idle minute")
	}
	if err := m.Leave(true); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Active(); ok || m.IdleExpired() {
		t.Fatal("still active after Leave")
	}
	if err := m.Record(app.ActionQuit, ""); !errors.Is(err, app.ErrNoStaff) {
		t.Fatalf("Record without a session: %v", err)
	}
	acts := staffEvents(t, k.s)
	last := acts[len(acts)-1]
	if last.Action != app.ActionLogout || last.StaffID != "S2" || !strings.Contains(last.Detail, "idle") {
		t.Fatalf("last audit = %+v", last)
	}
	if acts[0].StaffID != "unknown" || acts[0].Action != app.ActionLoginFailed {
		t.Fatalf("first audit = %+v", acts[0])
	}
}

func TestStaffBadgeAtCanteen(t *testing.T) {
	k := newStaffKiosk(t)
	r := k.tap(staffBadge)
	if r.Outcome != app.OutcomeStaff || r.Staff == nil || r.Staff.ID != "S1" || r.Staff.PINHash != "" {
		t.Fatalf("staff badge: %+v", r)
	}
	if ms := k.meals(); len(ms) != 0 {
		t.Fatalf("a staff badge recorded meals: %+v", ms)
	}
	if u, err := k.s.UnknownBadges(); err != nil || len(u) != 0 {
		t.Fatalf("a staff badge noted as unknown: %+v, %v", u, err)
	}
	st, ok, err := newStaffMode(t, k.s, k.clk).StaffByBadge(staffBadge)
	if err != nil || !ok || st.ID != "S1" {
		t.Fatalf("StaffByBadge: %+v %v %v", st, ok, err)
	}
	// A badge nobody has is still unknown.
	if r := k.tap("05000000AB"); r.Outcome != app.OutcomeUnknownBadge {
		t.Fatalf("unknown badge: %s", r.Outcome)
	}
}

var anna = app.Staff{ID: "S1", Name: "Cuoca Anna", Role: app.StaffCanteen}

func pending(t testing.TB, s *storage.Store, a app.AccountID) app.Cents {
	t.Helper()
	var c app.Cents
	if err := s.View(func(tx app.CanteenTx) (err error) { c, err = tx.PendingCharges(a); return err }); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestManualMealRules(t *testing.T) {
	ctx := context.Background()
	k := newKiosk(t, config(), fixture())
	if _, err := k.c.ServeManual(ctx, app.Staff{}, "P2"); !errors.Is(err, app.ErrNoStaff) {
		t.Fatalf("no staff: %v", err)
	}
	if _, err := k.c.ServeManual(ctx, anna, "P9"); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("unknown pupil: %v", err)
	}
	// Marco has the gluten-free diet: the banner.
	r, err := k.c.ServeManual(ctx, anna, "P2")
	if err != nil || r.Outcome != app.OutcomeServed || !r.Banner() || r.Meal.Via != app.ViaManual || r.Meal.BadgeID != "" {
		t.Fatalf("manual meal: %+v, %v", r, err)
	}
	if r.Balance != 3650-450 {
		t.Fatalf("balance %d", r.Balance)
	}
	// The same pupil again, by hand or by badge: already served.
	if r2, err := k.c.ServeManual(ctx, anna, "P2"); err != nil || r2.Outcome != app.OutcomeAlreadyServed || r2.Meal.EventID != r.Meal.EventID {
		t.Fatalf("again by hand: %+v, %v", r2, err)
	}
	if r3 := k.tap("0100000002"); r3.Outcome != app.OutcomeAlreadyServed {
		t.Fatalf("again by badge: %s", r3.Outcome)
	}
	// Sara's bland meal shows the banner too.
	if r, err := k.c.ServeManual(ctx, anna, "P3"); err != nil || !r.Bland || !r.Banner() {
		t.Fatalf("bland: %+v, %v", r, err)
	}
	// The outbox: the meal, then its audit entry, in one sequence.
	out, err := k.s.Outbox(100)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for i, e := range out {
		kinds = append(kinds, e.Kind)
		if e.Seq != uint64(i+1) {
			t.Errorf("outbox[%d] seq %d", i, e.Seq)
		}
	}
	if strings.Join(kinds, " ") != "meal.recorded staff.action meal.recorded staff.action" {
		t.Fatalf("outbox kinds %v", kinds)
	}
	if acts := staffEvents(t, k.s); acts[0].Action != app.ActionManualMeal || !strings.Contains(acts[0].Detail, r.Meal.EventID) {
		t.Fatalf("audit %+v", acts[0])
	}
	// Outside the window: nothing recorded, no audit.
	k.clk.Set(at(today, "15:00:00"))
	if r, err := k.c.ServeManual(ctx, anna, "P1"); err != nil || r.Outcome != app.OutcomeOutsideWindow {
		t.Fatalf("outside window: %+v, %v", r, err)
	}
	if n := len(staffEvents(t, k.s)); n != 2 {
		t.Fatalf("%d audit entries, want 2", n)
	}
}

func TestManualMealHardFloor(t *testing.T) {
	cfg := config()
	cfg.Policy, cfg.Floor = app.PolicyHardFloor, 0
	k := newKiosk(t, cfg, fixture())
	// Bianchi's balance is 3,00 €, Sara's meal 5,00 €: refused by hand too.
	r, err := k.c.ServeManual(context.Background(), anna, "P3")
	if err != nil || r.Outcome != app.OutcomeRefusedFloor || r.Balance != 300 {
		t.Fatalf("floor: %+v, %v", r, err)
	}
	if out, _ := k.s.Outbox(10); len(out) != 0 {
		t.Fatalf("outbox after a refusal: %+v", out)
	}
}

func TestVoidThenServeAgain(t *testing.T) {
	ctx := context.Background()
	k := newKiosk(t, config(), fixture())
	r := k.tap("0100000001") // Giulia
	if r.Outcome != app.OutcomeServed {
		t.Fatal(r.Outcome)
	}
	if _, err := k.c.Void(ctx, anna, r.Meal.EventID, "because"); !errors.Is(err, app.ErrVoidReason) {
		t.Fatalf("bad reason: %v", err)
	}
	if _, err := k.c.Void(ctx, anna, "nope", app.VoidWrongPupil); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("unknown meal: %v", err)
	}
	if got := pending(t, k.s, "A1"); got != 450 {
		t.Fatalf("pending before void %d", got)
	}
	v, err := k.c.Void(ctx, anna, r.Meal.EventID, app.VoidWrongPupil)
	if err != nil || !v.Voided || v.EventID != r.Meal.EventID {
		t.Fatalf("void: %+v, %v", v, err)
	}
	if _, err := k.c.Void(ctx, anna, r.Meal.EventID, app.VoidWrongPupil); !errors.Is(err, app.ErrAlreadyVoided) {
		t.Fatalf("void twice: %v", err)
	}
	if got := pending(t, k.s, "A1"); got != 0 {
		t.Fatalf("pending after void %d", got)
	}
	if ms, err := k.c.TodayMeals(); err != nil || len(ms) != 0 {
		t.Fatalf("today's meals after the void: %+v, %v", ms, err)
	}
	idle, _ := k.c.Idle()
	if idle.ServedToday != 0 {
		t.Fatalf("served today %d", idle.ServedToday)
	}
	// Served again, past the debounce: a new meal, charged once.
	k.clk.Add(10 * time.Second)
	r2 := k.tap("0100000001")
	if r2.Outcome != app.OutcomeServed || r2.Meal.EventID == r.Meal.EventID || r2.Balance != 3650-450 {
		t.Fatalf("served again: %+v", r2)
	}
	ms, err := k.c.TodayMeals()
	if err != nil || len(ms) != 1 || ms[0].Meal.EventID != r2.Meal.EventID || ms[0].Pupil.FirstName != "Giulia" {
		t.Fatalf("today's meals: %+v, %v", ms, err)
	}
	// The outbox: meal (voided, so the server never charges it), the void,
	// its audit, the new meal: in sequence.
	out, err := k.s.Outbox(100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range out {
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, " ") != "meal.recorded meal.voided staff.action meal.recorded" {
		t.Fatalf("outbox %v", kinds)
	}
	if m, _ := app.MealPayload(out[0]); !m.Voided {
		t.Fatal("the voided meal goes out unvoided")
	}
	var mv app.MealVoid
	if err := json.Unmarshal(out[1].Payload, &mv); err != nil || mv.MealEventID != r.Meal.EventID || mv.Reason != app.VoidWrongPupil || mv.StaffID != "S1" {
		t.Fatalf("void payload %s", out[1].Payload)
	}
	// ApplyPush answering all four clears the outbox.
	reply := app.PushReply{}
	for _, e := range out {
		reply.Results = append(reply.Results, app.EventAck{ID: e.ID, Seq: e.Seq, Status: app.EventAccepted})
	}
	if _, err := k.s.ApplyPush(out, reply); err != nil {
		t.Fatal(err)
	}
	if out, _ := k.s.Outbox(100); len(out) != 0 {
		t.Fatalf("outbox after the answers: %d", len(out))
	}
	if st, _ := k.s.SyncState(); st.Waiting != 0 || st.Acked != 4 {
		t.Fatalf("sync state %+v", st)
	}
}

// A void of a meal the server already charged is a refund pending until
// the server answers it.
func TestVoidOfAcknowledgedMeal(t *testing.T) {
	ctx := context.Background()
	k := newKiosk(t, config(), fixture())
	r := k.tap("0100000001")
	out, _ := k.s.Outbox(10)
	charged := app.Account{ID: "A1", Balance: 3650 - 450, BalanceAsOf: k.clk.Now()}
	if _, err := k.s.ApplyPush(out, app.PushReply{Results: []app.EventAck{{ID: out[0].ID, Seq: out[0].Seq, Status: app.EventAccepted}}, Accounts: []app.Account{charged}}); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, k.s, "A1"); got != 0 {
		t.Fatalf("pending after ack %d", got)
	}
	if _, err := k.c.Void(ctx, anna, r.Meal.EventID, app.VoidNotEaten); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, k.s, "A1"); got != -450 {
		t.Fatalf("pending after the void %d, want a 450 refund", got)
	}
	// Served again: the projection is the server's 3200 + 450 back − 450.
	k.clk.Add(10 * time.Second)
	if r2 := k.tap("0100000001"); r2.Outcome != app.OutcomeServed || r2.Balance != 3200 {
		t.Fatalf("served again: %+v", r2)
	}
	out, _ = k.s.Outbox(10)
	if len(out) != 3 || out[0].Kind != app.EventMealVoided {
		t.Fatalf("outbox %+v", out)
	}
	// The server answers the void (and its audit) with the refunded balance.
	refunded := app.Account{ID: "A1", Balance: 3650, BalanceAsOf: k.clk.Now()}
	if _, err := k.s.ApplyPush(out[:2], app.PushReply{Results: []app.EventAck{
		{ID: out[0].ID, Seq: out[0].Seq, Status: app.EventAccepted}, {ID: out[1].ID, Seq: out[1].Seq, Status: app.EventAccepted}},
		Accounts: []app.Account{refunded}}); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, k.s, "A1"); got != 450 {
		t.Fatalf("pending after the void's answer %d, want the new meal's 450", got)
	}
	// A server restored from a backup gets the void again.
	n, err := k.s.Reopen(1)
	if err != nil || n != 2 {
		t.Fatalf("reopen: %d, %v", n, err)
	}
	out, _ = k.s.Outbox(10)
	if len(out) != 3 || out[0].Seq != 2 || out[0].Kind != app.EventMealVoided {
		t.Fatalf("outbox after reopen %+v", out)
	}
}

func TestSearchPupils(t *testing.T) {
	r := fixture()
	r.Pupils = append(r.Pupils,
		app.Pupil{ID: "P5", AccountID: "A3", FirstName: "Nicolò", LastName: "D'Angelo", School: "Primaria Dante", Class: "5A", Weekdays: []time.Weekday{1}, MealPrice: 300},
		app.Pupil{ID: "P6", AccountID: "A3", FirstName: "Ettore", LastName: "Dàngelo", School: "Primaria Dante", Class: "2A", Weekdays: []time.Weekday{1}, MealPrice: 300})
	k := newKiosk(t, config(), r)
	k.tap("0100000001")
	hits, err := k.c.SearchPupils("ROS", 8)
	if err != nil || len(hits) != 2 || hits[0].Pupil.FirstName != "Giulia" || !hits[0].ServedToday || hits[1].ServedToday || hits[1].Pupil.Diet == nil {
		t.Fatalf("ros: %+v, %v", hits, err)
	}
	hits, _ = k.c.SearchPupils("d'an", 8)
	// Both fold to "dangelo": by first name then.
	if len(hits) != 2 || hits[0].Pupil.ID != "P6" || hits[1].Pupil.ID != "P5" {
		t.Fatalf("d'an: %+v", hits)
	}
	if hits, _ := k.c.SearchPupils("dange", 1); len(hits) != 1 {
		t.Fatalf("limit: %d", len(hits))
	}
	for _, q := range []string{"", "  ", "'", "zz"} {
		if hits, _ := k.c.SearchPupils(q, 8); len(hits) != 0 {
			t.Errorf("%q: %d hits", q, len(hits))
		}
	}
}

func TestRecordStaffAction(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	if err := k.c.RecordStaffAction(app.Staff{}, app.ActionSync, ""); !errors.Is(err, app.ErrNoStaff) {
		t.Fatal(err)
	}
	if err := k.c.RecordStaffAction(anna, app.ActionSettings, `{"field":"debounce"}`); err != nil {
		t.Fatal(err)
	}
	st, _ := k.s.SyncState()
	if st.Waiting != 1 || st.LastSeq != 1 {
		t.Fatalf("sync state %+v", st)
	}
}
