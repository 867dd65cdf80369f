package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central/server"
)

// staffData makes a database with a served day: P1 served, P2 served and
// voided, P3 not served; a staff login.
func staffData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	now := time.Date(2025, 3, 10, 11, 30, 0, 0, time.UTC)
	s, err := server.Open(dir, server.Options{Clock: apptest.NewClock(now)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wd := []time.Weekday{time.Monday, time.Tuesday}
	if _, err := s.Import(server.ImportData{
		Accounts: []app.Account{{ID: "A1", Holder: "Rossi", Balance: 1000}},
		Pupils: []app.Pupil{
			{ID: "P1", AccountID: "A1", FirstName: "Giulia", LastName: "Rossi", School: "Rodari", Class: "3A", Weekdays: wd, MealPrice: 450},
			{ID: "P2", AccountID: "A1", FirstName: "Marco", LastName: "Rossi", School: "Rodari", Class: "1B", Weekdays: wd, MealPrice: 450},
			{ID: "P3", AccountID: "A1", FirstName: "Sara", LastName: "Bianchi", School: "Rodari", Class: "1B", Weekdays: wd, MealPrice: 450},
		},
		Staff: []server.ImportStaff{{ID: "S9", Name: "Anna Verdi", Role: app.StaffCanteen, PIN: "4321"}},
	}); err != nil {
		t.Fatal(err)
	}
	ev := func(id string, seq uint64, kind string, v any) app.OutboxEvent {
		p, _ := json.Marshal(v)
		return app.OutboxEvent{ID: id, Seq: seq, Kind: kind, At: now.Add(-time.Minute), Payload: p}
	}
	mealOf := func(id string, seq uint64, p app.PupilID) app.OutboxEvent {
		return ev(id, seq, app.EventMealRecorded, app.Meal{EventID: id, Seq: seq, PupilID: p, AccountID: "A1", Day: "2025-03-10",
			Service: app.ServiceLunch, Price: 450, At: now.Add(-time.Minute), Via: app.ViaBadge})
	}
	if _, err := s.Push("K1", app.PushBatch{Epoch: "e1", Events: []app.OutboxEvent{
		ev("s-1", 1, app.EventStaffAction, app.StaffAction{StaffID: "S9", Action: "login"}),
		mealOf("m-1", 2, "P1"), mealOf("m-2", 3, "P2"),
		ev("v-1", 4, app.EventMealVoided, app.MealVoid{MealEventID: "m-2", Reason: "wrong pupil", StaffID: "S9"}),
	}}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runStaff(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestAuditCommand(t *testing.T) {
	dir := staffData(t)
	out, errs, code := runStaff(t, "audit", "-data", dir, "-day", "2025-03-10")
	if code != 0 || !strings.Contains(out, "2 staff actions") || !strings.Contains(out, "login") ||
		!strings.Contains(out, "meal.voided") || !strings.Contains(out, "meal m-2: wrong pupil") || !strings.Contains(out, "S9") {
		t.Fatalf("audit: %d %s %s", code, out, errs)
	}
	if out, _, _ := runStaff(t, "audit", "-data", dir, "-kiosk", "K2"); !strings.Contains(out, "0 staff actions") {
		t.Fatalf("audit of another kiosk: %s", out)
	}
	if out, _, _ := runStaff(t, "audit", "-data", dir, "-day", "2025-03-11"); !strings.Contains(out, "0 staff actions") {
		t.Fatalf("audit of another day: %s", out)
	}
	if _, errs, code := runStaff(t, "audit", "-data", dir, "-day", "10/03/2025"); code != 2 || !strings.Contains(errs, "YYYY-MM-DD") {
		t.Fatalf("a malformed day: %d %s", code, errs)
	}
}

func TestReportCommand(t *testing.T) {
	dir := staffData(t)
	out, errs, code := runStaff(t, "report", "-data", dir, "-day", "2025-03-10")
	if code != 0 || !strings.Contains(out, "not eaten yet: 2") || !strings.Contains(out, "Bianchi Sara") {
		t.Fatalf("report: %d %s %s", code, out, errs)
	}
	// TOTAL: booked 3, served 1.
	var total []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "TOTAL" {
			total = f
		}
	}
	if len(total) < 3 || total[1] != "3" || total[2] != "1" {
		t.Fatalf("totals row %q in\n%s", total, out)
	}
	csv, _, code := runStaff(t, "report", "-data", dir, "-day", "2025-03-10", "-csv")
	if code != 0 || !strings.Contains(csv, ";") {
		t.Fatalf("report -csv: %d %s", code, csv)
	}
	// The kiosk's headings, in Italian; the service named, not its code.
	if !strings.Contains(csv, "Report mensa;2025-03-10;pranzo") || !strings.Contains(csv, "Scuola;Classe;Prenotati;Serviti;Disdetti") ||
		strings.Contains(csv, "staff.report") || strings.Contains(csv, "lunch") {
		t.Fatalf("report -csv headings:\n%s", csv)
	}
	if csv, _, _ := runStaff(t, "report", "-data", dir, "-day", "2025-03-10", "-csv", "-lang", "en"); !strings.Contains(csv, "Canteen report;2025-03-10;lunch") ||
		!strings.Contains(csv, "Bland meals served") {
		t.Fatalf("report -csv -lang en:\n%s", csv)
	}
	if _, errs, code := runStaff(t, "report", "-data", dir, "-day", "2025-03-10", "-service", "dinner"); code == 0 || !strings.Contains(errs, "service") {
		t.Fatalf("unknown service: %d %s", code, errs)
	}
}

func TestBookingCutoffConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "central.json")
	for _, tc := range []struct{ json, want string }{
		{`{"addr":"127.0.0.1:0","data":"` + t.TempDir() + `","booking_cutoff":"9:30"}`, "HH:MM"},
		{`{"addr":"127.0.0.1:0","data":"` + t.TempDir() + `","time_zone":"Europe/Nowhere"}`, "time_zone"},
	} {
		if err := os.WriteFile(cfg, []byte(tc.json), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, errs, code := runStaff(t, "-config", cfg); code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: %d %s", tc.json, code, errs)
		}
	}
}

// TestVoidCommand: the office voids a kiosk's meal with `central void`;
// the family gets the meal's price back, once, and the audit lists it.
func TestVoidCommand(t *testing.T) {
	dir := staffData(t)
	if _, errs, code := runStaff(t, "void", "-data", dir, "-meal", "m-1"); code != 2 || !strings.Contains(errs, "-reason") {
		t.Fatalf("void without a reason: %d %s", code, errs)
	}
	for range 2 {
		out, errs, code := runStaff(t, "void", "-data", dir, "-meal", "m-1", "-reason", "pasto non consumato", "-staff", "U.Rossi")
		if code != 0 || !strings.Contains(out, "meal m-1 (kiosk K1) voided by office-void-m-1") {
			t.Fatalf("void: %d %s %s", code, out, errs)
		}
	}
	if _, errs, code := runStaff(t, "void", "-data", dir, "-meal", "nope", "-reason", "x"); code != 1 || !strings.Contains(errs, "unknown meal") {
		t.Fatalf("void of an unknown meal: %d %s", code, errs)
	}
	s := openData(t, dir)
	bal, err := s.Balance("A1")
	s.Close()
	if err != nil || bal != 1000 {
		t.Fatalf("balance after the office void: %d %v, want 1000 (m-2 voided by K1, m-1 by the office)", bal, err)
	}
	if out, _, _ := runStaff(t, "audit", "-data", dir); !strings.Contains(out, "U.Rossi") || !strings.Contains(out, "meal m-1: pasto non consumato") {
		t.Fatalf("audit lacks the office void:\n%s", out)
	}
	if _, errs, code := runStaff(t, "token", "-data", dir, "-kiosk", "k1"); code != 2 || !strings.Contains(errs, "-role") {
		t.Fatalf("token without a role: %d %s", code, errs)
	}
}

// TestReviewShowsBothPrices: `central review` shows a meal pushed at a
// price other than its fee band's with both prices.
func TestReviewShowsBothPrices(t *testing.T) {
	dir := staffData(t)
	s, err := server.Open(dir, server.Options{Clock: apptest.NewClock(time.Date(2025, 3, 10, 11, 30, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 10, 11, 0, 0, 0, time.UTC)
	p, _ := json.Marshal(app.Meal{EventID: "m-9", Seq: 5, PupilID: "P3", AccountID: "A1", Day: "2025-03-10", Service: app.ServiceLunch, Price: 5000, At: at, Via: app.ViaBadge})
	_, err = s.Push("K1", app.PushBatch{Epoch: "e1", Events: []app.OutboxEvent{{ID: "m-9", Seq: 5, Kind: app.EventMealRecorded, At: at, Payload: p}}})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := runStaff(t, "review", "-data", dir)
	if code != 0 || !strings.Contains(out, "m-9  price_mismatch (kiosk 5000 cents, charged 450)") {
		t.Fatalf("review: %d\n%s%s", code, out, errs)
	}
}
