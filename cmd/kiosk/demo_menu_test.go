//go:build demo

package main

import (
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/assets/demo"
	"mensakiosk/central/server"
)

// TestDemoImportMenu: the demo Comune imports into the real server with
// its month of menu, diet alternatives and closed days, and a re-import
// (each demo start) changes nothing.
func TestDemoImportMenu(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.Local)
	day := app.DayOf(now, time.Local)
	roster, _ := demo.Build(day, now)
	data, err := demoImport(roster, now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Open(t.TempDir(), server.Options{Clock: apptest.NewClock(now), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.Import(data); err != nil {
		t.Fatal(err)
	}
	from, to := app.MenuSpan(day)
	mc, err := srv.MenuCalendar(from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(mc.Days) < 60 || len(mc.Closed) != 2 || len(mc.Groups) != 2 {
		t.Fatalf("demo menu: %d days, %d closed, %d groups", len(mc.Days), len(mc.Closed), len(mc.Groups))
	}
	m, ok := mc.MenuOf("Scuola Primaria Dante Alighieri", day)
	if !ok || len(m.Dishes) < 3 || len(m.Diets) == 0 {
		t.Errorf("today's menu at the primary school: %+v", m)
	}
	if _, closed := mc.ClosedOn("Scuola Primaria Dante Alighieri", "2026-12-08"); !closed {
		t.Error("8 December is not closed")
	}
	again, err := demoImport(roster, now)
	if err != nil {
		t.Fatal(err)
	}
	st, err := srv.Import(again)
	if err != nil {
		t.Fatal(err)
	}
	if mc2, _ := srv.MenuCalendar(from, to); mc2.Version != mc.Version {
		t.Errorf("a second demo start changed the menu's version (%d → %d): %+v", mc.Version, mc2.Version, st)
	}
}
