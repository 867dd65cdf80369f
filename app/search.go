package app

import (
	"cmp"
	"errors"
	"slices"
)

// PupilHit is a pupil found by SearchPupils, with what staff need to tell
// namesakes apart without a photo.
type PupilHit struct {
	Pupil       Pupil
	ServedToday bool
}

// SearchPupils finds the pupils whose surname starts with prefix, ignoring
// case, accents, spaces and apostrophes ("dang" finds D'Angelo, "nicol"
// Nicolò), sorted by surname, first name, school and class; at most limit.
// An empty prefix finds nobody. It reads the store's surname index, not the
// roster: it is called on every keystroke, and only the hits shown are
// decoded (see BenchmarkStaffMode in cmd/kiosk).
func (c *Canteen) SearchPupils(prefix string, limit int) ([]PupilHit, error) {
	want := FoldName(prefix)
	if want == "" || limit <= 0 {
		return nil, nil
	}
	day := DayOf(c.clock.Now(), c.cfg.Location)
	var hits []PupilHit
	err := c.store.View(func(tx CanteenTx) error {
		names, err := tx.PupilsByNamePrefix(want, limit)
		if err != nil {
			return err
		}
		// The index is in surname, first name, id order; namesakes go by
		// school and class (the index returned all those the limit cuts).
		slices.SortFunc(names, func(a, b PupilName) int {
			return cmp.Or(cmp.Compare(a.Last, b.Last), cmp.Compare(a.First, b.First),
				cmp.Compare(a.School, b.School), compareClass(a.Class, b.Class), cmp.Compare(a.ID, b.ID))
		})
		for _, n := range names[:min(limit, len(names))] {
			p, err := tx.Pupil(n.ID)
			if errors.Is(err, ErrNotFound) {
				continue // cannot happen: the index is written with the pupil
			} else if err != nil {
				return err
			}
			_, served, err := tx.MealServed(p.ID, day, c.cfg.Service)
			if err != nil {
				return err
			}
			hits = append(hits, PupilHit{Pupil: p, ServedToday: served})
		}
		return nil
	})
	return hits, err
}
