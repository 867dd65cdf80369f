package app

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// FuzzBuildDayReportLegacy: the report equals, on any input, the one
// computed the straightforward way (legacyBuildDayReport, the code before
// the report was made fast): rosters in id order or not, with duplicates,
// classes that sort alike ("01A" and "1A"), names that fold alike.
func FuzzBuildDayReportLegacy(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 42, 1 << 40} {
		f.Add(seed, uint8(20), true)
		f.Add(seed, uint8(60), false)
	}
	f.Fuzz(func(t *testing.T, seed uint64, size uint8, ordered bool) {
		in := randomReportInput(rand.New(rand.NewPCG(seed, uint64(size))), int(size), ordered)
		got, want := BuildDayReport(in), legacyBuildDayReport(in)
		// The legacy code left rows of classes compareClass holds equal
		// ("01A", "1A") in the map's order; now they go by their text.
		slices.SortStableFunc(want.Rows, func(a, b ReportRow) int {
			return cmp.Or(cmp.Compare(a.School, b.School), compareClass(a.Class, b.Class), cmp.Compare(a.Class, b.Class))
		})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("report differs\ngot  %+v\nwant %+v", got, want)
		}
	})
}

func randomReportInput(rng *rand.Rand, n int, ordered bool) ReportInput {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	days := []Day{"2026-11-23", "2026-11-24", "2026-11-28", "not a day"}
	in := ReportInput{Day: days[rng.IntN(len(days))], Service: Service(pick("lunch", "", "dinner"))}
	diets := []*Diet{{Code: "GF", Name: "Senza glutine"}, {Code: "VEG", Name: "Vegetariana"}, {Code: "GF", Name: "Celiachia"}}
	id := func() PupilID {
		return PupilID(pick("P", "Q") + string(rune('0'+rng.IntN(10))) + string(rune('0'+rng.IntN(10))))
	}
	for range n {
		p := Pupil{ID: id(), AccountID: "A1",
			FirstName: pick("Anna", "anna", "Ànna", "Luca", "", "Zoë", "Zoe"),
			LastName:  pick("Rossi", "ROSSI", "D'Angelo", "Dangelo", "Müller", "Muller", "Bianchi"),
			School:    pick("Dante", "Rodari", ""),
			Class:     pick("1A", "01A", "10A", "2b", "", "Sez. A", "0000001A", "1A ")}
		for w := range 7 {
			if rng.IntN(3) > 0 {
				p.Weekdays = append(p.Weekdays, time.Weekday(w))
			}
		}
		if rng.IntN(3) == 0 {
			p.Diet = diets[rng.IntN(len(diets))]
		}
		in.Pupils = append(in.Pupils, p)
	}
	if ordered {
		slices.SortFunc(in.Pupils, func(a, b Pupil) int { return cmp.Compare(a.ID, b.ID) })
		in.Pupils = slices.CompactFunc(in.Pupils, func(a, b Pupil) bool { return a.ID == b.ID })
	}
	for range rng.IntN(n + 1) {
		in.Bookings = append(in.Bookings, Booking{PupilID: id(), Day: days[rng.IntN(2)], Cancelled: rng.IntN(2) == 0, Bland: rng.IntN(2) == 0})
	}
	for range rng.IntN(n + 1) {
		in.Meals = append(in.Meals, Meal{PupilID: id(), Day: days[rng.IntN(2)], Service: Service(pick("lunch", "dinner")), Voided: rng.IntN(4) == 0, Bland: rng.IntN(3) == 0})
	}
	return in
}

func legacyBuildDayReport(in ReportInput) DayReport {
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
		servedBland[m.PupilID] = servedBland[m.PupilID] || m.Bland
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
		if !enrolled && !ate && !b.Cancelled {
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
				rep.NotEaten = append(rep.NotEaten, p)
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
	for id := range served {
		if !known[id] {
			r := row("", "")
			r.Served++
			r.ServedUnbooked++
			if servedBland[id] {
				r.BlandServed++
			}
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
	legacySortNotEaten(rep.NotEaten)
	return rep
}

// legacySortNotEaten sorts by school, class, surname, first name and id. The
// names are folded once each, not at every comparison: the list may hold
// every pupil of the roster (a report made before the service).
func legacySortNotEaten(ps []Pupil) {
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
