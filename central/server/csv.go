package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mensakiosk/app"
)

// CSV import. Each kind has its file, named by the kind (pupils.csv, ...),
// with a header row naming the columns (any order; see csvSpecs) and ';' or
// ',' between fields (Italian Excel writes ';'). Money is integer cents
// ("3650") or euros with a decimal comma ("36,50", "1.020,50 €").

type csvSpec struct {
	file     string
	kind     string
	columns  []string
	required []string
}

var csvSpecs = []csvSpec{
	{"fee_bands.csv", app.KindFeeBand, []string{"code", "name", "meal_price"}, []string{"code", "meal_price"}},
	{"diets.csv", app.KindDiet, []string{"code", "name", "allergens"}, []string{"code", "name"}},
	{"accounts.csv", app.KindAccount, []string{"id", "holder", "balance", "holder_fiscal_code", "access_code", "access_hash"}, []string{"id"}},
	{"pupils.csv", app.KindPupil, []string{"id", "account_id", "first_name", "last_name", "school", "class", "weekdays", "fee_band", "meal_price", "diet", "fiscal_code"},
		[]string{"id", "account_id", "first_name", "last_name"}},
	{"badges.csv", app.KindBadge, []string{"id", "pupil_id", "blocked"}, []string{"id", "pupil_id"}},
	{"bookings.csv", app.KindBooking, []string{"day", "pupil_id", "cancelled", "bland"}, []string{"day", "pupil_id"}},
	{"staff.csv", app.KindStaff, []string{"id", "name", "role", "pin", "pin_hash", "badge_id"}, []string{"id", "name", "role"}},
	{"news.csv", app.KindNews, []string{"id", "title", "body", "published"}, []string{"id", "title", "published"}},
	{"documents.csv", app.KindDocument, []string{"id", "title", "url", "published"}, []string{"id", "title", "url", "published"}},
	{"menu_groups.csv", kindMenuGroup, []string{"school", "group"}, []string{"school", "group"}},
	{"menu.csv", kindMenu, []string{"day", "school", "course", "dish", "allergens", "diet"}, []string{"day", "school", "course", "dish"}},
	{"calendar.csv", kindCalendar, []string{"day", "to", "school", "reason", "note"}, []string{"day", "reason"}},
}

func specFor(file string) (csvSpec, bool) {
	base := strings.ToLower(filepath.Base(file))
	for _, sp := range csvSpecs {
		if sp.file == base {
			return sp, true
		}
	}
	return csvSpec{}, false
}

func csvNames() string {
	var n []string
	for _, sp := range csvSpecs {
		n = append(n, sp.file)
	}
	return strings.Join(n, ", ")
}

// ReadImport reads import data from a JSON file (*.json), a CSV file named
// by its kind (pupils.csv, ...), or a directory of such CSV files.
func ReadImport(path string) (ImportData, error) {
	files, err := ReadImportFiles(path)
	if err != nil {
		return ImportData{}, err
	}
	return ParseImportFiles(files)
}

// ImportFile reads path (see ReadImport) and imports it in one transaction.
func (s *Server) ImportFile(path string) (ImportStats, error) {
	d, err := ReadImport(path)
	if err != nil {
		return ImportStats{}, err
	}
	if d.Len() == 0 {
		return ImportStats{}, fmt.Errorf("%s: %w", path, errNoRecords)
	}
	return s.Import(d)
}

// Len is the number of records (and deletions) in d.
func (d ImportData) Len() int {
	return len(d.Accounts) + len(d.Pupils) + len(d.Badges) + len(d.Bookings) + len(d.FeeBands) + len(d.Diets) +
		len(d.Staff) + len(d.News) + len(d.Documents) + len(d.Deleted) + len(d.Menu) + len(d.MenuGroups) + len(d.Calendar)
}

// Merge appends o's records to d (several files imported at once).
func (d *ImportData) Merge(o ImportData) {
	offs := map[string]int{
		app.KindAccount: len(d.Accounts), app.KindPupil: len(d.Pupils), app.KindBadge: len(d.Badges),
		app.KindBooking: len(d.Bookings), app.KindFeeBand: len(d.FeeBands), app.KindDiet: len(d.Diets),
		app.KindStaff: len(d.Staff), app.KindNews: len(d.News), app.KindDocument: len(d.Documents), "deleted": len(d.Deleted),
		kindMenu: len(d.Menu), kindMenuGroup: len(d.MenuGroups), kindCalendar: len(d.Calendar),
	}
	for kind, w := range o.where {
		if d.where == nil {
			d.where = map[string][]string{}
		}
		cur := d.where[kind]
		for len(cur) < offs[kind] {
			cur = append(cur, "")
		}
		d.where[kind] = append(cur, w...)
	}
	d.Accounts = append(d.Accounts, o.Accounts...)
	for id, code := range o.AccessCodes {
		if d.AccessCodes == nil {
			d.AccessCodes = map[app.AccountID]string{}
		}
		d.AccessCodes[id] = code
	}
	d.Pupils = append(d.Pupils, o.Pupils...)
	d.Badges = append(d.Badges, o.Badges...)
	d.Bookings = append(d.Bookings, o.Bookings...)
	d.FeeBands = append(d.FeeBands, o.FeeBands...)
	d.Diets = append(d.Diets, o.Diets...)
	d.Staff = append(d.Staff, o.Staff...)
	d.News = append(d.News, o.News...)
	d.Documents = append(d.Documents, o.Documents...)
	d.Deleted = append(d.Deleted, o.Deleted...)
	d.Menu = append(d.Menu, o.Menu...)
	d.MenuGroups = append(d.MenuGroups, o.MenuGroups...)
	d.Calendar = append(d.Calendar, o.Calendar...)
}

// ParseImportJSON decodes the JSON import format strictly: unknown fields
// (a misspelt "pupil") and trailing data are errors, with line and column.
func ParseImportJSON(name string, data []byte) (ImportData, error) {
	var j importJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&j)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("trailing data after the JSON value")
			return ImportData{}, fmt.Errorf("import %s: %s: %w", name, lineCol(data, dec.InputOffset()), err)
		}
		return j.data(), nil // family_import.go
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return ImportData{}, fmt.Errorf("import %s: %s: %w", name, lineCol(data, se.Offset), err)
	case errors.As(err, &te):
		return ImportData{}, fmt.Errorf("import %s: %s: field %s: want %s, got JSON %s", name, lineCol(data, te.Offset), te.Field, te.Type, te.Value)
	case errors.Is(err, io.EOF):
		return ImportData{}, fmt.Errorf("import %s: empty file", name)
	}
	return ImportData{}, fmt.Errorf("import %s: %s: %w", name, lineCol(data, dec.InputOffset()), err)
}

func lineCol(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("line %d column %d", line, col)
}

// ParseCSV parses one CSV file; name says its kind (pupils.csv, ...).
func ParseCSV(name string, data []byte) (ImportData, error) {
	sp, ok := specFor(name)
	if !ok {
		return ImportData{}, fmt.Errorf("import %s: a CSV file is named by what it holds: one of %s", name, csvNames())
	}
	var d ImportData
	err := parseCSV(&d, sp, data)
	return d, err
}

// row is one CSV record with its line, for errors.
type row struct {
	file string
	line int
	cols map[string]int
	rec  []string
}

func (r *row) get(col string) string {
	if i, ok := r.cols[col]; ok {
		return strings.TrimSpace(r.rec[i])
	}
	return ""
}

func (r *row) where() string { return fmt.Sprintf("%s line %d", r.file, r.line) }

func (r *row) fail(field, format string, args ...any) error {
	return &ImportError{Where: r.where(), Field: field, Msg: fmt.Sprintf(format, args...)}
}

func parseCSV(d *ImportData, sp csvSpec, data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return fmt.Errorf("import %s: not UTF-8 text (in Excel: Save as › CSV UTF-8)", sp.file)
	}
	first, _, _ := bytes.Cut(data, []byte{'\n'})
	sep := ','
	if bytes.Count(first, []byte{';'}) > bytes.Count(first, []byte{','}) {
		sep = ';'
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sep
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("import %s: empty file: a header row is required (%s)", sp.file, strings.Join(sp.columns, string(sep)))
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", sp.file, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(sp.columns, h) {
			return fmt.Errorf("import %s line 1: unknown column %q; the columns are %s", sp.file, h, strings.Join(sp.columns, ", "))
		}
		if _, dup := cols[h]; dup {
			return fmt.Errorf("import %s line 1: column %q given twice", sp.file, h)
		}
		cols[h] = i
	}
	for _, req := range sp.required {
		if _, ok := cols[req]; !ok {
			return fmt.Errorf("import %s line 1: the header lacks column %q (required: %s)", sp.file, req, strings.Join(sp.required, ", "))
		}
	}
	if d.where == nil {
		d.where = map[string][]string{}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("import %s: %w", sp.file, err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue // Excel's trailing ";;;;" rows
		}
		r := &row{file: sp.file, line: line, cols: cols, rec: rec}
		if err := addRow(d, sp.kind, r); err != nil {
			return err
		}
		d.where[sp.kind] = append(d.where[sp.kind], r.where())
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func addRow(d *ImportData, kind string, r *row) error {
	switch kind {
	case app.KindFeeBand:
		price, err := parseMoney(r.get("meal_price"))
		if err != nil {
			return r.fail("meal_price", "%v", err)
		}
		d.FeeBands = append(d.FeeBands, app.FeeBand{Code: r.get("code"), Name: r.get("name"), MealPrice: price})
	case app.KindDiet:
		d.Diets = append(d.Diets, app.Diet{Code: r.get("code"), Name: r.get("name"), Allergens: splitList(r.get("allergens"), ",|+/")})
	case app.KindAccount:
		bal, err := parseMoney(r.get("balance"))
		if err != nil {
			return r.fail("balance", "%v", err)
		}
		a := app.Account{ID: app.AccountID(r.get("id")), Holder: r.get("holder"), Balance: bal,
			HolderFiscalCode: r.get("holder_fiscal_code"), AccessHash: r.get("access_hash")}
		d.Accounts = append(d.Accounts, a)
		if code := r.get("access_code"); code != "" {
			if d.AccessCodes == nil {
				d.AccessCodes = map[app.AccountID]string{}
			}
			d.AccessCodes[a.ID] = code
		}
	case app.KindPupil:
		p := app.Pupil{ID: app.PupilID(r.get("id")), AccountID: app.AccountID(r.get("account_id")),
			FirstName: r.get("first_name"), LastName: r.get("last_name"), School: r.get("school"), Class: r.get("class"),
			FeeBand: r.get("fee_band"), FiscalCode: r.get("fiscal_code")}
		days, err := parseWeekdays(r.get("weekdays"))
		if err != nil {
			return r.fail("weekdays", "%v", err)
		}
		p.Weekdays = days
		if p.MealPrice, err = parseMoney(r.get("meal_price")); err != nil {
			return r.fail("meal_price", "%v", err)
		}
		if code := r.get("diet"); code != "" {
			p.Diet = &app.Diet{Code: code} // the name and allergens come from diets
		}
		d.Pupils = append(d.Pupils, p)
	case app.KindBadge:
		blocked, err := parseBool(r.get("blocked"))
		if err != nil {
			return r.fail("blocked", "%v", err)
		}
		d.Badges = append(d.Badges, app.Badge{ID: app.BadgeID(r.get("id")), PupilID: app.PupilID(r.get("pupil_id")), Blocked: blocked})
	case app.KindBooking:
		day, err := parseDay(r.get("day"))
		if err != nil {
			return r.fail("day", "%v", err)
		}
		b := app.Booking{Day: day, PupilID: app.PupilID(r.get("pupil_id"))}
		if b.Cancelled, err = parseBool(r.get("cancelled")); err != nil {
			return r.fail("cancelled", "%v", err)
		}
		if b.Bland, err = parseBool(r.get("bland")); err != nil {
			return r.fail("bland", "%v", err)
		}
		d.Bookings = append(d.Bookings, b)
	case app.KindStaff:
		d.Staff = append(d.Staff, ImportStaff{ID: r.get("id"), Name: r.get("name"), Role: strings.ToLower(r.get("role")),
			PIN: r.get("pin"), PINHash: r.get("pin_hash"), BadgeID: app.BadgeID(r.get("badge_id"))})
	case app.KindNews:
		t, err := parseTime(r.get("published"))
		if err != nil {
			return r.fail("published", "%v", err)
		}
		d.News = append(d.News, app.News{ID: r.get("id"), Title: r.get("title"), Body: r.get("body"), Published: t})
	case app.KindDocument:
		t, err := parseTime(r.get("published"))
		if err != nil {
			return r.fail("published", "%v", err)
		}
		d.Documents = append(d.Documents, app.Document{ID: r.get("id"), Title: r.get("title"), URL: r.get("url"), Published: t})
	case kindMenu, kindMenuGroup, kindCalendar:
		return addMenuRow(d, kind, r) // menu_import.go
	}
	return nil
}

// parseMoney reads cents ("3650") or euros with a decimal comma ("36,50",
// "1.020,50 €", "-5,5"). A decimal point alone ("36.50") is refused: in
// Italian it separates thousands, so the amount would be a guess.
func parseMoney(s string) (app.Cents, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "€"))
	s = strings.TrimSpace(strings.TrimPrefix(s, "€"))
	if s == "" {
		return 0, nil
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg, s = s[0] == '-', s[1:]
	}
	bad := fmt.Errorf("%q: want cents (3650) or euros with a decimal comma (36,50)", s)
	whole, frac, euros := strings.Cut(s, ",")
	if !euros {
		if strings.Contains(s, ".") || !allDigits(s) || len(s) > 12 {
			return 0, bad
		}
		n, _ := strconv.ParseInt(s, 10, 64)
		if neg {
			n = -n
		}
		return app.Cents(n), nil
	}
	if groups := strings.Split(whole, "."); len(groups) > 1 {
		for i, g := range groups {
			if !allDigits(g) || (i > 0 && len(g) != 3) || (i == 0 && len(g) > 3) {
				return 0, bad
			}
		}
		whole = strings.Join(groups, "")
	}
	if !allDigits(whole) || len(whole) > 10 || len(frac) == 0 || len(frac) > 2 || !allDigits(frac) {
		return 0, bad
	}
	if len(frac) == 1 {
		frac += "0"
	}
	e, _ := strconv.ParseInt(whole, 10, 64)
	c, _ := strconv.ParseInt(frac, 10, 64)
	n := e*100 + c
	if neg {
		n = -n
	}
	return app.Cents(n), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "no", "n", "false", "f":
		return false, nil
	case "1", "sì", "si", "s", "yes", "y", "true", "t", "x":
		return true, nil
	}
	return false, fmt.Errorf("%q: want sì/no (or 1/0, true/false)", s)
}

var weekdayNames = map[string]time.Weekday{
	"lun": time.Monday, "lunedì": time.Monday, "lunedi": time.Monday, "mon": time.Monday, "monday": time.Monday,
	"mar": time.Tuesday, "martedì": time.Tuesday, "martedi": time.Tuesday, "tue": time.Tuesday, "tuesday": time.Tuesday,
	"mer": time.Wednesday, "mercoledì": time.Wednesday, "mercoledi": time.Wednesday, "wed": time.Wednesday, "wednesday": time.Wednesday,
	"gio": time.Thursday, "giovedì": time.Thursday, "giovedi": time.Thursday, "thu": time.Thursday, "thursday": time.Thursday,
	"ven": time.Friday, "venerdì": time.Friday, "venerdi": time.Friday, "fri": time.Friday, "friday": time.Friday,
	"sab": time.Saturday, "sabato": time.Saturday, "sat": time.Saturday, "saturday": time.Saturday,
	"dom": time.Sunday, "domenica": time.Sunday, "sun": time.Sunday, "sunday": time.Sunday,
}

// parseWeekdays reads "lun mar gio" (Italian or English names, separated
// by spaces, commas, '+', '|' or '/'), in week order.
func parseWeekdays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, tok := range splitList(s, " ,;|+/") {
		w, ok := weekdayNames[strings.ToLower(tok)]
		if !ok {
			return nil, fmt.Errorf("%q is not a weekday (lun, mar, mer, gio, ven, sab, dom)", tok)
		}
		if slices.Contains(out, w) {
			return nil, fmt.Errorf("%s given twice", tok)
		}
		out = append(out, w)
	}
	// Week order, Monday first: the order does not matter to the kiosk but
	// a stable one keeps re-imports unchanged.
	slices.SortFunc(out, func(a, b time.Weekday) int { return (int(a)+6)%7 - (int(b)+6)%7 })
	return out, nil
}

func splitList(s, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseDay reads 2024-09-30 or the Italian 30/09/2024.
func parseDay(s string) (app.Day, error) {
	for _, layout := range []string{time.DateOnly, "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return app.Day(t.Format(time.DateOnly)), nil
		}
	}
	return "", fmt.Errorf("%q: want 2024-09-30 or 30/09/2024", s)
}

// parseTime reads RFC 3339, or a day (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := parseDay(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want 2024-09-30, 30/09/2024 or 2024-09-30T10:20:00+02:00", s)
	}
	t, _ := time.Parse(time.DateOnly, string(d))
	return t, nil
}
