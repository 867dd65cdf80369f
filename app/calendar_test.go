package app_test

import (
	"testing"

	"mensakiosk/app"
)

func TestEasterSunday(t *testing.T) {
	// Known dates (Gregorian): the computus must give each.
	for year, want := range map[int]string{
		1961: "1961-04-02", 2000: "2000-04-23", 2008: "2008-03-23", 2011: "2011-04-24",
		2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28",
		2038: "2038-04-25", 2285: "2285-03-22",
	} {
		if got := app.EasterSunday(year).Format("2006-01-02"); got != want {
			t.Errorf("Easter %d = %s, want %s", year, got, want)
		}
	}
}

func TestNationalHolidays(t *testing.T) {
	for _, c := range []struct {
		day  app.Day
		want bool
	}{
		{"2026-01-01", true}, {"2026-01-06", true}, {"2026-04-06", true}, // Easter Monday 2026
		{"2026-04-05", false}, // Easter Sunday itself is a Sunday, not in the list
		{"2025-04-21", true}, {"2026-04-25", true}, {"2026-05-01", true}, {"2026-06-02", true},
		{"2026-08-15", true}, {"2026-11-01", true}, {"2026-12-08", true}, {"2026-12-25", true},
		{"2026-12-26", true}, {"2026-12-07", false}, {"2026-11-23", false}, {"bad", false},
	} {
		if _, got := app.NationalHoliday(c.day); got != c.want {
			t.Errorf("NationalHoliday(%s) = %v, want %v", c.day, got, c.want)
		}
	}
	if n := len(app.NationalHolidays(2026)); n != 11 {
		t.Errorf("%d national holidays, want 11", n)
	}
}

func TestSchoolYear(t *testing.T) {
	for d, want := range map[app.Day]app.Day{"2026-12-06": "2026-09-01", "2027-08-31": "2026-09-01", "2027-09-01": "2027-09-01"} {
		if got, err := app.SchoolYearStart(d); err != nil || got != want {
			t.Errorf("SchoolYearStart(%s) = %s, %v; want %s", d, got, err, want)
		}
	}
	if got := app.SchoolYearName("2026-09-01"); got != "2026/27" {
		t.Errorf("SchoolYearName = %q", got)
	}
}

func TestClosedOn(t *testing.T) {
	cal := app.MenuCalendar{Closed: []app.ClosedDay{
		{School: "Primaria Dante", Day: "2026-11-24", Reason: app.ClosedTrip},
		{Day: "2026-11-25", Reason: app.ClosedStrike},
	}}
	for _, c := range []struct {
		school string
		day    app.Day
		want   bool
	}{
		{"Primaria Dante", "2026-11-24", true}, {"Infanzia Rodari", "2026-11-24", false},
		{"Infanzia Rodari", "2026-11-25", true}, {"Primaria Dante", "2026-12-08", true},
		{"Primaria Dante", "2026-11-23", false},
	} {
		if _, got := cal.ClosedOn(c.school, c.day); got != c.want {
			t.Errorf("ClosedOn(%s, %s) = %v, want %v", c.school, c.day, got, c.want)
		}
		f := cal.ClosedSchools(c.day)
		if got := f != nil && f(c.school); got != c.want {
			t.Errorf("ClosedSchools(%s)(%s) = %v, want %v", c.day, c.school, got, c.want)
		}
	}
	if _, ok := app.ParseClosedReason("Sciopero"); ok != nil {
		t.Error(ok)
	}
	if _, err := app.ParseClosedReason("festa patronale?"); err == nil {
		t.Error("an unknown reason was accepted")
	}
}
