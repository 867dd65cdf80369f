package app

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// The receipt (ricevuta) of a paid notice, as the counter shows it and
// offers it to the parent's phone as a QR code.

// ReceiptQRText is the text of the receipt's QR code: a phone's camera
// shows it as it is, and the parent can keep or forward it. Plain UTF-8,
// one "field: value" per line, the field names fixed (Italian, the
// Comune's language, whatever the screen's), values as a person reads
// them:
//
//	RICEVUTA PAGOPA
//	Ente: Comune di Prova (99999000013)
//	Avviso: 3010 0000 0000 0001 44
//	Importo: 20,00 EUR
//	Pagato: 06/12/2026 10:15
//	PSP: Banca Test
//	ID ricevuta: R-1
//
// The amount is the one paid (the receipt's), the time in loc. The PSP
// and the receipt id are at most 140 characters each (the server's
// limits), so the text stays under 400 bytes: a QR code of version 12 or
// so at error correction M. A notice without a receipt is an error.
func ReceiptQRText(n Notice, loc *time.Location) (string, error) {
	r := n.Receipt
	if r == nil {
		return "", errors.New("receipt: the notice is not paid")
	}
	if loc == nil {
		loc = time.UTC
	}
	code := n.NoticeCode
	if len(code) == 18 {
		code = code[0:4] + " " + code[4:8] + " " + code[8:12] + " " + code[12:16] + " " + code[16:]
	}
	var b strings.Builder
	b.WriteString("RICEVUTA PAGOPA\n")
	b.WriteString("Ente: " + oneLine(n.Creditor.Name) + " (" + n.Creditor.FiscalCode + ")\n")
	b.WriteString("Avviso: " + code + "\n")
	b.WriteString("Importo: " + euroText(r.Amount) + " EUR\n")
	b.WriteString("Pagato: " + r.PaidAt.In(loc).Format("02/01/2006 15:04") + "\n")
	b.WriteString("PSP: " + oneLine(r.PSP) + "\n")
	b.WriteString("ID ricevuta: " + oneLine(r.ReceiptID))
	return b.String(), nil
}

// oneLine keeps a value on its line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// euroText writes cents as "1.234,56" (no currency sign).
func euroText(c Cents) string {
	neg := c < 0
	if neg {
		c = -c
	}
	e := strconv.FormatInt(int64(c/100), 10)
	for i := len(e) - 3; i > 0; i -= 3 {
		e = e[:i] + "." + e[i:]
	}
	s := e + "," + strconv.FormatInt(int64(c%100)/10, 10) + strconv.FormatInt(int64(c%10), 10)
	if neg {
		s = "-" + s
	}
	return s
}
