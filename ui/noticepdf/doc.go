// Package noticepdf writes the printable A4 payment notice (avviso di
// pagamento) of a top-up, with the blocks of specs/pagopa.md in their order:
// header, creditor, recipient, amount and due date, where to pay, payment
// data with the QR code.
//
// It uses github.com/signintech/gopdf rather than go-pdf/fpdf: fpdf's
// GitHub module was archived in March 2025 (development moved elsewhere
// under a new import path), and its built-in core fonts are cp1252, which
// needs a translator for "€" and accented letters. gopdf is maintained and
// embeds subsets of TrueType fonts addressed in UTF-8, so "€", "à", "è"
// print as they are. The fonts are the Go fonts
// (golang.org/x/image/font/gofont), embedded in the binary: no font files
// to install on the kiosk. Characters outside them (WGL4: Latin, Greek,
// Cyrillic) would be dropped by gopdf.
//
// The package does not import Fyne: texts come through a Translator
// (ui.Catalogue satisfies it), keys "notice.*" in assets/i18n/*.notice.json,
// the same keys the counter screen uses for the on-screen notice.
//
// The same package writes the receipt of a paid notice (receipt.go: the
// receipt's data and a QR code of app.ReceiptQRText for the parent's
// phone) and the yearly certificate for the tax return (certificate.go: a
// page per child), with keys "receipt.*" and "cert.*" in
// assets/i18n/*.receipt.json.
package noticepdf
