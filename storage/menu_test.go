package storage

import (
	"path/filepath"
	"testing"
	"time"

	"mensakiosk/app"
)

func TestMenuCalendarKeptAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	s := mustOpen(t, path, Options{})
	if _, ok, err := s.MenuCalendar(); ok || err != nil {
		t.Fatalf("a new store holds a menu: %v %v", ok, err)
	}
	asOf := time.Date(2026, 11, 23, 10, 20, 0, 0, time.UTC)
	mc := app.MenuCalendar{Version: 4, From: "2026-11-16", To: "2026-12-28", AsOf: asOf,
		Days:   []app.MenuDay{{Group: "Primarie", Day: "2026-11-23", Dishes: []app.Dish{{Course: app.CourseFirst, Name: "Pasta", Allergens: []app.Allergen{app.AllergenGluten}}}}},
		Closed: []app.ClosedDay{{Day: "2026-11-24", Reason: app.ClosedStrike}}}
	if err := s.PutMenuCalendar(mc); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path, Options{})
	defer s.Close()
	got, ok, err := s.MenuCalendar()
	if err != nil || !ok || got.Version != 4 || !got.AsOf.Equal(asOf) || len(got.Days) != 1 || got.Days[0].Dishes[0].Name != "Pasta" || len(got.Closed) != 1 {
		t.Fatalf("after reopening: %+v %v %v", got, ok, err)
	}
}
