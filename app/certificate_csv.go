package app

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// CertificateCSVHeader names the columns of WriteCertificatesCSV.
var CertificateCSVHeader = []string{"year", "account_id", "payer_name", "payer_fiscal_code", "family_total_cents", "payments",
	"pupil_id", "first_name", "last_name", "fiscal_code", "school", "meals", "meals_value_cents", "amount_cents", "amount_eur"}

// WriteCertificatesCSV writes the office's list of the year's
// certificates, for Italian spreadsheets like the day report's CSV (';'
// between fields, UTF-8 with a byte-order mark, CRLF, text that a
// spreadsheet would run as a formula quoted with an apostrophe): a row per
// child with the family's total and number of payments (a family without
// children: one row with its total and no child), amounts in cents and in
// euros ("111,11").
func WriteCertificatesCSV(w io.Writer, certs []FamilyCertificate) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(CertificateCSVHeader); err != nil {
		return err
	}
	cents := func(c Cents) string { return strconv.FormatInt(int64(c), 10) }
	for _, c := range certs {
		fam := []string{strconv.Itoa(c.Year), safeCell(string(c.AccountID)), safeCell(c.PayerName), safeCell(c.PayerFiscalCode),
			cents(c.Total), strconv.Itoa(len(c.Payments))}
		children := c.Children
		if len(children) == 0 {
			if err := cw.Write(append(fam, "", "", "", "", "", "0", "0", cents(c.Total), euroText(c.Total))); err != nil {
				return err
			}
			continue
		}
		for _, ch := range children {
			row := append(append([]string(nil), fam...), safeCell(string(ch.PupilID)), safeCell(ch.FirstName), safeCell(ch.LastName),
				safeCell(ch.FiscalCode), safeCell(strings.TrimSpace(ch.School)), strconv.Itoa(ch.Meals), cents(ch.MealsValue), cents(ch.Amount), euroText(ch.Amount))
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
