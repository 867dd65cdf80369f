package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"mensakiosk/internal/atomicfile"
	"mensakiosk/ui"
	"mensakiosk/ui/noticepdf"
)

// printTakeHome writes a take-home sheet (a document's or a message's link
// with its QR code) as an A4 PDF into the print directory, like an avviso,
// runs the print command when one is configured, and returns the file's
// path. The file is named after the link, so printing it again replaces
// it.
func printTakeHome(cfg Config, l ui.TakeHome, tr *ui.Catalogue) (string, error) {
	var buf bytes.Buffer
	if err := noticepdf.WriteLink(&buf, noticepdf.Link{Title: l.Title, Body: l.Body, URL: l.URL}, tr); err != nil {
		return "", err
	}
	dir := printDir(cfg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("print directory: %w", err)
	}
	sum := sha256.Sum256([]byte(l.URL))
	path := filepath.Join(dir, "foglio-"+hex.EncodeToString(sum[:6])+".pdf")
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
