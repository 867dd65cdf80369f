package app_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/storage"
	"mensakiosk/storage/storagetest"
)

var rome = mustLoc("Europe/Rome")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func at(day, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+hhmm, rome)
	if err != nil {
		panic(err)
	}
	return t
}

const today = "2026-11-23" // a Monday

func fixture() app.Roster {
	asOf := at(today, "07:00:00")
	return app.Roster{
		Accounts: []app.Account{
			{ID: "A1", Holder: "Rossi Maria", Balance: 3650, BalanceAsOf: asOf},
			{ID: "A2", Holder: "Bianchi Luca", Balance: 300, BalanceAsOf: asOf},
			{ID: "A3", Holder: "Verdi Anna", Balance: 900, BalanceAsOf: asOf},
		},
		Pupils: []app.Pupil{
			{ID: "P1", AccountID: "A1", FirstName: "Giulia", LastName: "Rossi", School: "Primaria Dante", Class: "3B", Weekdays: []time.Weekday{1, 2, 3, 4, 5}, FeeBand: "B", MealPrice: 450},
			{ID: "P2", AccountID: "A1", FirstName: "Marco", LastName: "Rossi", School: "Primaria Dante", Class: "1A", Weekdays: []time.Weekday{1, 3}, FeeBand: "B", MealPrice: 450,
				Diet: &app.Diet{Code: "GF", Name: "Senza glutine", Allergens: []string{"glutine"}}},
			{ID: "P3", AccountID: "A2", FirstName: "Sara", LastName: "Bianchi", School: "Infanzia Rodari", Class: "Sez. A", Weekdays: []time.Weekday{1, 2, 3, 4, 5}, FeeBand: "C", MealPrice: 500},
			{ID: "P4", AccountID: "A3", FirstName: "Luca", LastName: "Verdi", School: "Infanzia Rodari", Class: "Sez. B", Weekdays: []time.Weekday{1, 2, 3, 4, 5}, FeeBand: "A", MealPrice: 300},
		},
		Badges: []app.Badge{
			{ID: "0100000001", PupilID: "P1"},
			{ID: "0100000011", PupilID: "P1"}, // Giulia's second badge
			{ID: "0100000002", PupilID: "P2"},
			{ID: "0100000003", PupilID: "P3"},
			{ID: "0100000004", PupilID: "P4"},
			{ID: "01000000FF", PupilID: "P4", Blocked: true},
		},
		Bookings: []app.Booking{
			{PupilID: "P3", Day: today, Bland: true},
			{PupilID: "P4", Day: today, Cancelled: true},
		},
	}
}

func config() app.CanteenConfig {
	return app.CanteenConfig{
		KioskID: "K1", Location: rome, Service: app.ServiceLunch,
		Window:   app.ServiceWindow{Start: 11*60 + 30, End: 14*60 + 30},
		Debounce: 3 * time.Second, LowBalance: 1000, Policy: app.PolicyServeAndFlag,
	}
}

type kiosk struct {
	c    *app.Canteen
	s    *storage.Store
	clk  *apptest.Clock
	path string
	t    *testing.T
}

func newKiosk(t *testing.T, cfg app.CanteenConfig, r app.Roster) *kiosk {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := storagetest.OpenPath(t, path, storage.Options{})
	if err := s.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	clk := apptest.NewClock(at(today, "12:00:00"))
	c, err := app.NewCanteen(s, clk, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &kiosk{c: c, s: s, clk: clk, path: path, t: t}
}

func (k *kiosk) tap(id app.BadgeID) app.TapResult {
	k.t.Helper()
	r, err := k.c.Tap(context.Background(), id)
	if err != nil {
		k.t.Fatalf("tap %s: %v", id, err)
	}
	return r
}

func (k *kiosk) meals() []app.Meal {
	k.t.Helper()
	var ms []app.Meal
	if err := k.s.ForEachMeal(func(m app.Meal) error { ms = append(ms, m); return nil }); err != nil {
		k.t.Fatal(err)
	}
	return ms
}

// step is one tap in a scenario: set the clock, tap, expect.
type step struct {
	at      string // "hh:mm:ss" today, or "YYYY-MM-DD hh:mm:ss"
	badge   app.BadgeID
	want    app.Outcome
	balance *app.Cents
	check   func(t *testing.T, r app.TapResult)
}

func cents(c app.Cents) *app.Cents { return &c }

func TestCanteenRules(t *testing.T) {
	floorCfg := config()
	floorCfg.Policy, floorCfg.Floor = app.PolicyHardFloor, 0
	overdraftCfg := config()
	overdraftCfg.Policy, overdraftCfg.Floor = app.PolicyHardFloor, -500
	allDay := config()
	allDay.Window = app.ServiceWindow{Start: 0, End: 24 * 60}

	tests := []struct {
		name      string
		cfg       app.CanteenConfig
		steps     []step
		wantMeals int
	}{
		{name: "served: green, charged, projected balance", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000001", want: app.OutcomeServed, balance: cents(3650 - 450), check: func(t *testing.T, r app.TapResult) {
				if r.Pupil.FirstName != "Giulia" || r.Pupil.Class != "3B" || r.Banner() || r.LowBalance || r.BelowZero {
					t.Errorf("result %+v", r)
				}
				if r.Meal.Price != 450 || r.Meal.Via != app.ViaBadge || r.Meal.Seq != 1 {
					t.Errorf("meal %+v", r.Meal)
				}
			}},
		}},
		{name: "rule 1: same badge within debounce ignored, tag held in field stays ignored", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000001", want: app.OutcomeServed},
			{at: "12:00:00.050", badge: "0100000001", want: app.OutcomeIgnored},
			{at: "12:00:02.900", badge: "0100000001", want: app.OutcomeIgnored},
			{at: "12:00:05.800", badge: "0100000001", want: app.OutcomeIgnored}, // still within 3 s of the last frame
			{at: "12:00:08.800", badge: "0100000001", want: app.OutcomeAlreadyServed},
		}},
		{name: "rule 1 edge: exactly the debounce window later is a new tap", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000001", want: app.OutcomeServed},
			{at: "12:00:03", badge: "0100000001", want: app.OutcomeAlreadyServed},
		}},
		{name: "rule 2: unknown badge red, kept for enrolment, nothing charged", cfg: config(), steps: []step{
			{at: "12:00:00", badge: "0A0B0C0D0E", want: app.OutcomeUnknownBadge, check: func(t *testing.T, r app.TapResult) {
				if r.Pupil != nil || r.Meal != nil {
					t.Errorf("unknown badge has pupil/meal: %+v", r)
				}
			}},
		}},
		{name: "rule 3: blocked badge, nothing charged even inside window", cfg: config(), steps: []step{
			{at: "12:00:00", badge: "01000000FF", want: app.OutcomeBlockedBadge},
		}},
		{name: "rule 3 before 4: blocked badge outside the window is still 'blocked'", cfg: config(), steps: []step{
			{at: "09:00:00", badge: "01000000FF", want: app.OutcomeBlockedBadge},
		}},
		{name: "rule 4: window edges [11:30, 14:30)", cfg: config(), wantMeals: 2, steps: []step{
			{at: "11:29:59", badge: "0100000001", want: app.OutcomeOutsideWindow, balance: cents(3650)},
			{at: "11:30:00", badge: "0100000002", want: app.OutcomeServed},
			{at: "14:29:59", badge: "0100000003", want: app.OutcomeServed},
			{at: "14:30:00", badge: "0100000004", want: app.OutcomeOutsideWindow},
		}},
		{name: "rule 5: already served, with the time; other badge of the same pupil too", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:07:00", badge: "0100000001", want: app.OutcomeServed},
			{at: "12:30:00", badge: "0100000001", want: app.OutcomeAlreadyServed, balance: cents(3650 - 450), check: func(t *testing.T, r app.TapResult) {
				if got := r.Meal.At.In(rome).Format("15:04"); got != "12:07" {
					t.Errorf("served at %s, want 12:07", got)
				}
			}},
			{at: "12:30:01", badge: "0100000011", want: app.OutcomeAlreadyServed},
		}},
		{name: "rule 6: special diet banner", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000002", want: app.OutcomeServed, check: func(t *testing.T, r app.TapResult) {
				if !r.Banner() || r.Pupil.Diet.Name != "Senza glutine" {
					t.Errorf("no diet banner: %+v", r)
				}
			}},
		}},
		{name: "rule 6: bland meal banner from today's booking", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000003", want: app.OutcomeServed, check: func(t *testing.T, r app.TapResult) {
				if !r.Banner() || !r.Bland || !r.Meal.Bland {
					t.Errorf("no bland banner: %+v", r)
				}
			}},
		}},
		{name: "rule 6: cancelled today is still served, flagged for staff", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000004", want: app.OutcomeServed, check: func(t *testing.T, r app.TapResult) {
				if !r.CancelledToday || !r.Meal.CancelledBooking {
					t.Errorf("cancellation not flagged: %+v", r)
				}
			}},
		}},
		{name: "rule 7: siblings share the balance; low threshold", cfg: config(), wantMeals: 2, steps: []step{
			{at: "12:00:00", badge: "0100000001", want: app.OutcomeServed, balance: cents(3200)},
			{at: "12:00:01", badge: "0100000002", want: app.OutcomeServed, balance: cents(2750), check: func(t *testing.T, r app.TapResult) {
				if r.LowBalance {
					t.Error("2750 is not below 1000")
				}
			}},
		}},
		{name: "rule 7: low balance reminder at the threshold edge", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000004", want: app.OutcomeServed, balance: cents(600), check: func(t *testing.T, r app.TapResult) {
				if !r.LowBalance || r.BelowZero {
					t.Errorf("600 < 1000 should be low, not negative: %+v", r)
				}
			}},
		}},
		{name: "rule 7: below zero served and flagged by default", cfg: config(), wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000003", want: app.OutcomeServed, balance: cents(-200), check: func(t *testing.T, r app.TapResult) {
				if !r.BelowZero || !r.Meal.BelowZero || !r.LowBalance {
					t.Errorf("not flagged: %+v", r)
				}
			}},
		}},
		{name: "rule 7: hard floor refuses, nothing charged", cfg: floorCfg, steps: []step{
			{at: "12:00:00", badge: "0100000003", want: app.OutcomeRefusedFloor, balance: cents(300)},
		}},
		{name: "rule 7: hard floor at exactly zero serves", cfg: floorCfg, wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000004", want: app.OutcomeServed, balance: cents(600)},
		}},
		{name: "rule 7: overdraft floor -5 € serves down to it", cfg: overdraftCfg, wantMeals: 1, steps: []step{
			{at: "12:00:00", badge: "0100000003", want: app.OutcomeServed, balance: cents(-200)},
		}},
		{name: "day boundary: a new day serves again (Rome time, not UTC)", cfg: allDay, wantMeals: 2, steps: []step{
			{at: "23:59:50", badge: "0100000001", want: app.OutcomeServed},
			{at: "2026-11-24 00:00:00", badge: "0100000001", want: app.OutcomeServed},
			{at: "2026-11-24 00:30:00", badge: "0100000001", want: app.OutcomeAlreadyServed},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := newKiosk(t, tc.cfg, fixture())
			for i, s := range tc.steps {
				when := s.at
				if len(when) <= 12 {
					when = today + " " + when
				}
				tm, err := time.ParseInLocation("2006-01-02 15:04:05.999", when, rome)
				if err != nil {
					t.Fatal(err)
				}
				k.clk.Set(tm)
				r := k.tap(s.badge)
				if r.Outcome != s.want {
					t.Fatalf("step %d (%s %s): outcome %v, want %v", i, s.at, s.badge, r.Outcome, s.want)
				}
				if s.balance != nil && r.Balance != *s.balance {
					t.Errorf("step %d: balance %d, want %d", i, r.Balance, *s.balance)
				}
				if s.check != nil {
					s.check(t, r)
				}
			}
			if got := len(k.meals()); got != tc.wantMeals {
				t.Errorf("meals recorded %d, want %d", got, tc.wantMeals)
			}
		})
	}
}

func TestUnknownBadgeKeptForStaff(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	k.tap("0A0B0C0D0E")
	k.clk.Add(10 * time.Second)
	k.tap("0A0B0C0D0E")
	u, err := k.s.UnknownBadges()
	if err != nil || len(u) != 1 || u[0].ID != "0A0B0C0D0E" || u[0].Count != 2 {
		t.Fatalf("unknown badges %+v, %v", u, err)
	}
}

// Two kiosks (two canteen doors, each with its own store) know nothing of
// each other until sync: each serves the pupil once and refuses a second
// tap at its own door. The central server flags the pair (see the sync issue).
func TestSamePupilAtTwoKiosks(t *testing.T) {
	cfgB := config()
	cfgB.KioskID = "K2"
	a, b := newKiosk(t, config(), fixture()), newKiosk(t, cfgB, fixture())
	for _, k := range []*kiosk{a, b} {
		if r := k.tap("0100000001"); r.Outcome != app.OutcomeServed {
			t.Fatalf("first tap: %v", r.Outcome)
		}
		k.clk.Add(5 * time.Second)
		if r := k.tap("0100000011"); r.Outcome != app.OutcomeAlreadyServed {
			t.Fatalf("second tap: %v", r.Outcome)
		}
	}
	ma, mb := a.meals(), b.meals()
	if len(ma) != 1 || len(mb) != 1 || ma[0].EventID == mb[0].EventID || ma[0].KioskID == mb[0].KioskID {
		t.Fatalf("meals a=%+v b=%+v", ma, mb)
	}
}

// Two readers on one kiosk racing with two badges of the same pupil: the
// transaction makes exactly one of them a meal.
func TestConcurrentTapsOneMeal(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	var wg sync.WaitGroup
	results := make([]app.Outcome, 2)
	for i, id := range []app.BadgeID{"0100000001", "0100000011"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := k.c.Tap(context.Background(), id)
			if err != nil {
				t.Error(err)
			}
			results[i] = r.Outcome
		}()
	}
	wg.Wait()
	served := 0
	for _, o := range results {
		if o == app.OutcomeServed {
			served++
		} else if o != app.OutcomeAlreadyServed {
			t.Errorf("outcome %v", o)
		}
	}
	if served != 1 || len(k.meals()) != 1 {
		t.Fatalf("served %d, meals %d", served, len(k.meals()))
	}
}

// A tap shown as accepted is on disk: close and reopen the file and read it.
func TestTapDurableAfterReturn(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	r := k.tap("0100000002")
	if err := k.s.Close(); err != nil {
		t.Fatal(err)
	}
	s := storagetest.OpenPath(t, k.path, storage.Options{})
	var got []app.Meal
	if err := s.ForEachMeal(func(m app.Meal) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].EventID != r.Meal.EventID || got[0].Seq != 1 {
		t.Fatalf("after reopen: %+v", got)
	}
	ev, err := s.Outbox(10)
	if err != nil || len(ev) != 1 || ev[0].ID != r.Meal.EventID || ev[0].Kind != app.EventMealRecorded {
		t.Fatalf("outbox %+v %v", ev, err)
	}
}

func TestIdleStatus(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	k.tap("0100000001")
	k.tap("0100000002")
	st, err := k.c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if st.ServedToday != 2 || st.Waiting != 2 || st.Day != today || !st.InWindow {
		t.Fatalf("idle %+v", st)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []func(*app.CanteenConfig){
		func(c *app.CanteenConfig) { c.KioskID = "" },
		func(c *app.CanteenConfig) { c.Location = nil },
		func(c *app.CanteenConfig) { c.Window = app.ServiceWindow{Start: 600, End: 600} },
		func(c *app.CanteenConfig) { c.Debounce = -time.Second },
		func(c *app.CanteenConfig) { c.Policy = "maybe" },
	}
	for i, mut := range bad {
		c := config()
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	c := config()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParseTimeOfDay(t *testing.T) {
	for in, want := range map[string]app.TimeOfDay{"00:00": 0, "11:30": 690, "24:00": 1440} {
		if got, err := app.ParseTimeOfDay(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1:30", "24:01", "12:60", "ab:cd", "12:3x"} {
		if _, err := app.ParseTimeOfDay(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestParseBadgeID(t *testing.T) {
	if id, err := app.ParseBadgeID(" 010063e9ae\n"); err != nil || id != "010063E9AE" {
		t.Fatal(id, err)
	}
	for _, in := range []string{"", "0", "XYZ", "010063E9A", "01 0063E9AE"} {
		if _, err := app.ParseBadgeID(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
