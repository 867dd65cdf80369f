package app

import (
	"cmp"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The day's report (PRODUCT.md §4): booked against served, by school and
// class, by diet, and who has not eaten yet. The kiosk builds it from its
// own store (it works offline) and the central server from its records, both
// through BuildDayReport, so the two agree once the kiosk has synced.

// ReportInput is what a day's report is computed from.
type ReportInput struct {
	Day     Day
	Service Service
	// Pupils is the roster; Bookings the day's bookings (others are
	// ignored).
	Pupils   []Pupil
	Bookings []Booking
	// Meals of the day and service; voided ones are ignored and a pupil
	// counts once however many meals name them.
	Meals []Meal
}

// ReportRow is one line of the report: a class of a school, or the totals.
//
//   - Booked: enrolled for the day's weekday and not cancelled.
//   - Cancelled: enrolled for the weekday, cancelled by the parent.
//   - Served: pupils with a meal (booked or not).
//   - ServedUnbooked: served without being booked (cancelled, or not a
//     canteen day for them): the kitchen was not planning on them.
//   - Bland, BlandServed: booked asking for a pasto in bianco; of those
//     served, the ones whose booking asks for it.
//   - Diet, DietServed: booked with a special diet; served with one.
type ReportRow struct {
	School, Class  string
	Booked, Served int
	Cancelled      int
	ServedUnbooked int
	Bland          int
	BlandServed    int
	Diet           int
	DietServed     int
}

// DietRow is a special diet's line: booked and served pupils having it.
type DietRow struct {
	Code, Name     string
	Booked, Served int
}

// DayReport is the report of one day and service.
type DayReport struct {
	Day     Day
	Service Service
	// Rows by school, then class.
	Rows []ReportRow
	// Diets by name.
	Diets  []DietRow
	Totals ReportRow
	// NotEaten are the booked pupils not served yet, sorted by school,
	// class, surname, first name.
	NotEaten []Pupil
}

// BuildDayReport computes the report. It is pure and its order
// deterministic. A meal of a pupil missing from the roster (left since) is
// counted in a row with an empty school and class.
func BuildDayReport(in ReportInput) DayReport {
	rep := DayReport{Day: in.Day, Service: in.Service}
	wd := time.Weekday(-1)
	if t, err := time.Parse(time.DateOnly, string(in.Day)); err == nil {
		wd = t.Weekday()
	}
	bookings := map[PupilID]Booking{}
	for _, b := range in.Bookings {
		if b.Day == in.Day {
			bookings[b.PupilID] = b
		}
	}
	served := map[PupilID]bool{}
	for _, m := range in.Meals {
		if m.Voided || m.Day != in.Day || (in.Service != "" && m.Service != in.Service) {
			continue
		}
		served[m.PupilID] = true
	}
	type rowKey struct{ school, class string }
	rows := map[rowKey]*ReportRow{}
	row := func(school, class string) *ReportRow {
		k := rowKey{school, class}
		if r := rows[k]; r != nil {
			return r
		}
		r := &ReportRow{School: school, Class: class}
		rows[k] = r
		return r
	}
	diets := map[string]*DietRow{}
	known := map[PupilID]bool{}
	for _, p := range in.Pupils {
		if known[p.ID] {
			continue
		}
		known[p.ID] = true
		b := bookings[p.ID]
		enrolled := p.EatsOn(wd)
		booked := enrolled && !b.Cancelled
		ate := served[p.ID]
		if !enrolled && !ate {
			continue // nothing to say about this pupil today
		}
		r := row(p.School, p.Class)
		var d *DietRow
		if p.Diet != nil {
			if d = diets[p.Diet.Code]; d == nil {
				d = &DietRow{Code: p.Diet.Code, Name: p.Diet.Name}
				diets[p.Diet.Code] = d
			}
		}
		if enrolled && b.Cancelled {
			r.Cancelled++
		}
		if booked {
			r.Booked++
			if b.Bland {
				r.Bland++
			}
			if d != nil {
				r.Diet++
				d.Booked++
			}
			if !ate {
				rep.NotEaten = append(rep.NotEaten, p)
			}
		}
		if ate {
			r.Served++
			if !booked {
				r.ServedUnbooked++
			}
			if b.Bland {
				r.BlandServed++
			}
			if d != nil {
				r.DietServed++
				d.Served++
			}
		}
	}
	for id := range served {
		if !known[id] {
			r := row("", "")
			r.Served++
			r.ServedUnbooked++
		}
	}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, *r)
		t := &rep.Totals
		t.Booked += r.Booked
		t.Served += r.Served
		t.Cancelled += r.Cancelled
		t.ServedUnbooked += r.ServedUnbooked
		t.Bland += r.Bland
		t.BlandServed += r.BlandServed
		t.Diet += r.Diet
		t.DietServed += r.DietServed
	}
	slices.SortFunc(rep.Rows, func(a, b ReportRow) int {
		return cmp.Or(cmp.Compare(a.School, b.School), compareClass(a.Class, b.Class))
	})
	for _, d := range diets {
		rep.Diets = append(rep.Diets, *d)
	}
	slices.SortFunc(rep.Diets, func(a, b DietRow) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Code, b.Code)) })
	sortNotEaten(rep.NotEaten)
	return rep
}

// sortNotEaten sorts by school, class, surname, first name and id. The
// names are folded once each, not at every comparison: the list may hold
// every pupil of the roster (a report made before the service).
func sortNotEaten(ps []Pupil) {
	type entry struct {
		p           *Pupil
		num         int // the class's leading number (compareClass)
		rest        string
		last, first string
	}
	es := make([]entry, len(ps))
	for i := range ps {
		p := &ps[i]
		n, rest := leadingNumber(p.Class)
		es[i] = entry{p: p, num: n, rest: rest, last: foldNameFast(p.LastName), first: foldNameFast(p.FirstName)}
	}
	slices.SortFunc(es, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.p.School, b.p.School), cmp.Compare(a.num, b.num), cmp.Compare(a.rest, b.rest),
			cmp.Compare(a.last, b.last), cmp.Compare(a.first, b.first), cmp.Compare(a.p.ID, b.p.ID))
	})
	sorted := make([]Pupil, len(ps))
	for i, e := range es {
		sorted[i] = *e.p
	}
	copy(ps, sorted)
}

// foldNameFast is FoldName with a shortcut for plain ASCII names (most of
// a roster): lower case, letters and digits kept; others go to FoldName.
func foldNameFast(s string) string {
	keep := true // s is already folded: return it, no copy
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return FoldName(s)
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		default:
			keep = false
		}
	}
	if keep {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// compareClass orders classes as a school lists them: "2A" before "10A"
// (the leading number compared as a number), then the rest as text.
func compareClass(a, b string) int {
	na, ra := leadingNumber(a)
	nb, rb := leadingNumber(b)
	return cmp.Or(cmp.Compare(na, nb), cmp.Compare(ra, rb))
}

func leadingNumber(s string) (int, string) {
	i := 0
	for i < len(s) && i < 6 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}

// Keys of the report's CSV headings, translated by WriteCSV's header
// function (the catalogue in ui/ or cmd/kiosk).
var (
	ReportCSVRowKeys = []string{
		"staff.report.csv.school", "staff.report.csv.class", "staff.report.csv.booked", "staff.report.csv.served",
		"staff.report.csv.cancelled", "staff.report.csv.served_unbooked", "staff.report.csv.bland",
		"staff.report.csv.bland_served", "staff.report.csv.diet", "staff.report.csv.diet_served",
	}
	ReportCSVDietKeys     = []string{"staff.report.csv.diet_name", "staff.report.csv.booked", "staff.report.csv.served"}
	ReportCSVNotEatenKeys = []string{"staff.report.csv.school", "staff.report.csv.class", "staff.report.csv.last_name", "staff.report.csv.first_name", "staff.report.csv.diet_name"}
	ReportCSVTitleKeys    = []string{"staff.report.csv.title", "staff.report.csv.total", "staff.report.csv.diets", "staff.report.csv.not_eaten"}
)

// WriteCSV writes the report as CSV for Italian spreadsheets: ';' between
// fields, UTF-8 with a byte-order mark (so that a spreadsheet opening it
// shows accents right), CRLF line ends. Three tables follow one another,
// separated by an empty line: classes with the totals, diets, and who has
// not eaten. header translates a heading key (see ReportCSV*Keys). Text that
// a spreadsheet would run as a formula (starting with = + - @) is quoted
// with a leading apostrophe.
func (r DayReport) WriteCSV(w io.Writer, header func(key string) string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	heads := func(keys []string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = header(k)
		}
		return out
	}
	n := strconv.Itoa
	line := func(r ReportRow) []string {
		return []string{safeCell(r.School), safeCell(r.Class), n(r.Booked), n(r.Served), n(r.Cancelled), n(r.ServedUnbooked),
			n(r.Bland), n(r.BlandServed), n(r.Diet), n(r.DietServed)}
	}
	recs := [][]string{{header("staff.report.csv.title"), string(r.Day), string(r.Service)}, heads(ReportCSVRowKeys)}
	for _, row := range r.Rows {
		recs = append(recs, line(row))
	}
	tot := line(r.Totals)
	tot[0], tot[1] = header("staff.report.csv.total"), ""
	recs = append(recs, tot, nil, []string{header("staff.report.csv.diets")}, heads(ReportCSVDietKeys))
	for _, d := range r.Diets {
		recs = append(recs, []string{safeCell(d.Name), n(d.Booked), n(d.Served)})
	}
	recs = append(recs, nil, []string{header("staff.report.csv.not_eaten")}, heads(ReportCSVNotEatenKeys))
	for _, p := range r.NotEaten {
		diet := ""
		if p.Diet != nil {
			diet = p.Diet.Name
		}
		recs = append(recs, []string{safeCell(p.School), safeCell(p.Class), safeCell(p.LastName), safeCell(p.FirstName), safeCell(diet)})
	}
	for _, rec := range recs {
		if rec == nil {
			rec = []string{""}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCell keeps a spreadsheet from reading a name as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
