package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/server"
	"mensakiosk/internal/atomicfile"
	"mensakiosk/ui/noticepdf"
)

// The office's yearly certificates for the tax return:
//
//	central certificates -data DIR -year 2026 -out DIR [-config FILE] [-lang it|en]
//
// writes one PDF per family that paid something in the year
// (attestazione-2026-<account>.pdf: a page per child) and one CSV
// (attestazioni-2026.csv: a row per child, with the family's total), in
// the out directory, which it creates. Through the running server's admin
// socket when it runs (its configuration applies); else the database is
// opened directly, with -config's time zone and creditor.

// certificateOps is what the commands need, from a *server.Server or a
// *server.AdminClient.
type certificateOps interface {
	Certificates(year int) ([]app.FamilyCertificate, error)
	RecordRefund(acc app.AccountID, id string, amount app.Cents, reason string) (server.Refund, bool, error)
}

var (
	_ certificateOps = (*server.Server)(nil)
	_ certificateOps = (*server.AdminClient)(nil)
)

// translator is the kiosk's catalogue as noticepdf.Translator.
type translator func(string) string

func (f translator) T(key string, args ...any) string {
	if len(args) == 0 {
		return f(key)
	}
	return fmt.Sprintf(f(key), args...)
}

func certificatesCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("certificates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./central-data", "data directory (holds central.db)")
	year := fs.Int("year", 0, "the calendar year, e.g. 2026")
	out := fs.String("out", "", "directory to write the PDFs and the CSV into (created)")
	config := fs.String("config", "", "the server's JSON settings (time_zone, pagopa creditor) when the server is not running")
	comune := comuneFlag(fs) // comuni_config.go
	lang := fs.String("lang", "it", "language of the PDFs: it or en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	case *year == 0:
		return usageError{"-year YYYY is required"}
	case *out == "":
		return usageError{"-out DIR is required"}
	case *lang != "it" && *lang != "en":
		return usageError{"-lang: it or en"}
	}
	ops, srv, opts, err := openCertificateCommand(fs, *data, *config, *comune, stderr) // command_setup.go
	if err != nil {
		return err
	}
	loc := opts.Location
	if loc == nil {
		if loc, err = time.LoadLocation("Europe/Rome"); err != nil {
			loc = time.UTC
		}
	}
	if srv != nil {
		defer srv.Close()
	}
	certs, err := ops.Certificates(*year)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o750); err != nil {
		return err
	}
	tr := translator(catalogue(*lang)) // staff_cmd.go
	for _, c := range certs {
		name := filepath.Join(*out, fmt.Sprintf("attestazione-%d-%s.pdf", *year, fileSafe(string(c.AccountID))))
		if err := writeFileAtomic(name, func(w io.Writer) error { return noticepdf.WriteCertificate(w, c, tr, loc) }); err != nil {
			return fmt.Errorf("family %s: %w", c.AccountID, err)
		}
	}
	csvName := filepath.Join(*out, fmt.Sprintf("attestazioni-%d.csv", *year))
	if err := writeFileAtomic(csvName, func(w io.Writer) error { return app.WriteCertificatesCSV(w, certs) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d families' certificates of %d written to %s (and %s)\n", len(certs), *year, *out, filepath.Base(csvName))
	if srv != nil {
		return srv.Close()
	}
	return nil
}

// fileSafe keeps an account id usable as part of a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, s)
}

// writeFileAtomic writes what write makes to name, whole or not at all
// (internal/atomicfile).
func writeFileAtomic(name string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	return atomicfile.WriteFile(name, buf.Bytes(), 0o640)
}

// openCertificateOps opens the database with opts (srv set), or, when the
// server runs, reaches it through its admin socket.
func openCertificateOps(data string, opts server.Options, cfg Config, stderr io.Writer) (certificateOps, *server.Server, error) {
	log, err := newLogger(stderr, "warn")
	if err != nil {
		return nil, nil, err
	}
	opts.Log, opts.PagoPA, opts.LockTimeout = log, cfg.PagoPA, adminLockWait
	srv, err := openServer(data, cfg.Store, opts) // store_config.go
	switch {
	case err == nil:
		return srv, srv, nil
	case errors.Is(err, server.ErrInUse):
		client := server.NewAdminClient(data)
		if perr := client.Ping(adminPingWait); perr != nil {
			return nil, nil, fmt.Errorf("the database is in use and the server's admin socket does not answer: %w", perr)
		}
		return client, nil, nil
	}
	return nil, nil, err
}

// refundCmd records money paid back to a family out of its balance:
//
//	central refund -data DIR -account ID -amount CENTS -reason TEXT [-id ID]
//
// The balance goes down by the amount; the yearly certificate counts it.
// Give -id to make a rerun harmless (the same id records once).
func refundCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("refund", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./central-data", "data directory (holds central.db)")
	account := fs.String("account", "", "family account id")
	amount := fs.Int64("amount", 0, "cents paid back to the family")
	reason := fs.String("reason", "", "why the family is refunded")
	id := fs.String("id", "", "the refund's id (default: made from the time); the same id records once")
	config := fs.String("config", "", "the server's JSON settings (time_zone) when the server is not running")
	comune := comuneFlag(fs) // comuni_config.go
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	case *account == "":
		return usageError{"-account ID is required"}
	case *amount <= 0:
		return usageError{"-amount CENTS above 0 is required"}
	case strings.TrimSpace(*reason) == "":
		return usageError{"-reason TEXT is required: say why the family is refunded"}
	}
	ops, srv, _, err := openCertificateCommand(fs, *data, *config, *comune, stderr) // command_setup.go
	if err != nil {
		return err
	}
	if srv != nil {
		defer srv.Close()
	}
	r, _, err := ops.RecordRefund(app.AccountID(*account), *id, app.Cents(*amount), *reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "refund %s: %s paid back to account %s\n", r.ID, euros(r.Amount), r.AccountID)
	if srv != nil {
		return srv.Close()
	}
	return nil
}
