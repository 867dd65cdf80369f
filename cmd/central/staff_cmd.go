package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"text/tabwriter"
	"time"

	"mensakiosk/app"
	"mensakiosk/assets"
	"mensakiosk/central/server"
)

// The staff commands: the audit trail of staff actions and the day's
// report, through the running server's admin socket or the database.
//
//	central audit  -data DIR [-kiosk K] [-day YYYY-MM-DD] [-limit N] [-json]
//	central report -data DIR [-day YYYY-MM-DD] [-service lunch] [-csv [-lang it|en]]

// staffOps are what the staff commands need of a *server.Server or a
// *server.AdminClient.
type staffOps interface {
	Audit(server.AuditQuery) ([]server.AuditEntry, error)
	DayReport(app.Day, app.Service) (app.DayReport, error)
}

func staffCmd(cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./central-data", "data directory (holds central.db)")
	day := fs.String("day", "", "the day, YYYY-MM-DD (report: default today)")
	kiosk := fs.String("kiosk", "", "audit: one kiosk's entries")
	limit := fs.Int("limit", 0, "audit: the newest N entries (0: all)")
	asJSON := fs.Bool("json", false, "audit: JSON lines")
	service := fs.String("service", string(app.ServiceLunch), "report: the service")
	asCSV := fs.Bool("csv", false, "report: CSV (';' separated, for spreadsheets)")
	lang := fs.String("lang", "it", "report -csv: the headings' language (it, en), as the kiosk's export")
	base, err := parseFlagsOnly(fs, args, data) // command_setup.go
	if err != nil {
		return err
	}
	if *day != "" {
		if _, err := time.Parse(time.DateOnly, *day); err != nil {
			return usageError{fmt.Sprintf("-day %q: want YYYY-MM-DD", *day)}
		}
	}
	so, done, err := openOps[staffOps](*data, stderr, base, true) // command_setup.go
	if err != nil {
		return err
	}
	defer done()
	switch cmd {
	case "audit":
		entries, err := so.Audit(server.AuditQuery{Kiosk: *kiosk, Day: app.Day(*day), Limit: *limit})
		if err != nil {
			return err
		}
		if *asJSON {
			return jsonLines(stdout, entries)
		}
		return writeAudit(stdout, entries)
	case "report":
		d := app.Day(*day)
		if d == "" {
			d = app.DayOf(time.Now(), romeOrLocal())
		}
		rep, err := so.DayReport(d, app.Service(*service))
		if err != nil {
			return err
		}
		if *asCSV {
			return rep.WriteCSV(stdout, catalogue(*lang))
		}
		return writeReport(stdout, rep, catalogue("en"))
	}
	return usageError{"unknown command " + cmd}
}

func romeOrLocal() *time.Location {
	if loc, err := time.LoadLocation(server.DefaultTimeZone); err == nil {
		return loc
	}
	return time.Local
}

// writeAudit prints the entries as a table, oldest first.
func writeAudit(w io.Writer, entries []server.AuditEntry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tKIOSK\tSTAFF\tACTION\tDETAIL")
	for _, e := range entries {
		detail := oneLine(e.Detail)
		if e.Rejected != "" {
			detail += " [rejected: " + oneLine(e.Rejected) + "]"
		}
		// What a kiosk sent, escaped: no control or bidi character raw.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.At.Local().Format("2006-01-02 15:04:05"), safe(e.KioskID), safe(e.StaffID), safe(e.Action), safe(detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d staff actions\n", len(entries))
	return err
}

// oneLine keeps a free-text detail on its table row.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:79]) + "…"
	}
	return s
}

// writeReport prints the report as tables: by class, by diet, totals, and
// who has not eaten.
// Its figures are app.ReportColumns, titled as on the kiosk's screen (tr:
// the English catalogue).
func writeReport(w io.Writer, r app.DayReport, tr func(string) string) error {
	fmt.Fprintf(w, "report of %s, %s\n\n", r.Day, r.Service)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := "SCHOOL\tCLASS\t"
	for _, c := range app.ReportColumns {
		head += strings.ToUpper(tr(c.ScreenKey)) + "\t"
	}
	fmt.Fprintln(tw, head)
	row := func(x app.ReportRow) {
		line := x.School + "\t" + x.Class + "\t"
		for _, f := range app.ReportFigures(x) {
			line += fmt.Sprint(f) + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	for _, x := range r.Rows {
		row(x)
	}
	t := r.Totals
	t.School, t.Class = "TOTAL", ""
	row(t)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Diets) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DIET\tBOOKED\tSERVED")
		for _, d := range r.Diets {
			fmt.Fprintf(tw, "%s\t%d\t%d\n", d.Name, d.Booked, d.Served)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nnot eaten yet: %d\n", len(r.NotEaten))
	for _, p := range r.NotEaten {
		fmt.Fprintf(w, "  %s  %s  %s %s\n", p.School, p.Class, p.LastName, p.FirstName)
	}
	return nil
}

// bookingOptions reads the time zone and booking cut-off of the
// configuration, with clear errors.
func bookingOptions(cfg Config) (server.Options, error) {
	var opts server.Options
	if cfg.TimeZone != "" {
		loc, err := time.LoadLocation(cfg.TimeZone)
		if err != nil {
			return opts, fmt.Errorf("config: time_zone %q: %w", cfg.TimeZone, err)
		}
		opts.Location = loc
	}
	if cfg.BookingCutoff != "" {
		if _, err := server.ParseCutoff(cfg.BookingCutoff); err != nil {
			return opts, fmt.Errorf("config: %w", err)
		}
		opts.BookingCutoff = cfg.BookingCutoff
	}
	return opts, nil
}

// catalogue translates the report's keys in lang from the kiosk's
// translation catalogue (assets/i18n/<lang>.json and its part files), so
// that the server's CSV has the headings of the kiosk's export; a key it
// lacks shows in Italian, then as itself.
func catalogue(lang string) func(string) string {
	load := func(lang string) map[string]string {
		texts := map[string]string{}
		files, _ := fs.Glob(assets.I18N, "i18n/*.json")
		for _, f := range files {
			if l, _, _ := strings.Cut(strings.TrimSuffix(path.Base(f), ".json"), "."); l != lang {
				continue
			}
			raw, err := fs.ReadFile(assets.I18N, f)
			if err == nil {
				err = json.Unmarshal(raw, &texts)
			}
			if err != nil {
				panic(fmt.Sprintf("translation catalogue %s: %v", f, err)) // embedded: a test reads it
			}
		}
		return texts
	}
	texts, fallback := load(lang), load("it")
	return func(key string) string {
		if t, ok := texts[key]; ok {
			return t
		}
		if t, ok := fallback[key]; ok {
			return t
		}
		return key
	}
}
