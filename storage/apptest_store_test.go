package storage_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/storage/storagetest"
)

// kioskStore is what the use cases need of a kiosk store, and what both
// storage.Store and apptest.Store are.
type kioskStore interface {
	app.CanteenStore
	app.StaffStore
	app.CounterStore
	app.MessageCache
	PutRoster(app.Roster) error
}

// randomIDs are the event ids app makes at random: blanked before the two
// stores' answers are compared.
var randomIDs = regexp.MustCompile(`[0-9a-f]{32}`)

// storeStory walks the canteen, staff mode and the counter's identification
// over st and writes down every answer, one per line, as JSON.
func storeStory(t *testing.T, st kioskStore, clk *apptest.Clock) []string {
	t.Helper()
	var out []string
	note := func(what string, v any, err error) {
		raw, jerr := json.Marshal(v)
		if jerr != nil {
			t.Fatal(jerr)
		}
		line := what + " " + string(raw)
		if err != nil {
			line += " error: " + err.Error()
		}
		out = append(out, randomIDs.ReplaceAllString(line, "…"))
	}
	loc := time.UTC
	today := app.DayOf(clk.Now(), loc)
	week := []time.Weekday{1, 2, 3, 4, 5}
	if err := st.PutRoster(app.Roster{
		Accounts: []app.Account{{ID: "A1", Balance: 500, BalanceAsOf: clk.Now().Add(-time.Hour)}, {ID: "A2", Balance: 9000}},
		Pupils: []app.Pupil{
			{ID: "P1", AccountID: "A1", FirstName: "Marco", LastName: "Rossi", FiscalCode: "RSSMRC15A01H501I", School: "Dante", Class: "3B", Weekdays: week, MealPrice: 450},
			{ID: "P2", AccountID: "A1", FirstName: "Marco", LastName: "Rossi", School: "Pascoli", Class: "1A", Weekdays: week, MealPrice: 450},
			{ID: "P3", AccountID: "A2", FirstName: "Nicolò", LastName: "D'Angelo", School: "Dante", Class: "2C", Weekdays: week, MealPrice: 390},
			{ID: "P4", AccountID: "A2", FirstName: "Aurora", LastName: "Rossini", School: "Dante", Class: "4A", Weekdays: week, MealPrice: 390},
		},
		Badges:   []app.Badge{{ID: "01", PupilID: "P1"}, {ID: "02", PupilID: "P2", Blocked: true}, {ID: "03", PupilID: "P3"}, {ID: "04", PupilID: "P4"}},
		Bookings: []app.Booking{{PupilID: "P4", Day: today, Cancelled: true}},
	}); err != nil {
		t.Fatal(err)
	}
	c, err := app.NewCanteen(st, clk, app.CanteenConfig{KioskID: "K1", Location: loc, Window: app.ServiceWindow{Start: 0, End: 24 * 60},
		Debounce: 3 * time.Second, LowBalance: 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []app.BadgeID{"01", "01", "02", "03", "04", "FF"} {
		r, err := c.Tap(context.Background(), id)
		note("tap "+string(id), r, err)
		clk.Add(time.Second)
	}
	clk.Add(10 * time.Second)
	r, err := c.Tap(context.Background(), "01")
	note("tap 01 again", r, err)
	for _, q := range []string{"ros", "rossi", "ROSSIN", "d an", "zz", ""} {
		for _, n := range []int{1, 2, 10} {
			hits, err := c.SearchPupils(q, n)
			note("search "+q, hits, err)
		}
	}
	for _, n := range []int{1, 2, 3} {
		var names []app.PupilName
		err := st.View(func(tx app.CanteenTx) (err error) { names, err = tx.PupilsByNamePrefix("Ross", n); return err })
		note("surname index", names, err)
	}
	m, err := app.NewStaffMode(st, clk, app.StaffConfig{}, apptest.VerifyPIN)
	if err != nil {
		t.Fatal(err)
	}
	m.Begin(nil)
	for _, pin := range []string{"1111", "2468"} {
		s, err := m.SubmitPIN(pin)
		note("pin "+pin, s, err)
	}
	staff, _ := m.Active()
	r, err = c.ServeManual(context.Background(), staff, "P2")
	note("manual P2", r, err)
	meals, err := c.TodayMeals()
	note("today", meals, err)
	if len(meals) > 0 {
		v, err := c.Void(context.Background(), staff, meals[len(meals)-1].Meal.EventID, app.VoidDuplicate)
		note("void", v, err)
		_, err = c.Void(context.Background(), staff, meals[len(meals)-1].Meal.EventID, app.VoidDuplicate)
		note("void again", nil, err)
	}
	clk.Add(10 * time.Second)
	for _, id := range []app.BadgeID{"01", "03"} {
		r, err = c.Tap(context.Background(), id)
		note("tap after the void "+string(id), r, err)
	}
	meals, err = c.TodayMeals()
	note("today after the void", meals, err)
	rep, err := c.Report(today)
	note("report", rep, err)
	idle, err := c.Idle()
	note("idle", idle, err)
	b, p, err := st.BadgePupil("03")
	note("badge pupil", []any{b, p}, err)
	_, _, err = st.BadgePupil("FF")
	note("badge pupil unknown", nil, err)
	p, err = st.PupilByFiscalCode(" rssmrc15a01h501i")
	note("fiscal code", p, err)
	ps, err := st.FamilyPupils("A1")
	note("family pupils", ps, err)
	a, err := st.FamilyAccount("A1")
	note("family account", a, err)
	err = st.PutFamilyCache(app.FamilyView{Account: app.Account{ID: "A1", AccessHash: "h", Balance: 42}, AsOf: clk.Now()})
	note("put family cache", nil, err)
	v, ok, err := st.FamilyCache("A1")
	note("family cache", []any{v, ok}, err)
	// The kiosk's copy of the office's messages: none, two pages (the
	// second replacing a message the first brought), read back.
	ms, last, asOf, err := st.MessageCache()
	note("message copy, new", []any{ms, last, asOf}, err)
	all := app.MessageAudience{Kind: app.AudienceAll}
	err = st.PutMessages([]app.Message{{ID: "M000001", Title: "Menù", Body: "Nuovo menù", Sent: clk.Now(), Audience: all},
		{ID: "M000002", Title: "Gita", Body: "Pranzo al sacco", Sent: clk.Now(), Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "A1"}}},
		"M000002", clk.Now())
	note("put messages", nil, err)
	err = st.PutMessages([]app.Message{{ID: "M000002", Title: "Gita (rinviata)", Body: "Rinviata", Sent: clk.Now(), Audience: all}}, "M000002", clk.Now().Add(time.Minute))
	note("put messages again", nil, err)
	ms, last, asOf, err = st.MessageCache()
	note("message copy", []any{ms, last, asOf}, err)
	return out
}

// TestAppTestStoreAnswersLikeStorage: the ui tests run the use cases over
// apptest.Store instead of a bbolt file; for that to test anything, the
// fake must answer as the real store does. The same story over both gives
// the same answers.
func TestAppTestStoreAnswersLikeStorage(t *testing.T) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	staff := app.Staff{ID: "S1", Name: "Anna Cuoca", Role: app.StaffCanteen, PINHash: apptest.HashPIN("2468")}

	real := storagetest.Open(t)
	if err := real.ApplyPull(app.PullPage{Delta: app.Delta{Staff: []app.Staff{staff}}, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	fake := apptest.NewStore()
	fake.PutStaff(staff)

	want := storeStory(t, real, apptest.NewClock(start))
	got := storeStory(t, fake, apptest.NewClock(start))
	st, err := real.SyncState()
	if err != nil {
		t.Fatal(err)
	}
	if fake.OutboxLen() != st.Waiting {
		t.Errorf("outbox: apptest %d, storage %d", fake.OutboxLen(), st.Waiting)
	}
	apptest.SameAnswers(t, got, want)
}
