package synctest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/server"
)

// TestReportMatchesServer: a kiosk on real bbolt serves a fixture day
// through app.Canteen (badge taps, a manual meal, a void, a cancelled
// booking served anyway, bland meals by badge and by hand, diets booked and
// not, a pupil not enrolled on the day, a cancellation on a day that is not
// the pupil's), syncs with the real reference server on loopback, and the
// kiosk's report of the day equals the server's, field by field, and both
// equal the hand-computed figures; then the staff screen's report page, the
// kiosk's CSV and the server's report show the same figures
// (checkReportViews).
func TestReportMatchesServer(t *testing.T) {
	c := newComune(10)
	// 2026-11-23 is a Monday.
	if w, _ := time.Parse(time.DateOnly, string(day)); w.Weekday() != time.Monday {
		t.Fatalf("fixture day %s is a %s", day, w.Weekday())
	}
	d := &c.data
	d.Diets = []app.Diet{{Code: "celiachia", Name: "Celiachia", Allergens: []string{"glutine"}}}
	d.Pupils[2].Diet = &app.Diet{Code: "celiachia"}
	d.Pupils[5].Weekdays = []time.Weekday{time.Tuesday, time.Thursday}
	d.Pupils[8].Weekdays = []time.Weekday{time.Tuesday, time.Thursday}
	d.Pupils[6].Diet = &app.Diet{Code: "celiachia"}
	d.Staff = []server.ImportStaff{{ID: "S1", Name: "Cuoca", Role: app.StaffCanteen, PIN: "2468"}}
	for _, i := range []int{6, 7} {
		d.Pupils[i].School, d.Pupils[i].Class = "Carducci", "1B"
	}
	d.Bookings = []app.Booking{
		{PupilID: c.pupils[1].ID, Day: day, Bland: true},
		{PupilID: c.pupils[4].ID, Day: day, Cancelled: true},
		{PupilID: c.pupils[6].ID, Day: day, Cancelled: true},
		{PupilID: c.pupils[7].ID, Day: day, Bland: true},
		// Not a canteen day for p8, cancelled all the same: the door
		// would say "cancelled today", so the report counts it.
		{PupilID: c.pupils[8].ID, Day: day, Cancelled: true},
		// Another day's cancellation must not count today.
		{PupilID: c.pupils[3].ID, Day: "2026-11-24", Cancelled: true},
	}
	rs := startServer(t, "")
	if _, err := rs.Import(server.ImportData(*d)); err != nil {
		t.Fatal(err)
	}
	k := newKiosk(t, rs, "porta-1", "", newClock(day))
	k.syncOK(t)

	ctx := context.Background()
	staff := app.Staff{ID: "S1", Name: "Cuoca"}
	voided := k.tap(t, c.badges[0], app.OutcomeServed)
	k.tap(t, c.badges[1], app.OutcomeServed) // bland
	k.tap(t, c.badges[2], app.OutcomeServed) // diet
	k.tap(t, c.badges[5], app.OutcomeServed) // not a canteen day for them
	k.tap(t, c.badges[6], app.OutcomeServed) // cancelled, served all the same
	k.syncOK(t)                              // the voided meal reaches the server charged
	if _, err := k.canteen.Void(ctx, staff, voided.Meal.EventID, app.VoidWrongPupil); err != nil {
		t.Fatal(err)
	}
	if r, err := k.canteen.ServeManual(ctx, staff, c.pupils[7].ID); err != nil || r.Outcome != app.OutcomeServed {
		t.Fatalf("manual meal: %+v, %v", r, err)
	}
	k.syncOK(t)
	if st := k.syncer.Status(); st.Waiting != 0 || st.Rejected != 0 {
		t.Fatalf("after sync: waiting %d rejected %d", st.Waiting, st.Rejected)
	}

	kr, err := k.canteen.Report(day)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := rs.DayReport(day, app.ServiceLunch)
	if err != nil {
		t.Fatal(err)
	}

	// Hand-computed: Dante 3A books p0 p1 (bland) p2 (diet) p3 p9 (p4
	// cancelled; p5 and p8 not on Mondays, p8 cancelled) and served p1 p2
	// p5; Carducci 1B books p7 (bland; p6 with a diet cancelled) and
	// served p6 p7 (by hand). p0's meal is voided.
	want := []app.ReportRow{
		{School: "Carducci", Class: "1B", Booked: 1, Served: 2, Cancelled: 1, ServedUnbooked: 1, Bland: 1, BlandServed: 1, DietServed: 1},
		{School: "Dante", Class: "3A", Booked: 5, Served: 3, Cancelled: 2, ServedUnbooked: 1, Bland: 1, BlandServed: 1, Diet: 1, DietServed: 1},
	}
	wantTotals := app.ReportRow{Booked: 6, Served: 5, Cancelled: 3, ServedUnbooked: 2, Bland: 2, BlandServed: 2, Diet: 1, DietServed: 2}
	wantDiets := []app.DietRow{{Code: "celiachia", Name: "Celiachia", Booked: 1, Served: 2}}
	wantNotEaten := []app.PupilID{c.pupils[0].ID, c.pupils[3].ID, c.pupils[9].ID}

	for _, side := range []struct {
		name string
		rep  app.DayReport
	}{{"kiosk", kr}, {"server", sr}} {
		r := side.rep
		if r.Day != day || r.Service != app.ServiceLunch {
			t.Errorf("%s: day %q service %q", side.name, r.Day, r.Service)
		}
		if !reflect.DeepEqual(r.Rows, want) {
			t.Errorf("%s rows:\n got %+v\nwant %+v", side.name, r.Rows, want)
		}
		if r.Totals != wantTotals {
			t.Errorf("%s totals:\n got %+v\nwant %+v", side.name, r.Totals, wantTotals)
		}
		if !reflect.DeepEqual(r.Diets, wantDiets) {
			t.Errorf("%s diets: got %+v want %+v", side.name, r.Diets, wantDiets)
		}
		var ne []app.PupilID
		for _, p := range r.NotEaten {
			ne = append(ne, p.ID)
		}
		if !reflect.DeepEqual(ne, wantNotEaten) {
			t.Errorf("%s not eaten: got %v want %v", side.name, ne, wantNotEaten)
		}
	}

	// Field by field, kiosk against server.
	if kr.Day != sr.Day || kr.Service != sr.Service {
		t.Errorf("day/service: kiosk %s/%s server %s/%s", kr.Day, kr.Service, sr.Day, sr.Service)
	}
	if kr.Totals != sr.Totals {
		t.Errorf("totals: kiosk %+v server %+v", kr.Totals, sr.Totals)
	}
	if len(kr.Rows) != len(sr.Rows) {
		t.Errorf("rows: kiosk %d server %d", len(kr.Rows), len(sr.Rows))
	}
	for i := range min(len(kr.Rows), len(sr.Rows)) {
		if kr.Rows[i] != sr.Rows[i] {
			t.Errorf("row %d: kiosk %+v server %+v", i, kr.Rows[i], sr.Rows[i])
		}
	}
	if !reflect.DeepEqual(kr.Diets, sr.Diets) {
		t.Errorf("diets: kiosk %+v server %+v", kr.Diets, sr.Diets)
	}
	if len(kr.NotEaten) != len(sr.NotEaten) {
		t.Errorf("not eaten: kiosk %d server %d", len(kr.NotEaten), len(sr.NotEaten))
	}
	for i := range min(len(kr.NotEaten), len(sr.NotEaten)) {
		if !reflect.DeepEqual(kr.NotEaten[i], sr.NotEaten[i]) {
			t.Errorf("not eaten %d: kiosk %+v server %+v", i, kr.NotEaten[i], sr.NotEaten[i])
		}
	}
	if !reflect.DeepEqual(kr, sr) {
		t.Errorf("reports differ:\nkiosk  %+v\nserver %+v", kr, sr)
	}

	checkReportViews(t, k, sr, "2468")
}
