package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"

	"mensakiosk/ui"
	"mensakiosk/ui/noticepdf"
)

// printTakeHome writes a take-home sheet (a document's or a message's link
// with its QR code) as an A4 PDF into the print directory, like an avviso,
// runs the print command when one is configured, and returns the file's
// path. The file is named after the link, so printing it again replaces
// it.
func printTakeHome(cfg Config, l ui.TakeHome, tr *ui.Catalogue) (string, error) {
	sum := sha256.Sum256([]byte(l.URL))
	return printPDF(cfg, "foglio-"+hex.EncodeToString(sum[:6])+".pdf", func(w io.Writer) error {
		return noticepdf.WriteLink(w, noticepdf.Link{Title: l.Title, Body: l.Body, URL: l.URL}, tr)
	})
}

// wireTakeHome lets the counter screen print take-home sheets.
func (k *kioskWindow) wireTakeHome(r *running) {
	r.counter.OnPrintLink = func(l ui.TakeHome, tr *ui.Catalogue) (ui.PrintResult, error) {
		path, err := printTakeHome(r.cfg, l, tr)
		if err != nil {
			k.log.Error("print take-home sheet", "err", err)
			return ui.PrintResult{File: path}, err
		}
		k.log.Info("take-home sheet printed", "file", path, "print_command", len(r.cfg.Counter.PrintCommand) > 0)
		return ui.PrintResult{Printed: len(r.cfg.Counter.PrintCommand) > 0, File: path}, nil
	}
}
