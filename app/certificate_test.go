package app_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
)

func TestSplitByWeight(t *testing.T) {
	for _, tc := range []struct {
		name    string
		total   app.Cents
		weights []int64
		want    []app.Cents
	}{
		{"even thirds: the leftover cent to the first listed", 100, []int64{1, 1, 1}, []app.Cents{34, 33, 33}},
		{"largest remainder wins the cent", 200, []int64{2, 1}, []app.Cents{133, 67}},
		{"nothing paid", 0, []int64{5, 3}, []app.Cents{0, 0}},
		{"no meals at all: even", 1001, []int64{0, 0}, []app.Cents{501, 500}},
		{"a child with no meals gets nothing", 10, []int64{0, 7}, []app.Cents{0, 10}},
		{"one child takes all", 12345, []int64{9}, []app.Cents{12345}},
		// 3×1/6 = 0 rem 3, 3×2/6 = 1 rem 0, 3×3/6 = 1 rem 3: a tie, won by the larger weight.
		{"ties on remainder go to the larger weight", 3, []int64{1, 2, 3}, []app.Cents{0, 1, 2}},
		// 99 999 999 999 × 10^12 overflows int64: the split must not.
		{"huge amounts do not overflow", 99_999_999_999, []int64{1_000_000_000_000, 1}, []app.Cents{99_999_999_999, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := app.SplitByWeight(tc.total, tc.weights)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("SplitByWeight(%d, %v) = %v, want %v", tc.total, tc.weights, got, tc.want)
			}
		})
	}
	for _, bad := range []struct {
		total   app.Cents
		weights []int64
	}{{-1, []int64{1}}, {10, []int64{1, -2}}, {10, nil}} {
		if got, err := app.SplitByWeight(bad.total, bad.weights); err == nil {
			t.Errorf("SplitByWeight(%d, %v) = %v, want an error", bad.total, bad.weights, got)
		}
	}
}

// TestSplitByWeightSumsExactly: whatever the amounts, the shares add up
// to the total and none is off its exact proportion by a cent or more.
func TestSplitByWeightSumsExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		total := app.Cents(r.Int64N(10_000_000))
		n := 1 + r.IntN(5)
		w := make([]int64, n)
		var sum int64
		for i := range w {
			w[i] = r.Int64N(5000)
			sum += w[i]
		}
		got, err := app.SplitByWeight(total, w)
		if err != nil {
			t.Fatal(err)
		}
		var s app.Cents
		for i, c := range got {
			s += c
			if sum > 0 {
				exact := float64(total) * float64(w[i]) / float64(sum)
				if d := float64(c) - exact; d <= -1 || d >= 1 {
					t.Fatalf("split %d by %v: share %d is %.3f from its exact %.3f", total, w, c, d, exact)
				}
			}
		}
		if s != total {
			t.Fatalf("split %d by %v = %v: sums to %d", total, w, got, s)
		}
	}
}

// certificateYear is the fixture year 2026 of a family with two
// children sharing one balance, at different prices (a sibling discount),
// with payments around the year's edges, a refund, and voided meals.
func certificateYear() (app.Account, []app.Pupil, []app.Meal, []app.CertificatePayment) {
	acc := app.Account{ID: "F1", Holder: "Laura Bianchi", HolderFiscalCode: "BNCLRA80A41H501X"}
	pupils := []app.Pupil{
		{ID: "P2", AccountID: "F1", FirstName: "Marco", LastName: "Rossi", FiscalCode: "RSSMRC17C03H501Y", School: "Primaria Pascoli", MealPrice: 350},
		{ID: "P1", AccountID: "F1", FirstName: "Giulia", LastName: "Rossi", FiscalCode: "RSSGLI15A41H501Z", School: "Primaria Pascoli", MealPrice: 500},
	}
	var meals []app.Meal
	day := func(i int) app.Day {
		return app.Day(time.Date(2026, 1, 7, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly))
	}
	// Giulia: 20 meals at 5,00 €, 2 of them voided → 18 × 500 = 9000.
	for i := range 20 {
		meals = append(meals, app.Meal{EventID: "g" + string(rune('a'+i)), PupilID: "P1", AccountID: "F1", Day: day(i), Price: 500, Voided: i == 3 || i == 11})
	}
	// Marco: 24 meals at 3,50 €, 1 voided → 23 × 350 = 8050.
	for i := range 24 {
		meals = append(meals, app.Meal{EventID: "m" + string(rune('a'+i)), PupilID: "P2", AccountID: "F1", Day: day(i), Price: 350, Voided: i == 5})
	}
	// Meals of another year do not count.
	meals = append(meals, app.Meal{EventID: "old", PupilID: "P1", AccountID: "F1", Day: "2025-12-19", Price: 500},
		app.Meal{EventID: "next", PupilID: "P2", AccountID: "F1", Day: "2027-01-08", Price: 350})
	payments := []app.CertificatePayment{
		{Day: "2025-12-30", NoticeCode: "301000000000000144", Amount: 6000}, // paid in 2025: not this year's
		{Day: "2026-09-20", NoticeCode: "301000000000000335", Amount: 7550},
		{Day: "2026-01-15", NoticeCode: "301000000000000238", Amount: 10000},
		{Day: "2026-06-30", ReceiptID: "refund-1", Amount: -1500}, // refunded to the family
		{Day: "2026-03-02", NoticeCode: "301000000000000286", Amount: 5000},
		{Day: "2027-01-02", NoticeCode: "301000000000000432", Amount: 2000}, // next year's
	}
	return acc, pupils, meals, payments
}

func TestBuildFamilyCertificate(t *testing.T) {
	acc, pupils, meals, payments := certificateYear()
	c, err := app.BuildFamilyCertificate(2026, acc, pupils, meals, payments)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: paid in 2026 10000 + 5000 + 7550 − 1500 refunded = 21050.
	// Weights: Giulia 18 × 500 = 9000, Marco 23 × 350 = 8050; Σ 17050.
	// Giulia 21050 × 9000 / 17050 = 11111 rem 7450;
	// Marco  21050 × 8050 / 17050 =  9938 rem 9600;
	// 11111 + 9938 = 21049: the cent left goes to Marco (larger
	// remainder): Giulia 111,11 €, Marco 99,39 €.
	if c.Total != 21050 {
		t.Errorf("total %d, want 21050", c.Total)
	}
	if c.PayerFiscalCode != "BNCLRA80A41H501X" || c.PayerName != "Laura Bianchi" || c.Year != 2026 {
		t.Errorf("payer %q %q year %d", c.PayerName, c.PayerFiscalCode, c.Year)
	}
	var days []string
	for _, p := range c.Payments {
		days = append(days, string(p.Day))
	}
	if got := strings.Join(days, " "); got != "2026-01-15 2026-03-02 2026-06-30 2026-09-20" {
		t.Errorf("payments of the year %s", got)
	}
	want := []app.ChildCertificate{
		{PupilID: "P1", FirstName: "Giulia", LastName: "Rossi", FiscalCode: "RSSGLI15A41H501Z", School: "Primaria Pascoli", Meals: 18, MealsValue: 9000, Amount: 11111},
		{PupilID: "P2", FirstName: "Marco", LastName: "Rossi", FiscalCode: "RSSMRC17C03H501Y", School: "Primaria Pascoli", Meals: 23, MealsValue: 8050, Amount: 9939},
	}
	if !slices.Equal(c.Children, want) {
		t.Errorf("children\n got %+v\nwant %+v", c.Children, want)
	}

	// 2025: one payment of 6000 and one meal of Giulia's: all hers.
	c, err = app.BuildFamilyCertificate(2025, acc, pupils, meals, payments)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := c.Child("P1"); c.Total != 6000 || g.Amount != 6000 || g.Meals != 1 {
		t.Errorf("2025: total %d, Giulia %+v", c.Total, g)
	}

	// A year whose refunds exceed its payments attests nothing.
	c, err = app.BuildFamilyCertificate(2026, acc, pupils, meals, []app.CertificatePayment{{Day: "2026-02-01", Amount: 1000}, {Day: "2026-05-01", Amount: -3000}})
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := c.Child("P1"); c.Total != 0 || g.Amount != 0 {
		t.Errorf("refunds over payments: total %d, Giulia %d", c.Total, g.Amount)
	}

	// Exempt children (price 0): by meals eaten.
	free := slices.Clone(meals)
	for i := range free {
		free[i].Price = 0
	}
	c, err = app.BuildFamilyCertificate(2026, acc, pupils, free, payments)
	if err != nil {
		t.Fatal(err)
	}
	// 21050 × 18/41 = 9241 rem 19, × 23/41 = 11808 rem 22: Marco's cent.
	if g, _ := c.Child("P1"); g.Amount != 9241 {
		t.Errorf("by meals: Giulia %d, want 9241", g.Amount)
	}
	if m, _ := c.Child("P2"); m.Amount != 11809 {
		t.Errorf("by meals: Marco %d, want 11809", m.Amount)
	}
}

func TestReceiptQRText(t *testing.T) {
	n := app.Notice{NoticeCode: "301000000000000144", Amount: 2000,
		Creditor: app.Creditor{Name: "Comune di  Prova", FiscalCode: "99999000013"}}
	if _, err := app.ReceiptQRText(n, rome); err == nil {
		t.Error("an unpaid notice has a receipt text")
	}
	n.Receipt = &app.Receipt{ReceiptID: "R-1", NoticeCode: n.NoticeCode, Amount: 123456,
		PaidAt: time.Date(2026, 12, 6, 9, 15, 0, 0, time.UTC), PSP: "Banca\nTest"}
	got, err := app.ReceiptQRText(n, rome)
	if err != nil {
		t.Fatal(err)
	}
	want := "RICEVUTA PAGOPA\nEnte: Comune di Prova (99999000013)\nAvviso: 3010 0000 0000 0001 44\nImporto: 1.234,56 EUR\nPagato: 06/12/2026 10:15\nPSP: Banca Test\nID ricevuta: R-1"
	if got != want {
		t.Errorf("receipt text\n%s\nwant\n%s", got, want)
	}
}

func TestWriteCertificatesCSV(t *testing.T) {
	acc, pupils, meals, payments := certificateYear()
	acc.Holder = "=HYPERLINK(\"x\")" // a name a spreadsheet would run
	c, err := app.BuildFamilyCertificate(2026, acc, pupils, meals, payments)
	if err != nil {
		t.Fatal(err)
	}
	empty := app.FamilyCertificate{Year: 2026, AccountID: "F9", PayerName: "Verdi Anna", Total: 1000, Payments: []app.CertificatePayment{{Day: "2026-05-01", Amount: 1000}}}
	var b strings.Builder
	if err := app.WriteCertificatesCSV(&b, []app.FamilyCertificate{c, empty}); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFyear;account_id;payer_name;payer_fiscal_code;family_total_cents;payments;pupil_id;first_name;last_name;fiscal_code;school;meals;meals_value_cents;amount_cents;amount_eur\r\n" +
		"2026;F1;\"'=HYPERLINK(\"\"x\"\")\";BNCLRA80A41H501X;21050;4;P1;Giulia;Rossi;RSSGLI15A41H501Z;Primaria Pascoli;18;9000;11111;111,11\r\n" +
		"2026;F1;\"'=HYPERLINK(\"\"x\"\")\";BNCLRA80A41H501X;21050;4;P2;Marco;Rossi;RSSMRC17C03H501Y;Primaria Pascoli;23;8050;9939;99,39\r\n" +
		"2026;F9;Verdi Anna;;1000;1;;;;;;0;0;1000;10,00\r\n"
	if b.String() != want {
		t.Errorf("CSV\n%q\nwant\n%q", b.String(), want)
	}
}
