package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/server"
)

// TestCertificatesCommand: `central certificates` offline, then through
// the running server's admin socket, writes a PDF per family that paid
// in the year and the CSV; the PDF's text as poppler's pdftotext reads
// it, and the CSV, carry the amounts computed here by hand.
func TestCertificatesCommand(t *testing.T) {
	bin := binary(t)
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing: scripts/ensure-deps.sh installs poppler-utils")
	}
	dir := t.TempDir()
	wd := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	s := openImported(t, dir, server.ImportData{
		Accounts: []app.Account{{ID: "F1", Holder: "Rossi Mario", HolderFiscalCode: "RSSMRA80A01H501U"}, {ID: "F2", Holder: "Verdi Anna", HolderFiscalCode: "RSSMRA80A01H501U"}},
		Pupils: []app.Pupil{
			{ID: "P1", AccountID: "F1", FirstName: "Giulia", LastName: "Rossi", School: "Primaria Pascoli", Class: "3A", Weekdays: wd, MealPrice: 500},
			{ID: "P2", AccountID: "F1", FirstName: "Marco", LastName: "Rossi", School: "Primaria Pascoli", Class: "1B", Weekdays: wd, MealPrice: 350},
			{ID: "P3", AccountID: "F2", FirstName: "Sara", LastName: "Verdi", School: "Rodari", Class: "2A", Weekdays: wd, MealPrice: 200},
		},
	})
	if _, err := s.CreateToken("canteen-1", server.RoleCanteen); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if now.YearDay() <= 2 || now.Month() == time.December && now.Day() == 31 {
		// The fixture's days (today, yesterday, and in the Comune's time
		// zone) all in one calendar year.
		now = now.AddDate(0, 0, -3)
	}
	year := now.Year()
	var evs []app.OutboxEvent
	for i, p := range []app.PupilID{"P1", "P1", "P2"} {
		m := app.Meal{EventID: "m" + strconv.Itoa(i), Seq: uint64(i + 1), KioskID: "canteen-1", PupilID: p, AccountID: "F1",
			Day: app.DayOf(now, time.UTC), Service: app.ServiceLunch, Price: map[app.PupilID]app.Cents{"P1": 500, "P2": 350}[p], At: now, Via: app.ViaManual}
		if i == 1 {
			// Giulia's second meal is of the day before (two on one day
			// would be a double serve, held uncharged).
			m.Day = app.DayOf(now.Add(-24*time.Hour), time.UTC)
			m.At = now.Add(-24 * time.Hour)
		}
		payload, _ := json.Marshal(m)
		evs = append(evs, app.OutboxEvent{ID: m.EventID, Seq: m.Seq, Kind: app.EventMealRecorded, At: m.At, Payload: payload})
	}
	if _, err := s.Push("canteen-1", app.PushBatch{Epoch: "E1", Events: evs}); err != nil {
		t.Fatal(err)
	}
	for i, amount := range []app.Cents{3000, 2000} {
		n, _, err := s.CreateTopUp("counter", app.TopUpRequest{AccountID: "F1", Amount: amount, IdempotencyKey: "k" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordReceipt(app.Receipt{ReceiptID: "R" + strconv.Itoa(i), NoticeCode: n.NoticeCode, Amount: amount, PaidAt: now, PSP: "Banca"}); err != nil {
			t.Fatal(err)
		}
	}
	// F2 asked for a notice and never paid: no certificate.
	if _, _, err := s.CreateTopUp("counter", app.TopUpRequest{AccountID: "F2", Amount: 1000, IdempotencyKey: "k9"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, error) { return runCmd(t, bin, args...) }
	y := strconv.Itoa(year)
	// By hand: 50,00 € paid; Giulia 2 × 5,00 = 10,00 €, Marco 3,50 €.
	// Giulia 5000 × 1000 / 1350 = 3703 rem 950, Marco 5000 × 350 / 1350 =
	// 1296 rem 400: the cent to Giulia: 37,04 € + 12,96 € = 50,00 €.
	check := func(out string) {
		t.Helper()
		pdf := filepath.Join(out, "attestazione-"+y+"-F1.pdf")
		text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", pdf, err)
		}
		pages := strings.Split(string(text), "\f")
		if len(pages) < 2 || !strings.Contains(pages[0], "Giulia Rossi") || !strings.Contains(pages[1], "Marco Rossi") {
			t.Fatalf("a page per child, Giulia's then Marco's:\n%s", text)
		}
		for _, want := range []string{"Attestazione delle spese", "Anno " + y, "RSSMRA80A01H501U",
			"Rossi Mario", "Primaria Pascoli", "37,04 €", "(50,00 €)", "30,00 €", "20,00 €"} {
			if !strings.Contains(pages[0], want) {
				t.Errorf("Giulia's page lacks %q:\n%s", want, pages[0])
			}
		}
		if !strings.Contains(pages[1], "12,96 €") {
			t.Errorf("Marco's page lacks 12,96 €:\n%s", pages[1])
		}
		if _, err := os.Stat(filepath.Join(out, "attestazione-"+y+"-F2.pdf")); err == nil {
			t.Error("a family that paid nothing has a certificate")
		}
		csv, err := os.ReadFile(filepath.Join(out, "attestazioni-"+y+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		want := "\uFEFFyear;account_id;payer_name;payer_fiscal_code;family_total_cents;payments;pupil_id;first_name;last_name;fiscal_code;school;meals;meals_value_cents;amount_cents;amount_eur\r\n" +
			y + ";F1;Rossi Mario;RSSMRA80A01H501U;5000;2;P1;Giulia;Rossi;;Primaria Pascoli;2;1000;3704;37,04\r\n" +
			y + ";F1;Rossi Mario;RSSMRA80A01H501U;5000;2;P2;Marco;Rossi;;Primaria Pascoli;1;350;1296;12,96\r\n"
		if string(csv) != want {
			t.Errorf("CSV\n%s\nwant\n%s", csv, want)
		}
	}
	out1 := filepath.Join(t.TempDir(), "attestazioni")
	if o, e, err := run("certificates", "-data", dir, "-year", y, "-out", out1); err != nil || !strings.Contains(o, "1 families' certificates") {
		t.Fatalf("certificates offline: %v %s %s", err, o, e)
	}
	check(out1)

	c := start(t, bin, dir)
	defer c.Cmd.Process.Kill()
	out2 := filepath.Join(t.TempDir(), "attestazioni")
	if o, e, err := run("certificates", "-data", dir, "-year", y, "-out", out2); err != nil || !strings.Contains(o, "1 families' certificates") {
		t.Fatalf("certificates through the admin socket: %v %s %s", err, o, e)
	}
	check(out2)
	if _, e, err := run("certificates", "-data", dir, "-year", strconv.Itoa(year+1), "-out", out2); err == nil || !strings.Contains(e, "year") {
		t.Errorf("next year: %v %s", err, e)
	}
	if _, e, err := run("certificates", "-data", dir, "-out", out2); err == nil || !strings.Contains(e, "-year") {
		t.Errorf("no year: %v %s", err, e)
	}
	// A refund of 5,00 € through the admin socket, twice with one id:
	// recorded once. 45,00 € now: Giulia 4500 × 1000 / 1350 = 3333 rem
	// 450, Marco 4500 × 350 / 1350 = 1166 rem 900: the cent to Marco.
	for range 2 {
		if o, e, err := run("refund", "-data", dir, "-account", "F1", "-amount", "500", "-reason", "credito restituito", "-id", "RF-1"); err != nil || !strings.Contains(o, "5,00 € paid back to account F1") {
			t.Fatalf("refund: %v %s %s", err, o, e)
		}
	}
	out3 := filepath.Join(t.TempDir(), "attestazioni")
	if o, e, err := run("certificates", "-data", dir, "-year", y, "-out", out3); err != nil {
		t.Fatalf("certificates after the refund: %v %s %s", err, o, e)
	}
	csv, err := os.ReadFile(filepath.Join(out3, "attestazioni-"+y+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csv), ";4500;3;P1;Giulia;Rossi;;Primaria Pascoli;2;1000;3333;33,33\r\n") || !strings.Contains(string(csv), ";4500;3;P2;Marco;Rossi;;Primaria Pascoli;1;350;1167;11,67\r\n") {
		t.Errorf("CSV after the refund:\n%s", csv)
	}
	if _, e, err := run("refund", "-data", dir, "-account", "F1", "-amount", "500"); err == nil || !strings.Contains(e, "-reason") {
		t.Errorf("refund without a reason: %v %s", err, e)
	}
	c.Cmd.Process.Signal(syscall.SIGINT)
	if err := c.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v", err)
	}
}
