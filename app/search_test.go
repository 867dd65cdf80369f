package app_test

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
)

// searchByScan is SearchPupils as it was before the surname index: every
// pupil of the roster folded, sorted, cut. It is the oracle the indexed
// search must agree with. The roster and today's meals are read from the
// store once (as the old code did at each search) and passed in.
func searchByScan(roster []app.Pupil, served map[app.PupilID]bool, prefix string, limit int) []app.PupilHit {
	want := app.FoldName(prefix)
	if want == "" || limit <= 0 {
		return nil
	}
	var hits []app.PupilHit
	for _, p := range roster {
		if strings.HasPrefix(app.FoldName(p.LastName), want) {
			hits = append(hits, app.PupilHit{Pupil: p})
		}
	}
	slices.SortFunc(hits, func(a, b app.PupilHit) int {
		return cmp.Or(cmp.Compare(app.FoldName(a.Pupil.LastName), app.FoldName(b.Pupil.LastName)),
			cmp.Compare(app.FoldName(a.Pupil.FirstName), app.FoldName(b.Pupil.FirstName)),
			cmp.Compare(a.Pupil.School, b.Pupil.School), app.CompareClass(a.Pupil.Class, b.Pupil.Class), cmp.Compare(a.Pupil.ID, b.Pupil.ID))
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	for i := range hits {
		hits[i].ServedToday = served[hits[i].Pupil.ID]
	}
	return hits
}

// On a random roster of a few thousand pupils, with accents, apostrophes,
// spaces, mixed case and many namesakes, the indexed search finds the same
// pupils in the same order as the scan, for every limit.
func TestSearchPupilsMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	surnames := []string{"Rossi", "ROSSI", "Ròssi", "Russo", "Lo Russo", "D'Angelo", "D’Angelo", "Dangelo", "De Luca", "Deluca",
		"Nicolò", "Nicolo", "O'Brien", "Di Stefano", "Müller", "Çelik", "Ñúñez", "Łukasz", "Greco", "Gré", "Moretti", "Ricci", "Rizzo", "3B"}
	firsts := []string{"Anna", "anna", "Ànna", "Marco", "Nicolò", "Zoë", "Luca", "Chiara", "Jean-Luc", "Mattia", ""}
	schools := []string{"Dante", "dante", "Verdi", "Scuola Ünica"}
	classes := []string{"1A", "2A", "10A", "2B", "3", "", "1a", "02A"}
	r := app.Roster{Accounts: []app.Account{{ID: "A1", Balance: 1 << 30}}}
	for i := range 3000 {
		r.Pupils = append(r.Pupils, app.Pupil{
			ID:        app.PupilID("P" + string(rune('a'+rng.IntN(26))) + strings.Repeat("x", rng.IntN(3)) + string(rune('0'+i%10)) + string(rune('A'+i/10%26)) + string(rune('A'+i/260))),
			AccountID: "A1", LastName: surnames[rng.IntN(len(surnames))], FirstName: firsts[rng.IntN(len(firsts))],
			School: schools[rng.IntN(len(schools))], Class: classes[rng.IntN(len(classes))], MealPrice: 450,
			Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		})
	}
	k := newKiosk(t, config(), r)
	// Some are served today: the hits say so.
	day := app.DayOf(k.clk.Now(), rome)
	if err := k.s.Update(func(tx app.CanteenTx) error { // one commit, not one per meal
		for _, i := range rng.Perm(len(r.Pupils))[:300] {
			id, err := app.NewEventID()
			if err != nil {
				return err
			}
			p := r.Pupils[i]
			m := app.Meal{EventID: id, KioskID: "K1", PupilID: p.ID, AccountID: p.AccountID, Day: day, Service: app.ServiceLunch,
				Price: p.MealPrice, At: k.clk.Now().UTC(), Via: app.ViaManual}
			if err := tx.RecordMeal(&m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	prefixes := []string{"d'a", "D’A", "de l", "NICOL", "nicolò", "ròs", "lo r", "ñ", "ł", "3", "z", "xyz", " ", "'"}
	for _, s := range surnames {
		f := app.FoldName(s)
		for n := 1; n <= len(f); n++ {
			if !slices.Contains(prefixes, f[:n]) {
				prefixes = append(prefixes, f[:n])
			}
		}
	}
	var roster []app.Pupil
	servedToday := map[app.PupilID]bool{}
	if err := k.s.View(func(tx app.CanteenTx) error {
		if err := tx.ForEachPupil(func(p app.Pupil) error { roster = append(roster, p); return nil }); err != nil {
			return err
		}
		ms, err := tx.DayMeals(day)
		for _, m := range ms {
			servedToday[m.PupilID] = !m.Voided
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	served := 0
	for _, p := range prefixes {
		all := searchByScan(roster, servedToday, p, len(roster)) // sorted once per prefix, then cut
		for _, limit := range []int{0, 1, 3, 8, 40, 500, 5000} {
			got, err := k.c.SearchPupils(p, limit)
			if err != nil {
				t.Fatal(err)
			}
			var want []app.PupilHit
			if app.FoldName(p) != "" && limit > 0 {
				want = all[:min(limit, len(all))]
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("search %q limit %d: %d hits, the scan %d\n got %v\nwant %v", p, limit, len(got), len(want), got, want)
			}
			for _, h := range got {
				if h.ServedToday {
					served++
				}
			}
		}
	}
	if served == 0 {
		t.Fatal("no hit served today: the test does not compare that")
	}
}
