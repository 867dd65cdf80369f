package app_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
)

// reportRoster is the canteen fixture plus three pupils: Pietro eats only on
// Tuesdays, Carla has the gluten-free diet, Elena is in 10A (after 3B).
func reportRoster() app.Roster {
	r := fixture()
	gf := &app.Diet{Code: "GF", Name: "Senza glutine", Allergens: []string{"glutine"}}
	r.Pupils = append(r.Pupils,
		app.Pupil{ID: "P5", AccountID: "A3", FirstName: "Pietro", LastName: "Amato", School: "Primaria Dante", Class: "3B", Weekdays: []time.Weekday{time.Tuesday}, MealPrice: 300},
		app.Pupil{ID: "P6", AccountID: "A3", FirstName: "Carla", LastName: "Esposito", School: "Primaria Dante", Class: "3B", Weekdays: []time.Weekday{1, 2, 3, 4, 5}, MealPrice: 300, Diet: gf},
		app.Pupil{ID: "P7", AccountID: "A3", FirstName: "Elena", LastName: "=Zeta", School: "Primaria Dante", Class: "10A", Weekdays: []time.Weekday{1}, MealPrice: 300},
	)
	return r
}

func meal(p app.PupilID, d app.Day, voided bool) app.Meal {
	return app.Meal{PupilID: p, Day: d, Service: app.ServiceLunch, Voided: voided}
}

// blandMeal is a meal served as a pasto in bianco (the booking asked for it
// when the door served it).
func blandMeal(p app.PupilID, d app.Day) app.Meal {
	m := meal(p, d, false)
	m.Bland = true
	return m
}

// The fixture day, Monday 23 November 2026, by hand:
//
//	P1 Giulia  Dante 3B        booked, served (twice on record: counted once)
//	P2 Marco   Dante 1A   GF   booked, served then voided: not eaten
//	P3 Sara    Rodari A        booked bland, served
//	P4 Luca    Rodari B        cancelled, served anyway: served unbooked
//	P5 Pietro  Dante 3B        Tuesdays only, served: served unbooked
//	P6 Carla   Dante 3B   GF   booked, not eaten
//	P7 Elena   Dante 10A       booked, not eaten
//	PX         (left the roster) served: served unbooked, empty school
func fixtureDay() app.ReportInput {
	r := reportRoster()
	return app.ReportInput{Day: today, Service: app.ServiceLunch, Pupils: r.Pupils,
		Bookings: append(r.Bookings, app.Booking{PupilID: "P1", Day: "2026-11-24", Cancelled: true}),
		Meals: []app.Meal{
			meal("P1", today, false), meal("P1", today, false), meal("P2", today, true), blandMeal("P3", today),
			meal("P4", today, false), meal("P5", today, false), meal("PX", today, false),
			meal("P6", "2026-11-24", false), // another day
		}}
}

func wantFixtureReport() app.DayReport {
	return app.DayReport{Day: today, Service: app.ServiceLunch,
		Rows: []app.ReportRow{
			{School: "", Class: "", Served: 1, ServedUnbooked: 1},
			{School: "Infanzia Rodari", Class: "Sez. A", Booked: 1, Served: 1, Bland: 1, BlandServed: 1},
			{School: "Infanzia Rodari", Class: "Sez. B", Served: 1, Cancelled: 1, ServedUnbooked: 1},
			{School: "Primaria Dante", Class: "1A", Booked: 1, Diet: 1},
			{School: "Primaria Dante", Class: "3B", Booked: 2, Served: 2, ServedUnbooked: 1, Diet: 1},
			{School: "Primaria Dante", Class: "10A", Booked: 1},
		},
		Diets:  []app.DietRow{{Code: "GF", Name: "Senza glutine", Booked: 2, Served: 0}},
		Totals: app.ReportRow{Booked: 5, Served: 5, Cancelled: 1, ServedUnbooked: 3, Bland: 1, BlandServed: 1, Diet: 2},
	}
}

func notEatenIDs(r app.DayReport) string {
	var ids []string
	for _, p := range r.NotEaten {
		ids = append(ids, string(p.ID))
	}
	return strings.Join(ids, " ")
}

func TestBuildDayReport(t *testing.T) {
	got := app.BuildDayReport(fixtureDay())
	if ids := notEatenIDs(got); ids != "P2 P6 P7" {
		t.Errorf("not eaten %s, want P2 P6 P7", ids)
	}
	got.NotEaten = nil
	if want := wantFixtureReport(); !reflect.DeepEqual(got, want) {
		t.Errorf("report\n got %+v\nwant %+v", got, want)
	}
	// Deterministic: the same input in another order gives the same report.
	in := fixtureDay()
	for i, j := 0, len(in.Pupils)-1; i < j; i, j = i+1, j-1 {
		in.Pupils[i], in.Pupils[j] = in.Pupils[j], in.Pupils[i]
	}
	again := app.BuildDayReport(in)
	again.NotEaten = nil
	if !reflect.DeepEqual(again, got) {
		t.Error("the report depends on the roster's order")
	}
}

func TestReportCSV(t *testing.T) {
	var buf bytes.Buffer
	head := func(k string) string { return strings.ToUpper(strings.TrimPrefix(k, "staff.report.csv.")) }
	if err := app.BuildDayReport(fixtureDay()).WriteCSV(&buf, head); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFF" + strings.Join([]string{
		"TITLE;2026-11-23;STAFF.REPORT.SERVICE.LUNCH", // the service named through the catalogue, not its code
		"SCHOOL;CLASS;BOOKED;SERVED;CANCELLED;SERVED_UNBOOKED;BLAND;BLAND_SERVED;DIET;DIET_SERVED",
		";;0;1;0;1;0;0;0;0",
		"Infanzia Rodari;Sez. A;1;1;0;0;1;1;0;0",
		"Infanzia Rodari;Sez. B;0;1;1;1;0;0;0;0",
		"Primaria Dante;1A;1;0;0;0;0;0;1;0",
		"Primaria Dante;3B;2;2;0;1;0;0;1;0",
		"Primaria Dante;10A;1;0;0;0;0;0;0;0",
		"TOTAL;;5;5;1;3;1;1;2;0",
		"",
		"DIETS",
		"DIET_NAME;BOOKED;SERVED",
		"Senza glutine;2;0",
		"",
		"NOT_EATEN",
		"SCHOOL;CLASS;LAST_NAME;FIRST_NAME;DIET_NAME",
		"Primaria Dante;1A;Rossi;Marco;Senza glutine",
		"Primaria Dante;3B;Esposito;Carla;Senza glutine",
		"Primaria Dante;10A;'=Zeta;Elena;", // never a formula
	}, "\r\n") + "\r\n"
	if got := buf.String(); got != want {
		t.Errorf("CSV\n got %q\nwant %q", got, want)
	}
}

// The report from the kiosk's store: the same day made with taps, a manual
// meal and a void, gives the hand-computed figures (but for the meal of the
// pupil who left the roster, which a store cannot hold).
func TestReportFromStore(t *testing.T) {
	ctx := context.Background()
	k := newKiosk(t, config(), reportRoster())
	k.tap("0100000001")
	k.clk.Add(5 * time.Second)
	k.tap("0100000001") // debounce or already served: counted once
	r, err := k.c.ServeManual(ctx, anna, "P2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.c.Void(ctx, anna, r.Meal.EventID, app.VoidWrongPupil); err != nil {
		t.Fatal(err)
	}
	k.tap("0100000003")
	k.tap("0100000004")
	if _, err := k.c.ServeManual(ctx, anna, "P5"); err != nil {
		t.Fatal(err)
	}
	got, err := k.c.Report(k.c.Today())
	if err != nil {
		t.Fatal(err)
	}
	want := wantFixtureReport()
	want.Rows = want.Rows[1:]
	want.Totals.Served, want.Totals.ServedUnbooked = 4, 2
	if ids := notEatenIDs(got); ids != "P2 P6 P7" {
		t.Errorf("not eaten %s", ids)
	}
	got.NotEaten = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report\n got %+v\nwant %+v", got, want)
	}
}
