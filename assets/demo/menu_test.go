package demo

import (
	"testing"

	"mensakiosk/app"
)

func TestDemoMenu(t *testing.T) {
	day := app.Day("2026-12-06") // a Sunday
	rows := Menu(day)
	days := map[app.Day]bool{}
	diets := map[string]bool{}
	for _, r := range rows {
		days[r.Day] = true
		if r.Diet != "" {
			diets[r.Diet] = true
		}
		if _, err := app.ParseCourse(string(r.Course)); err != nil || r.Dish == "" {
			t.Errorf("row %+v: %v", r, err)
		}
	}
	if len(days) != 36 {
		t.Errorf("%d days of menu, want 36 (a week before to four weeks after)", len(days))
	}
	for _, d := range Diets() {
		if d.Code != "NOPORK" && d.Code != "VEG" && !diets[d.Code] {
			t.Logf("diet %s has no alternative in the demo menu", d.Code)
		}
	}
	for _, code := range []string{"GLUT", "LATT", "EGG", "VEG", "NOPORK", "NUTS"} {
		if !diets[code] {
			t.Errorf("diet %s has no alternative in a month of menu", code)
		}
	}
	closed := Closed(day)
	if len(closed) != 2 || closed[0].Day != "2026-12-09" || closed[1].Day != "2026-12-11" {
		t.Errorf("closed days after Sunday 6 December: %+v", closed)
	}
	// The same date has the same menu whenever the demo starts.
	again := Menu(day.AddDays(3))
	first := func(rs []MenuRow, d app.Day) string {
		for _, r := range rs {
			if r.Day == d {
				return r.Dish
			}
		}
		return ""
	}
	if a, b := first(rows, "2026-12-10"), first(again, "2026-12-10"); a == "" || a != b {
		t.Errorf("10 December: %q, then %q", a, b)
	}
}
