package noticepdf

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
)

// loadReceiptCatalogue is loadCatalogue with the receipt's and the
// certificate's texts (assets/i18n/<lang>.receipt.json) besides the
// notice's.
func loadReceiptCatalogue(t *testing.T, lang string) catalogue {
	t.Helper()
	return catalogueOf(t, lang, "notice", "receipt")
}

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return l
}()

// certificateFixture is app's fixture year 2026 (app/certificate_test.go)
// as BuildFamilyCertificate makes it: two siblings, Giulia 18 meals at
// 5,00 € (2 voided left out), Marco 23 at 3,50 € (1 voided left out),
// payments 100,00 + 50,00 + 75,50 € and a refund of 15,00 € in 2026.
func certificateFixture(t *testing.T) app.FamilyCertificate {
	t.Helper()
	acc := app.Account{ID: "F1", Holder: "Laura Bianchi", HolderFiscalCode: "BNCLRA80A41H501X"}
	pupils := []app.Pupil{
		{ID: "P1", FirstName: "Giulia", LastName: "Rossi", FiscalCode: "RSSGLI15A41H501Z", School: "Primaria Pascoli"},
		{ID: "P2", FirstName: "Marco", LastName: "Rossi", FiscalCode: "RSSMRC17C03H501Y", School: "Primaria Pascoli"},
	}
	var meals []app.Meal
	for i := range 24 {
		day := app.Day(time.Date(2026, 1, 7+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
		if i < 20 {
			meals = append(meals, app.Meal{PupilID: "P1", Day: day, Price: 500, Voided: i == 3 || i == 11})
		}
		meals = append(meals, app.Meal{PupilID: "P2", Day: day, Price: 350, Voided: i == 5})
	}
	payments := []app.CertificatePayment{
		{Day: "2025-12-30", NoticeCode: "301000000000000144", Amount: 6000},
		{Day: "2026-01-15", NoticeCode: "301000000000000238", Amount: 10000},
		{Day: "2026-03-02", NoticeCode: "301000000000000286", Amount: 5000},
		{Day: "2026-06-30", ReceiptID: "refund-1", Amount: -1500},
		{Day: "2026-09-20", NoticeCode: "301000000000000335", Amount: 7550},
	}
	c, err := app.BuildFamilyCertificate(2026, acc, pupils, meals, payments)
	if err != nil {
		t.Fatal(err)
	}
	c.Creditor = firstExample().Creditor
	c.Issued = time.Date(2027, 2, 15, 23, 30, 0, 0, time.UTC) // 16 February in Rome
	return c
}

func TestCertificatePDF(t *testing.T) {
	noCompression = true
	t.Cleanup(func() { noCompression = false })
	var buf bytes.Buffer
	if err := WriteCertificate(&buf, certificateFixture(t), loadReceiptCatalogue(t, "it"), rome); err != nil {
		t.Fatal(err)
	}
	doc := readPDF(t, buf.Bytes())
	text := doc.text()
	if n := bytes.Count(buf.Bytes(), []byte("/Type /Page")) - bytes.Count(buf.Bytes(), []byte("/Type /Pages")); n != 2 {
		t.Errorf("%d pages, want one per child (2)", n)
	}
	payments := []string{"Pagamenti dell'anno sul conto della famiglia", "Data", "Codice avviso", "Importo",
		"15/01/2026", "3010 0000 0000 0002 38", "100,00 €",
		"02/03/2026", "3010 0000 0000 0002 86", "50,00 €",
		"30/06/2026", "Rimborso refund-1", "-15,00 €",
		"20/09/2026", "3010 0000 0000 0003 35", "75,50 €",
		"Rilasciata il 16/02/2027"}
	// By hand (app/certificate_test.go): 210,50 € paid in 2026, Giulia
	// 111,11 € (18 meals, 90,00 €), Marco 99,39 € (23 meals, 80,50 €).
	inOrder(t, text,
		"Attestazione delle spese per il servizio di mensa scolastica", "Anno 2026",
		"Ente creditore", "Comune di Città di Prova", "99999000013", "lettera e-bis", "(730)",
		"Pagatore (intestatario del conto mensa)", "Laura Bianchi", "Codice fiscale BNCLRA80A41H501X",
		"Alunno/a", "Giulia Rossi", "Codice fiscale RSSGLI15A41H501Z", "Scuola frequentata: Primaria Pascoli",
		"Si attesta che nell'anno 2026", "Totale pagato nell'anno", "111,11 €",
		"(210,50 €)", "(qui 18 pasti, 90,00 €)")
	inOrder(t, text, append([]string{"111,11 €"}, payments...)...)
	inOrder(t, text, "Rilasciata il 16/02/2027",
		"Attestazione delle spese", "Anno 2026", "Laura Bianchi",
		"Alunno/a", "Marco Rossi", "Codice fiscale RSSMRC17C03H501Y",
		"Totale pagato nell'anno", "99,39 €", "(qui 23 pasti, 80,50 €)")
	inOrder(t, text, append([]string{"99,39 €"}, payments...)...)
	for _, gone := range []string{"30/12/2025", "60,00 €", "3010 0000 0000 0001 44"} {
		if strings.Contains(text, gone) {
			t.Errorf("a payment of 2025 (%s) is on the 2026 certificate", gone)
		}
	}
	for _, p := range doc.textPos {
		if p[0] < 28 || p[0] > 595-28 || p[1] < 28 || p[1] > 842-28 {
			t.Errorf("text at (%.0f, %.0f) pt is outside the page's margins", p[0], p[1])
		}
	}

	// English.
	buf.Reset()
	if err := WriteCertificate(&buf, certificateFixture(t), loadReceiptCatalogue(t, "en"), rome); err != nil {
		t.Fatal(err)
	}
	inOrder(t, readPDF(t, buf.Bytes()).text(), "Certificate of school canteen expenses", "Year 2026", "deductible at 19%",
		"Pupil", "Giulia Rossi", "Total paid in the year", "111,11 €", "Refund refund-1", "Issued on 16/02/2027")
}

// TestCertificatePDFManyPayments: a year of many small payments runs
// onto further pages, never off the page.
func TestCertificatePDFManyPayments(t *testing.T) {
	noCompression = true
	t.Cleanup(func() { noCompression = false })
	c := certificateFixture(t)
	c.Children = c.Children[:1]
	for i := range 80 {
		c.Payments = append(c.Payments, app.CertificatePayment{Day: "2026-10-01", NoticeCode: "301000000000000335", Amount: app.Cents(100 + i)})
	}
	var buf bytes.Buffer
	if err := WriteCertificate(&buf, c, loadReceiptCatalogue(t, "it"), rome); err != nil {
		t.Fatal(err)
	}
	doc := readPDF(t, buf.Bytes())
	inOrder(t, doc.text(), "1,00 €", "1,79 €", "Rilasciata il")
	for _, p := range doc.textPos {
		if p[1] < 28 || p[1] > 842-28 {
			t.Errorf("text at (%.0f, %.0f) pt is outside the page's margins", p[0], p[1])
		}
	}
}

// TestCertificatePDFNoMeals: with no meal charged in the year the split
// is even, and the certificate says so rather than "by value of meals".
func TestCertificatePDFNoMeals(t *testing.T) {
	noCompression = true
	t.Cleanup(func() { noCompression = false })
	c, err := app.BuildFamilyCertificate(2026, app.Account{ID: "F1", Holder: "Laura Bianchi", HolderFiscalCode: "BNCLRA80A41H501X"},
		[]app.Pupil{{ID: "P1", FirstName: "Giulia"}, {ID: "P2", FirstName: "Marco"}}, nil,
		[]app.CertificatePayment{{Day: "2026-04-01", NoticeCode: "301000000000000144", Amount: 4001}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCertificate(&buf, c, loadReceiptCatalogue(t, "it"), rome); err != nil {
		t.Fatal(err)
	}
	text := readPDF(t, buf.Bytes()).text()
	// 4001 evenly: 2000 rem 1 each; the tie goes to the first listed.
	inOrder(t, text, "Giulia", "20,01 €", "in parti uguali se nessuno ne ha consumati (qui 0 pasti)", "Marco", "20,00 €")
	if strings.Contains(text, "valore dei pasti") {
		t.Error("an even split is described as by the meals' value")
	}
}
