package app_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
)

// TestStaffDeskOpensClosedDay: the staff desk opens a closed day only for
// the staff member of the session, audited under their id, and asks for a
// sync soon; the canteen then serves.
func TestStaffDeskOpensClosedDay(t *testing.T) {
	k := newKiosk(t, config(), fixture())
	putStaff(t, k.s, staffRoster(t))
	k.c.SetMenuBook(closedBook()) // Primaria Dante on a trip today
	kiosk := apptest.NewKiosk(app.KioskSettings{Role: "canteen"})
	d, err := app.NewStaffDesk(newStaffMode(t, k.s, k.clk), k.c, kiosk, app.StaffDeskConfig{KioskID: "porta-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, closed, opened := d.ClosedToday(); !closed || opened {
		t.Fatalf("ClosedToday = closed %v, opened %v", closed, opened)
	}
	if err := d.OverrideClosedDay(); !errors.Is(err, app.ErrNoStaff) {
		t.Fatalf("override without staff: %v", err)
	}
	if r := k.tap("0100000001"); r.Outcome != app.OutcomeClosedDay {
		t.Fatalf("before the override: %v", r.Outcome)
	}
	d.Begin(nil)
	st, err := d.SubmitPIN("2468")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.OverrideClosedDay(); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(kiosk.Taken(), "sync-soon") {
		t.Errorf("no sync asked for: %v", kiosk.Taken())
	}
	found := false
	for _, a := range staffEvents(t, k.s) {
		if a.Action == app.ActionClosedDayOverride && a.StaffID == st.ID {
			found = true
		}
	}
	if !found {
		t.Errorf("the override is not audited under %s: %+v", st.ID, staffEvents(t, k.s))
	}
	k.clk.Add(5 * time.Second) // past the badge's debounce
	if r := k.tap("0100000001"); r.Outcome != app.OutcomeServed || !r.ClosedOverride {
		t.Errorf("after the override: %v", r.Outcome)
	}
}
