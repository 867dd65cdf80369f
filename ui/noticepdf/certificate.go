package noticepdf

import (
	"fmt"
	"io"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// The yearly certificate for the tax return (attestazione delle spese per
// la mensa scolastica), A4: one page per child of the family (each is the
// child's certificate), stating the Comune, the payer, the child, the
// school, the amount paid for the child in the year, how a shared
// balance was split, and the family's payments of the year with their
// dates and notice codes. Texts are "cert.*" in assets/i18n/*.receipt.json.

// DeductionPercent is the deduction the certificate names (art. 15 TUIR).
const DeductionPercent = 19

// pageBottom is the lowest y a line of the payments may start at.
const pageBottom = 297.0 - margin - 8

// WriteCertificate writes family certificate c to w: a page per child (a
// family without children gets one page with its payments). Dates in loc.
func WriteCertificate(w io.Writer, c app.FamilyCertificate, tr Translator, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	d, err := startDoc(tr)
	if err != nil {
		return fmt.Errorf("certificate pdf: %w", err)
	}
	children := c.Children
	if len(children) == 0 {
		children = []app.ChildCertificate{{}}
	}
	for i, ch := range children {
		if i > 0 {
			d.pdf.AddPage()
		}
		d.certificatePage(c, ch, loc)
	}
	if err := d.finish(w); err != nil {
		return fmt.Errorf("certificate pdf: %w", err)
	}
	return nil
}

func (d *doc) certificatePage(c app.FamilyCertificate, ch app.ChildCertificate, loc *time.Location) {
	tr := d.tr
	creditor := truncate(c.Creditor.Name, MaxCreditorName)
	y := d.titled(creditor, tr.T("cert.title"), tr.T("cert.year", c.Year))
	y = d.label(margin, y, tr.T("notice.creditor"))
	y = d.para(margin, y, contentW, 11, bold, creditor)
	y = d.para(margin, y, contentW, 9, regular, tr.T("notice.creditor_fiscal_code")+" "+c.Creditor.FiscalCode)
	y = d.para(margin, y+2, contentW, 9, regular, tr.T("cert.deduction", DeductionPercent)) + 2
	d.rule(y)
	y += 5

	colW := contentW/2 - 5
	left, right := margin, margin+contentW/2+5
	ly := d.label(left, y, tr.T("cert.payer"))
	ly = d.para(left, ly, colW, 11, bold, c.PayerName)
	ly = d.para(left, ly, colW, 9, regular, tr.T("cert.fiscal_code")+" "+c.PayerFiscalCode)
	ry := y
	if ch.PupilID != "" {
		ry = d.label(right, y, tr.T("cert.child"))
		ry = d.para(right, ry, colW, 11, bold, strings.TrimSpace(ch.FirstName+" "+ch.LastName))
		if ch.FiscalCode != "" {
			ry = d.para(right, ry, colW, 9, regular, tr.T("cert.fiscal_code")+" "+ch.FiscalCode)
		}
		ry = d.para(right, ry, colW, 9, regular, tr.T("cert.school")+" "+ch.School)
	}
	y = max(ly, ry) + 3
	d.rule(y)
	y += 5

	amount := c.Total
	if ch.PupilID != "" {
		amount = ch.Amount
	}
	y = d.para(margin, y, contentW, 11, regular, tr.T("cert.statement", c.Year))
	y = d.label(margin, y+2, tr.T("cert.amount"))
	y = d.line(margin, y, 22, bold, pagopa.FormatEuro(int64(amount)))
	if len(c.Children) > 1 {
		priced := false
		for _, o := range c.Children {
			priced = priced || o.MealsValue > 0
		}
		if priced {
			y = d.para(margin, y+2, contentW, 9, regular, tr.T("cert.split", pagopa.FormatEuro(int64(c.Total)), ch.Meals, pagopa.FormatEuro(int64(ch.MealsValue))))
		} else {
			y = d.para(margin, y+2, contentW, 9, regular, tr.T("cert.split_unpriced", pagopa.FormatEuro(int64(c.Total)), ch.Meals))
		}
	}
	y += 3
	d.rule(y)
	y += 5

	y = d.label(margin, y, tr.T("cert.payments"))
	if len(c.Payments) == 0 {
		y = d.line(margin, y, 10, regular, tr.T("cert.no_payments"))
	} else {
		cols := [3]float64{margin, margin + 35, pageW - margin - 35}
		row := func(size float64, family string, a, b, amt string) {
			if y > pageBottom {
				d.pdf.AddPage()
				y = margin
			}
			d.line(cols[0], y, size, family, a)
			d.line(cols[1], y, size, family, b)
			y = d.line(cols[2], y, size, family, amt)
		}
		row(9, bold, tr.T("cert.col.date"), tr.T("cert.col.notice"), tr.T("cert.col.amount"))
		for _, p := range c.Payments {
			day := string(p.Day)
			if t, err := time.Parse(time.DateOnly, day); err == nil {
				day = t.Format("02/01/2006")
			}
			what := pagopa.GroupNoticeCode(p.NoticeCode)
			if p.Amount < 0 || p.NoticeCode == "" {
				what = tr.T("cert.refund")
				if p.ReceiptID != "" {
					what += " " + p.ReceiptID
				}
			}
			row(10, regular, day, what, pagopa.FormatEuro(int64(p.Amount)))
		}
	}
	if !c.Issued.IsZero() {
		d.line(margin, y+6, 9, regular, tr.T("cert.issued", c.Issued.In(loc).Format("02/01/2006")))
	}
}
