package app

import (
	"cmp"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
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
	// Closed, when set, says whether a school is closed on Day (school
	// calendar, national holiday): its pupils are booked for nothing.
	Closed func(school string) bool
}

// ReportRow is one line of the report: a class of a school, or the totals.
// Each figure counts pupils (one meal each at most) and is defined here
// once; the kiosk's screen, its CSV and the server's report show these
// fields through ReportColumns, never a figure of their own.
//
//   - Booked: enrolled for the day's weekday and not cancelled: the meals
//     the kitchen plans.
//   - Cancelled: the parent cancelled the day's meal (the door shows
//     "cancelled today" for them), whether or not the day is one of their
//     canteen days.
//   - Served: pupils with a meal (booked or not); voided meals do not count.
//   - ServedUnbooked: served without being booked (cancelled, or not a
//     canteen day for them): the kitchen was not planning on them.
//   - Bland: booked pupils whose booking asks for a pasto in bianco (what
//     to cook). BlandServed: pupils served a pasto in bianco, as their meal
//     records it (the door showed the bland banner), booked or not.
//   - Diet: booked pupils with a special diet. DietServed: served pupils
//     with a special diet, booked or not.
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
	servedBland := map[PupilID]bool{}
	for _, m := range in.Meals {
		if m.Voided || m.Day != in.Day || (in.Service != "" && m.Service != in.Service) {
			continue
		}
		served[m.PupilID] = true
		if m.Bland {
			servedBland[m.PupilID] = true
		}
	}
	type rowKey struct{ school, class string }
	rows := map[rowKey]*reportRowAcc{}
	row := func(school, class string) *reportRowAcc {
		k := rowKey{school, class}
		if r := rows[k]; r != nil {
			return r
		}
		r := &reportRowAcc{ReportRow: ReportRow{School: school, Class: class}}
		rows[k] = r
		return r
	}
	diets := map[string]*DietRow{}
	// A roster in strictly increasing id order (the store's) has no
	// duplicates: the set of ids seen is then needed only for the served
	// pupils, not for 50,000 of them.
	ordered := true
	for i := 1; i < len(in.Pupils) && ordered; i++ {
		ordered = in.Pupils[i-1].ID < in.Pupils[i].ID
	}
	var known map[PupilID]bool
	if !ordered {
		known = make(map[PupilID]bool, len(in.Pupils))
	}
	servedKnown := 0 // served pupils found on the roster
	var notEaten []notEatenEntry
	for i := range in.Pupils {
		p := &in.Pupils[i]
		if !ordered {
			if known[p.ID] {
				continue
			}
			known[p.ID] = true
		}
		enrolled := p.EatsOn(wd) && (in.Closed == nil || !in.Closed(p.School))
		ate := served[p.ID]
		if ate {
			servedKnown++
		}
		var b Booking
		if len(bookings) > 0 {
			b = bookings[p.ID]
		}
		if !enrolled && !ate && !b.Cancelled {
			continue // nothing to say about this pupil today
		}
		booked := enrolled && !b.Cancelled
		ra := row(p.School, p.Class)
		r := &ra.ReportRow
		var d *DietRow
		if p.Diet != nil {
			if d = diets[p.Diet.Code]; d == nil {
				d = &DietRow{Code: p.Diet.Code, Name: p.Diet.Name}
				diets[p.Diet.Code] = d
			}
		}
		if b.Cancelled {
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
				notEaten = append(notEaten, notEatenEntry{idx: i, row: ra})
			}
		}
		if ate {
			r.Served++
			if !booked {
				r.ServedUnbooked++
			}
			if servedBland[p.ID] {
				r.BlandServed++
			}
			if d != nil {
				r.DietServed++
				d.Served++
			}
		}
	}
	if servedKnown < len(served) {
		for id := range served {
			onRoster := false
			if ordered {
				_, onRoster = slices.BinarySearchFunc(in.Pupils, id, func(p Pupil, id PupilID) int { return cmp.Compare(p.ID, id) })
			} else {
				onRoster = known[id]
			}
			if !onRoster {
				r := row("", "")
				r.Served++
				r.ServedUnbooked++
				if servedBland[id] {
					r.BlandServed++
				}
			}
		}
	}
	accs := make([]*reportRowAcc, 0, len(rows))
	for _, r := range rows {
		accs = append(accs, r)
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
	// Classes that compareClass holds equal ("01A", "1A") are ordered by
	// their text, so that the order does not depend on the map's.
	slices.SortFunc(accs, func(a, b *reportRowAcc) int {
		return cmp.Or(cmp.Compare(a.School, b.School), compareClass(a.Class, b.Class), cmp.Compare(a.Class, b.Class))
	})
	rep.Rows = make([]ReportRow, len(accs))
	for i, r := range accs {
		rep.Rows[i] = r.ReportRow
		// Rows that sort alike (a class "01A" next to "1A") share a
		// rank: the not-eaten list orders them by name, as one.
		r.rank = i
		if i > 0 && cmp.Or(cmp.Compare(r.School, accs[i-1].School), compareClass(r.Class, accs[i-1].Class)) == 0 {
			r.rank = accs[i-1].rank
		}
	}
	if len(rep.Rows) == 0 {
		rep.Rows = nil
	}
	for _, d := range diets {
		rep.Diets = append(rep.Diets, *d)
	}
	slices.SortFunc(rep.Diets, func(a, b DietRow) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Code, b.Code)) })
	rep.NotEaten = sortNotEaten(in.Pupils, ordered, notEaten)
	return rep
}

// reportRowAcc is a report row being counted, and its place among the
// rows once they are sorted.
type reportRowAcc struct {
	ReportRow
	rank int
}

// notEatenEntry is a pupil of the not-eaten list (the index in the
// roster) and the row it counts in.
type notEatenEntry struct {
	idx int
	row *reportRowAcc
}

// sortNotEaten returns the pupils sorted by school and class (the rows'
// order), surname, first name (folded) and id. The list may hold every
// pupil of the roster (a report made before the service), so the sort
// compares small integers: each distinct name is folded once and given its
// place among the others; and in a roster in id order (ordered) a pupil's
// index stands for the id.
func sortNotEaten(roster []Pupil, ordered bool, es []notEatenEntry) []Pupil {
	if len(es) == 0 {
		return nil
	}
	type key struct {
		rank, last, first uint32
		idx               int32
	}
	lasts, firsts := nameRanks{}, nameRanks{}
	keys := make([]key, len(es))
	for i, e := range es {
		p := &roster[e.idx]
		keys[i] = key{rank: uint32(e.row.rank), last: lasts.add(p.LastName), first: firsts.add(p.FirstName), idx: int32(e.idx)}
	}
	lastRank, firstRank := lasts.ranks(), firsts.ranks()
	for i := range keys {
		keys[i].last, keys[i].first = lastRank[keys[i].last], firstRank[keys[i].first]
	}
	slices.SortFunc(keys, func(a, b key) int {
		switch {
		case a.rank != b.rank:
			return cmp.Compare(a.rank, b.rank)
		case a.last != b.last:
			return cmp.Compare(a.last, b.last)
		case a.first != b.first:
			return cmp.Compare(a.first, b.first)
		case ordered:
			return cmp.Compare(a.idx, b.idx)
		}
		return cmp.Compare(roster[a.idx].ID, roster[b.idx].ID)
	})
	out := make([]Pupil, len(keys))
	for i, k := range keys {
		out[i] = roster[k.idx]
	}
	return out
}

// nameRanks numbers distinct names as they come (add), then gives each
// number the place of its folded name among all (ranks): names that fold
// alike share a place.
type nameRanks struct {
	num   map[string]uint32
	names []string
}

func (n *nameRanks) add(s string) uint32 {
	if i, ok := n.num[s]; ok {
		return i
	}
	if n.num == nil {
		n.num = map[string]uint32{}
	}
	i := uint32(len(n.names))
	n.num[s] = i
	n.names = append(n.names, s)
	return i
}

func (n *nameRanks) ranks() []uint32 {
	type folded struct {
		key string
		num uint32
	}
	fs := make([]folded, len(n.names))
	for i, s := range n.names {
		fs[i] = folded{foldNameFast(s), uint32(i)}
	}
	slices.SortFunc(fs, func(a, b folded) int { return strings.Compare(a.key, b.key) })
	rank := make([]uint32, len(fs))
	r := uint32(0)
	for i, f := range fs {
		if i > 0 && f.key != fs[i-1].key {
			r++
		}
		rank[f.num] = r
	}
	return rank
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

// ReportColumn is one figure of a report row, as every view of the report
// shows it: ScreenKey titles it on the staff screen (short, it wraps in a
// narrow column), CSVKey heads it in the CSV (spelled out), Value reads it.
type ReportColumn struct {
	ScreenKey, CSVKey string
	Value             func(ReportRow) int
}

// ReportColumns are the report's figures in the order every view shows
// them: the kiosk's screen, its CSV export and the central server's report
// (text and CSV) all go through this list.
var ReportColumns = []ReportColumn{
	{"staff.report.col.booked", "staff.report.csv.booked", func(r ReportRow) int { return r.Booked }},
	{"staff.report.col.served", "staff.report.csv.served", func(r ReportRow) int { return r.Served }},
	{"staff.report.col.cancelled", "staff.report.csv.cancelled", func(r ReportRow) int { return r.Cancelled }},
	{"staff.report.col.served_unbooked", "staff.report.csv.served_unbooked", func(r ReportRow) int { return r.ServedUnbooked }},
	{"staff.report.col.bland", "staff.report.csv.bland", func(r ReportRow) int { return r.Bland }},
	{"staff.report.col.bland_served", "staff.report.csv.bland_served", func(r ReportRow) int { return r.BlandServed }},
	{"staff.report.col.diet", "staff.report.csv.diet", func(r ReportRow) int { return r.Diet }},
	{"staff.report.col.diet_served", "staff.report.csv.diet_served", func(r ReportRow) int { return r.DietServed }},
}

// ReportFigures are a row's figures in ReportColumns' order.
func ReportFigures(r ReportRow) []int {
	out := make([]int, len(ReportColumns))
	for i, c := range ReportColumns {
		out[i] = c.Value(r)
	}
	return out
}

// ReportServiceKey is the catalogue key naming a service in a report's
// title ("pranzo", not the code "lunch").
func ReportServiceKey(s Service) string { return "staff.report.service." + string(s) }

// Keys of the report's CSV headings, translated by WriteCSV's header
// function (the catalogue in ui/ or cmd/kiosk).
var (
	ReportCSVRowKeys      = reportCSVRowKeys()
	ReportCSVDietKeys     = []string{"staff.report.csv.diet_name", "staff.report.csv.booked", "staff.report.csv.served"}
	ReportCSVNotEatenKeys = []string{"staff.report.csv.school", "staff.report.csv.class", "staff.report.csv.last_name", "staff.report.csv.first_name", "staff.report.csv.diet_name"}
	ReportCSVTitleKeys    = []string{"staff.report.csv.title", "staff.report.csv.total", "staff.report.csv.diets", "staff.report.csv.not_eaten"}
)

func reportCSVRowKeys() []string {
	keys := []string{"staff.report.csv.school", "staff.report.csv.class"}
	for _, c := range ReportColumns {
		keys = append(keys, c.CSVKey)
	}
	return keys
}

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
		out := []string{safeCell(r.School), safeCell(r.Class)}
		for _, f := range ReportFigures(r) {
			out = append(out, n(f))
		}
		return out
	}
	service := string(r.Service)
	if service != "" {
		service = header(ReportServiceKey(r.Service))
	}
	recs := [][]string{{header("staff.report.csv.title"), string(r.Day), service}, heads(ReportCSVRowKeys)}
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
