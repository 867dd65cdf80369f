package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/internal/atomicfile"
	"mensakiosk/ui"
	"mensakiosk/ui/noticepdf"
)

// The receipt's and the certificate's PDFs at the counter, written and
// printed like the avviso (printNotice): into the print directory, then
// through the configured print command, if any.

// printPDF writes a PDF named name into the print directory and prints it.
func printPDF(cfg Config, name string, write func(io.Writer) error) (string, error) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return "", err
	}
	dir := printDir(cfg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("print directory: %w", err)
	}
	path := filepath.Join(dir, name)
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	if pc := cfg.Counter.PrintCommand; len(pc) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, pc[0], append(pc[1:len(pc):len(pc)], path)...).CombinedOutput()
		if err != nil {
			return path, fmt.Errorf("print command %s: %w: %s", pc[0], err, bytes.TrimSpace(out))
		}
	}
	return path, nil
}

// wireCounterPrints sets the counter's receipt and certificate printing.
func (k *kioskWindow) wireCounterPrints(r *running) {
	printed := func(what, id, path string, err error) (ui.PrintResult, error) {
		if err != nil {
			k.log.Error("print "+what, "id", id, "err", err)
			return ui.PrintResult{File: path}, err
		}
		k.log.Info(what+" printed", "id", id, "file", path, "print_command", len(r.cfg.Counter.PrintCommand) > 0)
		return ui.PrintResult{Printed: len(r.cfg.Counter.PrintCommand) > 0, File: path}, nil
	}
	r.counter.OnPrintReceipt = func(n app.Notice, tr *ui.Catalogue) (ui.PrintResult, error) {
		path, err := printPDF(r.cfg, "ricevuta-"+n.NoticeCode+".pdf", func(w io.Writer) error {
			return noticepdf.WriteReceipt(w, n, tr, r.cc.Location)
		})
		return printed("receipt", n.NoticeCode, path, err)
	}
	r.counter.OnPrintCertificate = func(c app.FamilyCertificate, tr *ui.Catalogue) (ui.PrintResult, error) {
		name := "attestazione-" + strconv.Itoa(c.Year) + "-" + strings.NewReplacer("/", "_", "\\", "_").Replace(string(c.AccountID)) + ".pdf"
		path, err := printPDF(r.cfg, name, func(w io.Writer) error {
			return noticepdf.WriteCertificate(w, c, tr, r.cc.Location)
		})
		return printed("certificate", string(c.AccountID), path, err)
	}
}
