package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/storage"
)

// TestMenuKeptOffline: a kiosk with no central server starts from the menu
// and calendar its store holds (pulled before the network went): today
// closed by the calendar, a tap records nothing; the idle screen has the
// menu with its as-of time.
func TestMenuKeptOffline(t *testing.T) {
	dir := t.TempDir()
	roster, ids := testRoster(4, "")
	path := seedDB(t, dir, roster)
	cfg := DefaultConfig()
	cfg.KioskID, cfg.DataDir = "kiosk-menu", dir
	cfg.Canteen.WindowStart, cfg.Canteen.WindowEnd = "00:00", "24:00"
	cc, err := cfg.Validate()
	if err != nil {
		t.Fatal(err)
	}
	reader := virtualReader(t, dir)
	cfg.Reader.Port = reader.Path()
	today := app.DayOf(time.Now(), cc.Location)
	s, err := storage.Open(path, storage.Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Now().Add(-time.Hour).UTC()
	if err := s.PutMenuCalendar(app.MenuCalendar{Version: 7, From: today.AddDays(-7), To: today.AddDays(35), AsOf: asOf,
		Days:   []app.MenuDay{{Group: "Scuola", Day: today, Dishes: []app.Dish{{Course: app.CourseFirst, Name: "Pasta al pomodoro", Allergens: []app.Allergen{app.AllergenGluten}}}}},
		Closed: []app.ClosedDay{{School: "Scuola", Day: today, Reason: app.ClosedStrike}}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	c, err := startCore(context.Background(), cfg, cc, false, slog.New(slog.DiscardHandler), coreHooks{OnResult: func(app.TapResult, error) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := c.canteen.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Menus) != 1 || st.Menus[0].Dishes[0].Name != "Pasta al pomodoro" || !st.MenuAsOf.Equal(asOf) {
		t.Errorf("idle menu from the store: %+v as of %v", st.Menus, st.MenuAsOf)
	}
	r, err := c.canteen.Tap(context.Background(), ids[0])
	if err != nil || r.Outcome != app.OutcomeClosedDay {
		t.Errorf("a tap on the stored closed day: %v %v", r.Outcome, err)
	}
	if st, _ := c.canteen.Idle(); st.ServedToday != 0 {
		t.Errorf("%d meals recorded on a closed day", st.ServedToday)
	}
}
