package noticepdf

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/signintech/gopdf"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/ui/qr"
)

// Translator gives the notice's texts in the chosen language;
// *ui.Catalogue satisfies it.
type Translator interface {
	T(key string, args ...any) string
}

// Field limits of the notice (specs/pagopa.md, "The notice document").
// Longer values are cut with an ellipsis.
const (
	MaxSubject      = 90
	MaxCreditorName = 50
	MaxDebtorName   = 35
)

// QRSide is the printed side of the QR symbol, quiet zone excluded, in mm.
const QRSide = 25.0

// noCompression leaves the PDF's streams uncompressed; the tests set it to
// read the text back.
var noCompression bool

// Font families registered with gopdf.
const (
	regular = "regular"
	bold    = "bold"
)

// Page geometry, in millimetres (A4).
const (
	pageW    = 210.0
	margin   = 15.0
	contentW = pageW - 2*margin
)

// Write writes notice n as a one-page A4 PDF to w, with texts from tr. The
// notice is checked first (notice code, creditor fiscal code, amount, due
// date), so bad data gives an error and nothing is written.
func Write(w io.Writer, n app.Notice, tr Translator) error {
	code, err := pagopa.ParseNoticeCode(n.NoticeCode)
	if err != nil {
		return fmt.Errorf("notice pdf: %w", err)
	}
	payload, err := pagopa.Payload(code.Code, n.Creditor.FiscalCode, int64(n.Amount))
	if err != nil {
		return fmt.Errorf("notice pdf: %w", err)
	}
	modules, err := qr.Modules(payload)
	if err != nil {
		return fmt.Errorf("notice pdf: %w", err)
	}
	due := ""
	if n.DueDate != "" {
		d, err := time.Parse(time.DateOnly, string(n.DueDate))
		if err != nil {
			return fmt.Errorf("notice pdf: due date %q is not yyyy-mm-dd", n.DueDate)
		}
		due = d.Format("02/01/2006")
	}

	d, err := startDoc(tr)
	if err != nil {
		return fmt.Errorf("notice pdf: %w", err)
	}

	subject := truncate(sentenceCase(n.Subject), MaxSubject)
	creditor := truncate(n.Creditor.Name, MaxCreditorName)
	debtor := truncate(n.DebtorName, MaxDebtorName)
	grouped := pagopa.GroupNoticeCode(code.Code)
	amount := pagopa.FormatEuro(int64(n.Amount))

	y := d.header(creditor, subject)
	y = d.parties(y, n, creditor, debtor)
	y = d.amountDue(y, amount, due, n.State)
	y = d.whereToPay(y)
	d.paymentData(y, modules, paymentFields{
		subject: subject, cbill: n.Creditor.CBILL,
		code: grouped, fiscalCode: n.Creditor.FiscalCode, amount: amount,
	})
	if err := d.finish(w); err != nil {
		return fmt.Errorf("notice pdf: %w", err)
	}
	return nil
}

// header draws the creditor's logo (a box with the initials: the kiosk has
// no image of the Comune's crest), the title and the subject.
func (d *doc) header(creditor, subject string) float64 {
	const logo = 22.0
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.RectFromUpperLeftWithStyle(margin, margin, logo, logo, "D")
	d.centred(margin, margin+logo/2-3, logo, 16, bold, initials(creditor))
	x := margin + logo + 6
	d.line(x, margin, 18, bold, d.tr.T("notice.title"))
	y := d.para(x, margin+10, pageW-margin-x, 12, regular, subject)
	y = max(y, margin+logo) + 4
	d.rule(y)
	return y + 5
}

// parties draws the creditor's block on the left and the recipient's on
// the right.
func (d *doc) parties(y float64, n app.Notice, creditor, debtor string) float64 {
	colW := contentW/2 - 5
	left, right := margin, margin+contentW/2+5

	ly := d.label(left, y, d.tr.T("notice.creditor"))
	ly = d.para(left, ly, colW, 11, bold, creditor)
	ly = d.para(left, ly, colW, 9, regular, d.tr.T("notice.creditor_fiscal_code")+" "+n.Creditor.FiscalCode)
	if s := strings.TrimSpace(n.Creditor.Sector); s != "" {
		ly = d.para(left, ly, colW, 9, regular, d.tr.T("notice.sector")+" "+s)
	}
	if s := strings.TrimSpace(n.Creditor.Contacts); s != "" {
		ly = d.para(left, ly, colW, 9, regular, d.tr.T("notice.contacts")+" "+s)
	}

	ry := d.label(right, y, d.tr.T("notice.recipient"))
	ry = d.para(right, ry, colW, 11, bold, debtor)
	ry = d.para(right, ry, colW, 9, regular, d.tr.T("notice.recipient_fiscal_code")+" "+truncate(n.DebtorFiscalCode, 16))

	y = max(ly, ry) + 3
	d.rule(y)
	return y + 5
}

// amountDue draws how much and by when, and the position's state when it is
// no longer payable (a reprint of a paid notice must not invite paying).
func (d *doc) amountDue(y float64, amount, due string, state app.NoticeState) float64 {
	y = d.label(margin, y, d.tr.T("notice.amount_and_due"))
	y = d.line(margin, y, 22, bold, amount)
	if due != "" {
		y = d.line(margin, y+1, 11, regular, d.tr.T("notice.due_date", due))
	} else {
		y = d.line(margin, y+1, 11, regular, d.tr.T("notice.no_due_date"))
	}
	if state != "" && state != app.NoticeValid {
		d.pdf.SetTextColor(0xb0, 0, 0)
		y = d.line(margin, y+1, 12, bold, d.tr.T("notice.state."+string(state)))
		d.pdf.SetTextColor(0, 0, 0)
	}
	y += 3
	d.rule(y)
	return y + 5
}

// whereToPay draws the fixed text on the channels, online and in person.
func (d *doc) whereToPay(y float64) float64 {
	y = d.label(margin, y, d.tr.T("notice.where_to_pay.title"))
	colW := contentW/2 - 5
	left, right := margin, margin+contentW/2+5
	ly := d.line(left, y, 10, bold, d.tr.T("notice.where_to_pay.online_title"))
	ly = d.para(left, ly, colW, 9, regular, d.tr.T("notice.where_to_pay.online"))
	ry := d.line(right, y, 10, bold, d.tr.T("notice.where_to_pay.in_person_title"))
	ry = d.para(right, ry, colW, 9, regular, d.tr.T("notice.where_to_pay.in_person"))
	return max(ly, ry) + 6
}

type paymentFields struct {
	subject, cbill, code, fiscalCode, amount string
}

// paymentData draws the framed payment block: the QR code on the left, the
// data a cashier or a home-banking form asks for on the right.
func (d *doc) paymentData(y float64, modules [][]bool, f paymentFields) {
	top := y
	y = d.line(margin+4, y+3, 12, bold, d.tr.T("notice.payment_data"))
	module := QRSide / qr.SymbolSize
	d.qr(margin+4, y+1, module, modules)
	qrBottom := y + 1 + module*qr.Size
	d.para(margin+4, qrBottom, module*qr.Size+4, 7, regular, d.tr.T("notice.qr_hint"))

	x := margin + 4 + module*qr.Size + 8
	w := pageW - margin - 4 - x
	field := func(label, value string) {
		if value == "" {
			return
		}
		y = d.para(x, y, w, 8, regular, label)
		y = d.para(x, y, w, 10, bold, value) + 1
	}
	// In the order of pagopa.md's payment data: notice code, CBILL code,
	// creditor fiscal code, subject, amount (recipient and creditor are
	// in the blocks above).
	field(d.tr.T("notice.code"), f.code)
	field(d.tr.T("notice.cbill"), f.cbill)
	field(d.tr.T("notice.creditor_fiscal_code"), f.fiscalCode)
	field(d.tr.T("notice.subject"), f.subject)
	field(d.tr.T("notice.amount"), f.amount)
	bottom := max(y, qrBottom+12) + 3
	d.pdf.RectFromUpperLeftWithStyle(margin, top, contentW, bottom-top, "D")
}

// qr draws the modules (quiet zone included, left white) as filled black
// rectangles, one per horizontal run of dark modules: vector squares stay
// sharp at any printer resolution, and runs leave no seams between
// neighbours.
func (d *doc) qr(x, y, module float64, modules [][]bool) {
	d.pdf.SetFillColor(0, 0, 0)
	for r, row := range modules {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			d.pdf.RectFromUpperLeftWithStyle(x+float64(start)*module, y+float64(r)*module, float64(c-start)*module, module, "F")
		}
	}
}

// doc draws on one page, keeping the first error (the drawing calls would
// otherwise each need a check).
type doc struct {
	pdf *gopdf.GoPdf
	tr  Translator
	err error
}

// lineHeight is the height of a line of text of the given size in points,
// in millimetres.
func lineHeight(size float64) float64 { return size * 25.4 / 72 * 1.25 }

func (d *doc) setFont(family string, size float64) {
	if err := d.pdf.SetFont(family, "", size); err != nil && d.err == nil {
		d.err = err
	}
}

// line writes s on one line with its top-left corner at (x, y) and returns
// the y below it.
func (d *doc) line(x, y, size float64, family, s string) float64 {
	if s == "" {
		return y
	}
	d.setFont(family, size)
	d.pdf.SetXY(x, y)
	if err := d.pdf.Cell(nil, s); err != nil && d.err == nil {
		d.err = err
	}
	return y + lineHeight(size)
}

// label writes a block's small grey title and returns the y below it.
func (d *doc) label(x, y float64, s string) float64 {
	d.pdf.SetTextColor(0x55, 0x55, 0x55)
	y = d.line(x, y, 9, bold, s)
	d.pdf.SetTextColor(0, 0, 0)
	return y + 0.5
}

// para writes s word-wrapped to width w and returns the y below it.
func (d *doc) para(x, y, w, size float64, family, s string) float64 {
	if strings.TrimSpace(s) == "" {
		return y
	}
	d.setFont(family, size)
	lines, err := d.pdf.SplitTextWithWordWrap(s, w)
	if err != nil {
		if d.err == nil {
			d.err = err
		}
		return y
	}
	for _, l := range lines {
		y = d.line(x, y, size, family, strings.TrimSpace(l))
	}
	return y
}

// centred writes s centred in the width w starting at x.
func (d *doc) centred(x, y, w, size float64, family, s string) {
	if s == "" {
		return
	}
	d.setFont(family, size)
	tw, err := d.pdf.MeasureTextWidth(s)
	if err != nil {
		if d.err == nil {
			d.err = err
		}
		return
	}
	d.line(x+(w-tw)/2, y, size, family, s)
}

// rule draws a thin horizontal line across the content width.
func (d *doc) rule(y float64) {
	d.pdf.SetStrokeColor(0x99, 0x99, 0x99)
	d.pdf.Line(margin, y, pageW-margin, y)
	d.pdf.SetStrokeColor(0, 0, 0)
}

// truncate cuts s to at most limit characters, the last an ellipsis when
// cut, and trims surrounding space.
func truncate(s string, limit int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:limit-1])) + "…"
}

// sentenceCase writes the subject in sentence case, as the guidelines ask:
// a capital first letter; a subject typed all in capitals is lowered first.
// Other capitals are kept, for names ("Comune di Bologna").
func sentenceCase(s string) string {
	s = strings.TrimSpace(s)
	if s == strings.ToUpper(s) {
		s = strings.ToLower(s)
	}
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// initials returns up to three initials of the creditor's name, skipping
// short words ("Comune di Bologna" → "CB"), for the logo box.
func initials(name string) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if utf8.RuneCountInString(w) <= 3 || !unicode.IsLetter(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
		if n++; n == 3 {
			break
		}
	}
	if n == 0 { // only short words: the first letter will do
		if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(name)); unicode.IsLetter(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}
