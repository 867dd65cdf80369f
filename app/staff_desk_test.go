package app_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
)

// TestStaffDeskAuditsEveryStaffAction: each staff action of a session is in
// the audit trail, written by app (manual meal and void by the canteen, the
// export, forced sync, settings change and quit by the desk); without a
// session every one is refused before it touches the kiosk, except quit,
// which still ends the program.
func TestStaffDeskAuditsEveryStaffAction(t *testing.T) {
	k := newStaffKiosk(t)
	m := newStaffMode(t, k.s, k.clk)
	kiosk := apptest.NewKiosk(app.KioskSettings{Role: "canteen"})
	d, err := app.NewStaffDesk(m, k.c, kiosk, app.StaffDeskConfig{KioskID: "porta/1",
		Header: func(key string) string { return "«" + key + "»" }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	if _, err := d.ServeManual("P2"); !errors.Is(err, app.ErrNoStaff) {
		t.Fatalf("manual meal without staff: %v", err)
	}
	if _, err := d.ExportCSV(dir); !errors.Is(err, app.ErrNoStaff) {
		t.Fatalf("export without staff: %v", err)
	}
	if err := d.ForceSync(); !errors.Is(err, app.ErrNoStaff) {
		t.Fatalf("sync without staff: %v", err)
	}
	if err := d.ApplySettings(app.KioskSettings{Role: "counter"}); !errors.Is(err, app.ErrNoStaff) {
		t.Fatalf("settings without staff: %v", err)
	}
	if got := kiosk.Taken(); len(got) != 0 {
		t.Fatalf("refused actions reached the kiosk: %v", got)
	}
	if acts := staffEvents(t, k.s); len(acts) != 0 {
		t.Fatalf("refused actions audited: %+v", acts)
	}

	d.Begin(nil)
	if _, err := d.SubmitPIN("2468"); err != nil {
		t.Fatal(err)
	}
	r, err := d.ServeManual("P2")
	if err != nil || r.Outcome != app.OutcomeServed {
		t.Fatalf("manual meal: %+v, %v", r, err)
	}
	if _, err := d.Void(r.Meal.EventID, app.VoidTest); err != nil {
		t.Fatal(err)
	}
	path, err := d.ExportCSV(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "report-porta_1-"+today+".csv"); path != want {
		t.Fatalf("exported to %s, want %s", path, want)
	}
	if csv := string(kiosk.Files()[path]); !strings.Contains(csv, "«") {
		t.Fatalf("the CSV's headings are not translated: %q", csv)
	}
	if err := d.ForceSync(); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("reader port: not a serial device")
	kiosk.FailSave(refused)
	if err := d.ApplySettings(app.KioskSettings{Role: "counter"}); !errors.Is(err, refused) {
		t.Fatalf("a refused change: %v", err)
	}
	if _, ok := d.Active(); !ok {
		t.Fatal("a refused change ended the session")
	}
	kiosk.FailSave(nil)
	if err := d.ApplySettings(app.KioskSettings{Role: "counter"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Active(); ok {
		t.Fatal("the session goes on after a settings change restarted the kiosk")
	}
	d.Quit() // no session: the program ends all the same
	d.Begin(nil)
	if _, err := d.SubmitPIN("1357"); err != nil {
		t.Fatal(err)
	}
	d.Quit()

	if got, want := kiosk.Taken(), []string{"sync-soon", "sync-soon", "write", "sync-now", "save", "save", "restart", "quit", "quit"}; !slices.Equal(got, want) {
		t.Fatalf("the kiosk was asked %v, want %v", got, want)
	}
	var got []string
	for _, a := range staffEvents(t, k.s) {
		got = append(got, a.StaffID+" "+a.Action)
		switch a.Action {
		case app.ActionExport:
			var detail map[string]string
			if json.Unmarshal([]byte(a.Detail), &detail) != nil || detail["file"] != path {
				t.Errorf("export audited as %q", a.Detail)
			}
		case app.ActionSettings:
			var detail map[string]app.KioskSettings
			if json.Unmarshal([]byte(a.Detail), &detail) != nil || detail["before"].Role != "canteen" || detail["after"].Role != "counter" {
				t.Errorf("settings change audited as %q", a.Detail)
			}
		}
	}
	want := []string{"S1 login", "S1 manual_meal", "S1 void", "S1 report_export", "S1 sync", "S1 settings", "S1 logout", "S2 login", "S2 quit"}
	if !slices.Equal(got, want) {
		t.Fatalf("audit trail %v, want %v", got, want)
	}
}
