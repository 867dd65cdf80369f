package noticepdf

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/ui/qr"
)

// The receipt (ricevuta) of a paid notice, A4, like the avviso: the
// creditor and the payer, then what pagoPA's receipt says (notice code,
// amount paid, date and time, PSP, receipt id), with a QR code of
// app.ReceiptQRText for the parent's phone. Texts are "receipt.*" in
// assets/i18n/*.receipt.json.

// ReceiptQRSide is the printed side of the receipt's QR code, quiet zone
// included, in mm.
const ReceiptQRSide = 40.0

// startDoc makes an A4 document with the Go fonts and its first page.
func startDoc(tr Translator) (*doc, error) {
	d := &doc{pdf: &gopdf.GoPdf{}, tr: tr}
	d.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	if noCompression {
		d.pdf.SetNoCompression()
	}
	for _, f := range []struct {
		family string
		ttf    []byte
	}{{regular, goregular.TTF}, {bold, gobold.TTF}} {
		if err := d.pdf.AddTTFFontData(f.family, f.ttf); err != nil {
			return nil, fmt.Errorf("font %s: %w", f.family, err)
		}
	}
	d.pdf.AddPage()
	d.pdf.SetLineWidth(0.3)
	return d, nil
}

// finish compiles the document in memory, then writes it: a failure
// leaves w untouched.
func (d *doc) finish(w io.Writer) error {
	if d.err != nil {
		return d.err
	}
	var buf bytes.Buffer
	if _, err := d.pdf.WriteTo(&buf); err != nil {
		return err
	}
	_, err := buf.WriteTo(w)
	return err
}

// titled draws the header with the creditor's initials, a title and a
// subtitle, and returns the y below it.
func (d *doc) titled(creditor, title, subtitle string) float64 {
	const logo = 22.0
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.RectFromUpperLeftWithStyle(margin, margin, logo, logo, "D")
	d.centred(margin, margin+logo/2-3, logo, 16, bold, initials(creditor))
	x := margin + logo + 6
	y := d.para(x, margin, pageW-margin-x, 16, bold, title)
	y = d.para(x, y+1, pageW-margin-x, 11, regular, subtitle)
	y = max(y, margin+logo) + 4
	d.rule(y)
	return y + 5
}

// WriteReceipt writes the receipt of paid notice n as a one-page A4 PDF
// to w, times in loc. A notice without a receipt, or with a bad notice
// code, is an error and nothing is written.
func WriteReceipt(w io.Writer, n app.Notice, tr Translator, loc *time.Location) error {
	r := n.Receipt
	if r == nil || n.State != app.NoticePaid {
		return fmt.Errorf("receipt pdf: notice %s is not paid", n.NoticeCode)
	}
	code, err := pagopa.ParseNoticeCode(n.NoticeCode)
	if err != nil {
		return fmt.Errorf("receipt pdf: %w", err)
	}
	if loc == nil {
		loc = time.UTC
	}
	text, err := app.ReceiptQRText(n, loc)
	if err != nil {
		return fmt.Errorf("receipt pdf: %w", err)
	}
	modules, err := qr.TextModules(text)
	if err != nil {
		return fmt.Errorf("receipt pdf: %w", err)
	}
	d, err := startDoc(tr)
	if err != nil {
		return fmt.Errorf("receipt pdf: %w", err)
	}
	creditor := truncate(n.Creditor.Name, MaxCreditorName)
	y := d.titled(creditor, tr.T("receipt.title"), tr.T("receipt.subtitle"))

	colW := contentW/2 - 5
	left, right := margin, margin+contentW/2+5
	ly := d.label(left, y, tr.T("notice.creditor"))
	ly = d.para(left, ly, colW, 11, bold, creditor)
	ly = d.para(left, ly, colW, 9, regular, tr.T("notice.creditor_fiscal_code")+" "+n.Creditor.FiscalCode)
	ry := d.label(right, y, tr.T("receipt.payer"))
	ry = d.para(right, ry, colW, 11, bold, truncate(n.DebtorName, MaxDebtorName))
	ry = d.para(right, ry, colW, 9, regular, tr.T("notice.recipient_fiscal_code")+" "+truncate(n.DebtorFiscalCode, 16))
	y = max(ly, ry) + 3
	d.rule(y)
	y += 5

	top := y
	paid := r.PaidAt.In(loc)
	field := func(label, value string, size float64) {
		y = d.para(margin, y, contentW-ReceiptQRSide-10, 9, regular, label)
		y = d.para(margin, y, contentW-ReceiptQRSide-10, size, bold, value) + 2
	}
	field(tr.T("receipt.amount"), pagopa.FormatEuro(int64(r.Amount)), 20)
	field(tr.T("receipt.paid_at"), tr.T("receipt.paid_at_value", paid.Format("02/01/2006"), paid.Format("15:04")), 12)
	field(tr.T("notice.code"), pagopa.GroupNoticeCode(code.Code), 12)
	field(tr.T("notice.subject"), truncate(sentenceCase(n.Subject), MaxSubject), 11)
	field(tr.T("receipt.psp"), truncate(r.PSP, 140), 11)
	field(tr.T("receipt.id"), truncate(r.ReceiptID, 140), 11)

	module := ReceiptQRSide / float64(len(modules))
	qx := pageW - margin - ReceiptQRSide
	d.qr(qx, top, module, modules)
	d.para(qx, top+ReceiptQRSide+1, ReceiptQRSide, 7, regular, tr.T("receipt.qr_hint"))
	y = max(y, top+ReceiptQRSide+12) + 2
	d.rule(y)
	d.para(margin, y+4, contentW, 8, regular, tr.T("receipt.footer"))
	if err := d.finish(w); err != nil {
		return fmt.Errorf("receipt pdf: %w", err)
	}
	return nil
}
