package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"mensakiosk/app"
)

// closedBook is a calendar where Primaria Dante is closed today (a trip).
func closedBook() *app.MenuBook {
	b := &app.MenuBook{}
	b.Set(app.MenuCalendar{
		Closed: []app.ClosedDay{{School: "Primaria Dante", Day: today, Reason: app.ClosedTrip, Note: "Gita al museo"}},
		Days: []app.MenuDay{{Group: "Primaria Dante", Day: today,
			Dishes: []app.Dish{{Course: app.CourseFirst, Name: "Pasta al pomodoro", Allergens: []app.Allergen{app.AllergenGluten}}},
			Diets:  []app.DietDish{{Diet: "GF", Dish: app.Dish{Course: app.CourseFirst, Name: "Riso al pomodoro"}}}}},
	})
	return b
}

func TestCanteenClosedDayRecordsNothing(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	k.c.SetMenuBook(closedBook())
	r := k.tap("0100000001") // Giulia, Primaria Dante: closed
	if r.Outcome != app.OutcomeClosedDay || r.Closed == nil || r.Closed.Reason != app.ClosedTrip {
		t.Fatalf("tap on a closed day: %v %+v", r.Outcome, r.Closed)
	}
	if ms := k.meals(); len(ms) != 0 {
		t.Fatalf("a closed day recorded %d meals", len(ms))
	}
	if r.Balance != 3650 {
		t.Errorf("balance %d: nothing must be charged", r.Balance)
	}
	// Another school is open: served as usual.
	if r := k.tap("0100000003"); r.Outcome != app.OutcomeServed {
		t.Errorf("Infanzia Rodari is open: %v", r.Outcome)
	}
	// A national holiday closes every school, with no calendar at all.
	k2 := newKiosk(t, config(), fixture())
	k2.clk.Set(at("2026-12-08", "12:00:00"))
	if r := k2.tap("0100000003"); r.Outcome != app.OutcomeClosedDay || !r.Closed.National {
		t.Errorf("8 December: %v %+v", r.Outcome, r.Closed)
	}
}

func TestCanteenClosedDayStaffOverride(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	k.c.SetMenuBook(closedBook())
	if err := k.c.OverrideClosedDay(app.Staff{}); err == nil {
		t.Fatal("an override without a staff member was accepted")
	}
	if err := k.c.OverrideClosedDay(app.Staff{ID: "S1", Role: app.StaffCanteen}); err != nil {
		t.Fatal(err)
	}
	// The override is audited: a staff action in the outbox.
	evs, err := k.s.Events()
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range evs {
		var sa app.StaffAction
		if e.Kind == app.EventStaffAction && json.Unmarshal(e.Payload, &sa) == nil && sa.Action == app.ActionClosedDayOverride && sa.StaffID == "S1" {
			audited = true
		}
	}
	if !audited {
		t.Fatalf("no audit entry for the override in %d events", len(evs))
	}
	r := k.tap("0100000002") // Marco, GF diet, Primaria Dante
	if r.Outcome != app.OutcomeServed || !r.ClosedOverride {
		t.Fatalf("after the override: %v override=%v", r.Outcome, r.ClosedOverride)
	}
	if len(r.DietDishes) != 1 || r.DietDishes[0].Name != "Riso al pomodoro" || r.DietDishes[0].Instead != "Pasta al pomodoro" {
		t.Errorf("diet dishes in the result: %+v", r.DietDishes)
	}
	if _, closed, over := k.c.ClosedToday(); !closed || !over {
		t.Errorf("ClosedToday = closed %v, override %v", closed, over)
	}
	// The next day the override is gone (and the day is open anyway).
	k.clk.Set(at("2026-11-24", "12:00:00"))
	if r := k.tap("0100000001"); r.Outcome != app.OutcomeServed || r.ClosedOverride {
		t.Errorf("next day: %v override=%v", r.Outcome, r.ClosedOverride)
	}
	// An override on an open day is refused.
	if err := k.c.OverrideClosedDay(app.Staff{ID: "S1"}); err == nil {
		t.Error("override of an open day accepted")
	}
}

func TestReportOnClosedDay(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	open, err := k.c.Report(today)
	if err != nil {
		t.Fatal(err)
	}
	if open.Totals.Booked == 0 {
		t.Fatal("the fixture books meals on an open day")
	}
	k.c.SetMenuBook(closedBook()) // Primaria Dante closed: P1 and P2 book nothing
	rep, err := k.c.Report(today)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rows {
		if r.School == "Primaria Dante" && r.Booked != 0 {
			t.Errorf("closed school %s %s booked %d", r.School, r.Class, r.Booked)
		}
	}
	if rep.Totals.Booked >= open.Totals.Booked {
		t.Errorf("booked %d on a partly closed day, %d open", rep.Totals.Booked, open.Totals.Booked)
	}
	holiday, err := k.c.Report("2026-12-08")
	if err != nil {
		t.Fatal(err)
	}
	if holiday.Totals.Booked != 0 || len(holiday.NotEaten) != 0 {
		t.Errorf("8 December: booked %d, not eaten %d; want none", holiday.Totals.Booked, len(holiday.NotEaten))
	}
}

func TestIdleMenuOrderedByPupils(t *testing.T) {
	k := newKiosk(t, config(), fixture()) // two pupils at Primaria Dante, two at Infanzia Rodari
	r := fixture()
	r.Pupils = append(r.Pupils, app.Pupil{ID: "P5", AccountID: "A3", FirstName: "Ada", LastName: "Neri", School: "Infanzia Rodari", Class: "Sez. A"})
	if err := k.s.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	b := &app.MenuBook{}
	b.Set(app.MenuCalendar{Version: 1, Days: []app.MenuDay{
		{Group: "Primaria Dante", Day: today, Dishes: []app.Dish{{Course: app.CourseFirst, Name: "Pasta"}}},
		{Group: "Infanzia Rodari", Day: today, Dishes: []app.Dish{{Course: app.CourseFirst, Name: "Pastina"}}},
	}})
	k.c.SetMenuBook(b)
	st, err := k.c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Menus) != 2 || st.Menus[0].Group != "Infanzia Rodari" {
		t.Errorf("the menu of most pupils first: %+v", st.Menus)
	}
}

// A kiosk restarted on the day staff opened keeps serving; the next day
// the override is gone.
func TestClosedDayOverrideSurvivesRestart(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	k.c.SetMenuBook(closedBook())
	if err := k.c.OverrideClosedDay(app.Staff{ID: "S1"}); err != nil {
		t.Fatal(err)
	}
	// The restart: a new canteen on the same store.
	c2, err := app.NewCanteen(k.s, k.clk, config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c2.SetMenuBook(closedBook())
	k.clk.Add(10 * time.Second)
	if r, err := c2.Tap(context.Background(), "0100000001"); err != nil || r.Outcome != app.OutcomeServed {
		t.Errorf("after a restart the same day: %v %v", r.Outcome, err)
	}
	// Another closed day: the old override opens nothing.
	b := &app.MenuBook{}
	b.Set(app.MenuCalendar{Closed: []app.ClosedDay{{School: "Primaria Dante", Day: "2026-11-24", Reason: app.ClosedStrike}}})
	c3, err := app.NewCanteen(k.s, k.clk, config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c3.SetMenuBook(b)
	k.clk.Set(at("2026-11-24", "12:00:00"))
	if r, err := c3.Tap(context.Background(), "0100000002"); err != nil || r.Outcome != app.OutcomeClosedDay {
		t.Errorf("the next closed day: %v %v", r.Outcome, err)
	}
}
