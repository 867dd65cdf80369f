package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
)

// certificateEnv is a real server in the Comune's time zone (Rome) with
// the fixture year 2025 of family F1: two siblings at different prices
// sharing one balance, meals (one voided), notices paid through
// /v1/receipts on both sides of the year's edges, one paid twice (the
// second payment is refunded by the office, not credited), one unpaid;
// and family F2, which paid nothing in 2025.
func certificateEnv(t *testing.T) (*env, string) {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvAt(t, time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC), Options{Location: rome})
	s, clock := e.s, e.clock
	wd := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	mustImport(t, s, ImportData{
		Accounts: []app.Account{{ID: "F1", Holder: "Rossi Mario", HolderFiscalCode: holderCF}, {ID: "F2", Holder: "Bianchi Luca", HolderFiscalCode: withCheckLetter("BNCLCU80A01H501")}},
		Pupils: []app.Pupil{
			{ID: "P1", AccountID: "F1", FirstName: "Giulia", LastName: "Rossi", FiscalCode: withCheckLetter("RSSGLI15A41H501"), School: "Primaria Pascoli", Class: "3A", Weekdays: wd, MealPrice: 500},
			{ID: "P2", AccountID: "F1", FirstName: "Marco", LastName: "Rossi", FiscalCode: withCheckLetter("RSSMRC17C03H501"), School: "Primaria Pascoli", Class: "1B", Weekdays: wd, MealPrice: 350},
			{ID: "P3", AccountID: "F2", FirstName: "Sara", LastName: "Bianchi", School: "Rodari", Class: "2A", Weekdays: wd, MealPrice: 200},
		},
		Staff: []ImportStaff{{ID: "S1", Name: "Anna Verdi", Role: app.StaffCanteen, PIN: "4321"}},
	})
	// Meals of January 2025: Giulia on 5 days (one voided), Marco on 4,
	// Sara on 2.
	var evs []app.OutboxEvent
	seq := uint64(0)
	add := func(p app.PupilID, acc app.AccountID, price app.Cents, day int) string {
		seq++
		d := time.Date(2025, 1, day, 11, 30, 0, 0, time.UTC)
		id := fmt.Sprintf("meal-%s-%02d", p, day)
		evs = append(evs, mealEvent(app.Meal{EventID: id, Seq: seq, KioskID: "canteen-1", PupilID: p, AccountID: acc,
			Day: app.Day(d.Format(time.DateOnly)), Service: app.ServiceLunch, Price: price, At: d, Via: app.ViaBadge}))
		return id
	}
	var giulia []string
	for _, d := range []int{13, 14, 15, 16, 17} {
		giulia = append(giulia, add("P1", "F1", 500, d))
	}
	for _, d := range []int{13, 14, 16, 17} {
		add("P2", "F1", 350, d)
	}
	add("P3", "F2", 200, 13)
	add("P3", "F2", 200, 14)
	seq++
	void := voidEvent("void-1", seq, giulia[2])
	void.At = time.Date(2025, 1, 17, 12, 0, 0, 0, time.UTC)
	evs = append(evs, void)
	r := e.push(e.roleToken("canteen-1", RoleCanteen), app.PushBatch{Epoch: "E1", Events: evs})
	for _, st := range r.Results {
		if st.Status != app.EventAccepted {
			t.Fatalf("event %s: %s %s", st.ID, st.Status, st.Reason)
		}
	}

	counter := e.roleToken("counter-1", RoleCounter)
	receipts, err := s.CreateReceiptToken("pagopa")
	if err != nil {
		t.Fatal(err)
	}
	pay := func(n app.Notice, id string, at time.Time, wantStatus int) {
		t.Helper()
		st, _, ce := e.postReceipt(receipts, app.Receipt{ReceiptID: id, NoticeCode: n.NoticeCode, Amount: n.Amount, PaidAt: at, PSP: "Banca Esempio"})
		if st != wantStatus {
			t.Fatalf("receipt %s: %d %+v", id, st, ce)
		}
	}
	n1 := e.mustTopUp(counter, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "k1"})
	n2 := e.mustTopUp(counter, app.TopUpRequest{AccountID: "F1", Amount: 4000, IdempotencyKey: "k2"})
	n3 := e.mustTopUp(counter, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "k3"})
	e.mustTopUp(counter, app.TopUpRequest{AccountID: "F1", Amount: 1500, IdempotencyKey: "k4"}) // never paid
	e.mustTopUp(counter, app.TopUpRequest{AccountID: "F2", Amount: 3000, IdempotencyKey: "k5"}) // never paid
	// 31/12/2024 23:30 UTC is 1 January 2025, 00:30 in Rome: a 2025 payment.
	pay(n1, "R-1", time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC), http.StatusOK)
	pay(n2, "R-2", time.Date(2025, 6, 3, 10, 0, 0, 0, time.UTC), http.StatusOK)
	// Paid twice: the second receipt is kept for the office's refund,
	// never credited, never attested.
	pay(n2, "R-2bis", time.Date(2025, 6, 3, 10, 5, 0, 0, time.UTC), http.StatusConflict)
	// 31/12/2025 23:30 UTC is 2026 in Rome: not a 2025 payment.
	pay(n3, "R-3", time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC), http.StatusOK)
	// 5,00 € paid back to the family on 1 September 2025 (the office).
	clock.Set(time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC))
	if _, _, err := s.RecordRefund("F1", "RF-1", 500, "credito restituito"); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
	return e, counter
}

func (e *env) getCertificate(token, account, query string) (int, app.FamilyCertificate, central.Error) {
	e.t.Helper()
	st, data, _ := e.do(http.MethodGet, central.PathCertificates+account+query, token, nil)
	var c app.FamilyCertificate
	var ce central.Error
	if st == http.StatusOK {
		if err := json.Unmarshal(data, &c); err != nil {
			e.t.Fatalf("%s: %v", data, err)
		}
	} else if err := json.Unmarshal(data, &ce); err != nil {
		e.t.Fatalf("%d %s: not an error body", st, data)
	}
	return st, c, ce
}

func TestCertificateOfAFixtureYear(t *testing.T) {
	e, counter := certificateEnv(t)
	st, c, ce := e.getCertificate(counter, "F1", "?year=2025")
	if st != http.StatusOK {
		t.Fatalf("%d %+v", st, ce)
	}
	// By hand. Paid in 2025 (Rome): 25,00 € (1 January, 00:30) + 40,00 €
	// (3 June) − 5,00 € refunded (1 September) = 60,00 €; the second
	// 40,00 € receipt was not credited (to refund) and the 10,00 € paid
	// on 1 January 2026 is next year's.
	// Meals: Giulia 4 × 5,00 € = 20,00 € (one of her 5 voided), Marco
	// 4 × 3,50 € = 14,00 €; Σ 34,00 €.
	// Giulia 6000 × 2000 / 3400 = 3529 rem 1400; Marco 6000 × 1400 / 3400
	// = 2470 rem 2000; the cent left goes to Marco (larger remainder):
	// 35,29 € + 24,71 € = 60,00 €.
	if c.Total != 6000 || c.Year != 2025 || c.PayerFiscalCode != holderCF || c.PayerName != "Rossi Mario" {
		t.Errorf("total %d, year %d, payer %q %q", c.Total, c.Year, c.PayerName, c.PayerFiscalCode)
	}
	if len(c.Payments) != 3 || c.Payments[0].Day != "2025-01-01" || c.Payments[0].Amount != 2500 || c.Payments[0].ReceiptID != "R-1" ||
		c.Payments[1].Day != "2025-06-03" || c.Payments[1].Amount != 4000 ||
		c.Payments[2].Day != "2025-09-01" || c.Payments[2].Amount != -500 || c.Payments[2].ReceiptID != "RF-1" {
		t.Errorf("payments %+v", c.Payments)
	}
	g, _ := c.Child("P1")
	m, _ := c.Child("P2")
	if g.Amount != 3529 || g.Meals != 4 || g.MealsValue != 2000 || g.FiscalCode != withCheckLetter("RSSGLI15A41H501") || g.School != "Primaria Pascoli" {
		t.Errorf("Giulia %+v", g)
	}
	if m.Amount != 2471 || m.Meals != 4 || m.MealsValue != 1400 {
		t.Errorf("Marco %+v", m)
	}
	if c.Creditor.FiscalCode != TestCreditorCF || c.Issued.IsZero() {
		t.Errorf("creditor %+v, issued %s", c.Creditor, c.Issued)
	}

	// 2024: the payment of 31 December 23:30 UTC was already 2025 in Rome.
	if _, c, _ := e.getCertificate(counter, "F1", "?year=2024"); c.Total != 0 || len(c.Payments) != 0 {
		t.Errorf("2024: %+v", c)
	}
	// 2026: the 10,00 € of 1 January 2026; no meals yet: even split.
	if _, c, _ := e.getCertificate(counter, "F1", "?year=2026"); c.Total != 1000 || c.Children[0].Amount != 500 || c.Children[1].Amount != 500 {
		t.Errorf("2026: %+v", c)
	}

	// The office's bulk: only the families that paid in the year.
	all, err := e.s.Certificates(2025)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].AccountID != "F1" || all[0].Total != 6000 {
		t.Errorf("Certificates(2025) = %+v", all)
	}
}

func TestCertificateRefusals(t *testing.T) {
	e, counter := certificateEnv(t)
	for _, tc := range []struct {
		token, account, query string
		status                int
		code                  string
	}{
		{counter, "F1", "?year=2027", http.StatusBadRequest, "bad_request"}, // after the current year (2026)
		{counter, "F1", "?year=1999", http.StatusBadRequest, "bad_request"},
		{counter, "F1", "?year=abc", http.StatusBadRequest, "bad_request"},
		{counter, "F1", "", http.StatusBadRequest, "bad_request"},
		{counter, "F9", "?year=2025", http.StatusNotFound, central.CodeUnknownAccount},
		// A canteen's token reads no family's payments.
		{e.roleToken("canteen-2", RoleCanteen), "F1", "?year=2025", http.StatusForbidden, central.CodeForbidden},
	} {
		st, _, ce := e.getCertificate(tc.token, tc.account, tc.query)
		if st != tc.status || ce.Code != tc.code {
			t.Errorf("%s%s: %d %q, want %d %q", tc.account, tc.query, st, ce.Code, tc.status, tc.code)
		}
	}
}

// withCheckLetter completes a codice fiscale with its check letter.
func withCheckLetter(first15 string) string {
	for c := 'A'; c <= 'Z'; c++ {
		if cf, err := NormalizeFiscalCode(first15 + string(c)); err == nil {
			return cf
		}
	}
	panic("no check letter for " + first15)
}

// TestRecordRefund: a refund lowers the balance once, on the ledger;
// the same id again changes nothing; a reused id or bad input is refused
// and writes nothing.
func TestRecordRefund(t *testing.T) {
	e, _ := certificateEnv(t)
	before := e.balance("F1")
	r, created, err := e.s.RecordRefund("F1", "RF-2", 1234, "famiglia trasferita")
	if err != nil || !created || r.Amount != 1234 {
		t.Fatalf("%+v %v %v", r, created, err)
	}
	if got := e.balance("F1"); got != before-1234 {
		t.Errorf("balance %d, want %d", got, before-1234)
	}
	if _, created, err := e.s.RecordRefund("F1", "RF-2", 1234, "famiglia trasferita"); err != nil || created {
		t.Errorf("again: created %v, %v", created, err)
	}
	for _, bad := range []struct {
		acc    app.AccountID
		id     string
		amount app.Cents
		reason string
	}{{"F1", "RF-2", 999, "x"}, {"F2", "RF-2", 1234, "x"}, {"F9", "RF-3", 100, "x"}, {"F1", "RF-4", 0, "x"}, {"F1", "RF-5", 100, " "}} {
		if _, _, err := e.s.RecordRefund(bad.acc, bad.id, bad.amount, bad.reason); err == nil {
			t.Errorf("%+v: recorded", bad)
		}
	}
	if got := e.balance("F1"); got != before-1234 {
		t.Errorf("balance after refusals %d, want %d", got, before-1234)
	}
	c, err := e.s.Certificate("F1", 2026)
	if err != nil {
		t.Fatal(err)
	}
	// 2026: 10,00 € paid on 1 January, 12,34 € refunded on 10 February:
	// refunds over payments attest nothing.
	if c.Total != 0 || len(c.Payments) != 2 {
		t.Errorf("2026: %+v", c)
	}
}
