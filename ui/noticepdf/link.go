package noticepdf

import (
	"fmt"
	"io"

	"mensakiosk/ui/qr"
)

// A page to take home: a document's or a message's title, its text, its
// address written out and as a QR code, on one A4 page like the avviso,
// for the office printer.

// LinkQRSide is the printed side of a link's QR symbol, quiet zone
// included, in mm: 50 mm, read by a phone from an arm's length.
const LinkQRSide = 50.0

// Link is what a take-home page shows.
type Link struct {
	Title string
	Body  string
	URL   string
	// From is who sends it (the Comune's name, or empty).
	From string
}

// WriteLink writes l as a one-page A4 PDF to w, with texts from tr (keys
// takehome.*). A link that cannot be drawn as a QR code is an error, and
// nothing is written.
func WriteLink(w io.Writer, l Link, tr Translator) error {
	modules, err := qr.LinkModules(l.URL)
	if err != nil {
		return fmt.Errorf("link pdf: %w", err)
	}
	d, err := startDoc(tr)
	if err != nil {
		return fmt.Errorf("link pdf: %w", err)
	}
	y := d.line(margin, margin, 18, bold, tr.T("takehome.pdf.title"))
	if l.From != "" {
		y = d.para(margin, y, contentW, 11, regular, l.From)
	}
	d.rule(y + 1)
	y = d.para(margin, y+5, contentW, 14, bold, truncate(l.Title, 200))
	if l.Body != "" {
		y = d.para(margin, y+2, contentW, 11, regular, truncate(l.Body, 2000))
	}
	y += 8
	module := LinkQRSide / float64(len(modules))
	d.qr(margin, y, module, modules)
	d.para(margin+LinkQRSide+8, y+4, contentW-LinkQRSide-8, 11, regular, tr.T("takehome.pdf.hint"))
	d.para(margin+LinkQRSide+8, y+24, contentW-LinkQRSide-8, 10, bold, l.URL)
	if err := d.finish(w); err != nil {
		return fmt.Errorf("link pdf: %w", err)
	}
	return nil
}
