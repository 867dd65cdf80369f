package storage

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"mensakiosk/app"
)

func openCounterStore(t *testing.T) *Store {
	t.Helper()
	s := mustOpen(t, filepath.Join(t.TempDir(), "kiosk.db"), Options{SkipCheck: true})
	t.Cleanup(func() { s.Close() })
	return s
}

func wantPupilByCF(t *testing.T, s *Store, cf string, want app.PupilID) {
	t.Helper()
	p, err := s.PupilByFiscalCode(cf)
	switch {
	case want == "" && !errors.Is(err, app.ErrNotFound):
		t.Errorf("PupilByFiscalCode(%q) = %q, %v; want not found", cf, p.ID, err)
	case want != "" && (err != nil || p.ID != want):
		t.Errorf("PupilByFiscalCode(%q) = %q, %v; want %q", cf, p.ID, err, want)
	}
}

func TestFiscalCodeIndex(t *testing.T) {
	s := openCounterStore(t)
	acc := app.Account{ID: "F1", Balance: 100}
	p1 := app.Pupil{ID: "P1", AccountID: "F1", FirstName: "Marco", FiscalCode: "RSSMRC15A01H501I"}
	p2 := app.Pupil{ID: "P2", AccountID: "F1", FirstName: "Sara", FiscalCode: "rsssra17c41h501w"}
	if err := s.PutRoster(app.Roster{Accounts: []app.Account{acc}, Pupils: []app.Pupil{p1, p2}}); err != nil {
		t.Fatal(err)
	}
	wantPupilByCF(t, s, "RSSMRC15A01H501I", "P1")
	wantPupilByCF(t, s, " rssmrc15a01h501i ", "P1")
	wantPupilByCF(t, s, "RSSSRA17C41H501W", "P2") // stored lower case, indexed normalised
	wantPupilByCF(t, s, "", "")

	// A pull replaces P1's fiscal code (a typo corrected): the index moves.
	p1.FiscalCode = "RSSMRC15A01H501X"
	if err := s.ApplyPull(app.PullPage{Delta: app.Delta{Pupils: []app.Pupil{p1}}, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	wantPupilByCF(t, s, "RSSMRC15A01H501I", "")
	wantPupilByCF(t, s, "RSSMRC15A01H501X", "P1")

	// A pull deletes P2: its code goes.
	if err := s.ApplyPull(app.PullPage{Delta: app.Delta{Deleted: []app.Ref{{Kind: app.KindPupil, ID: "P2"}}}, Cursor: "c2"}); err != nil {
		t.Fatal(err)
	}
	wantPupilByCF(t, s, "RSSSRA17C41H501W", "")

	// Two pupils swap codes in one page: each code names the right pupil.
	p3 := app.Pupil{ID: "P3", AccountID: "F1", FiscalCode: "AAAAAA00A00A000A"}
	if err := s.PutRoster(app.Roster{Pupils: []app.Pupil{p3}}); err != nil {
		t.Fatal(err)
	}
	p1.FiscalCode, p3.FiscalCode = p3.FiscalCode, p1.FiscalCode
	if err := s.ApplyPull(app.PullPage{Delta: app.Delta{Pupils: []app.Pupil{p1, p3}}, Cursor: "c3"}); err != nil {
		t.Fatal(err)
	}
	wantPupilByCF(t, s, "AAAAAA00A00A000A", "P1")
	wantPupilByCF(t, s, "RSSMRC15A01H501X", "P3")

	// A reset pull that no longer carries P3 sweeps it and its code.
	if err := s.ApplyPull(app.PullPage{Delta: app.Delta{Accounts: []app.Account{acc}, Pupils: []app.Pupil{p1}}, Cursor: "c4", Reset: true, Done: 2, Total: 2}); err != nil {
		t.Fatal(err)
	}
	wantPupilByCF(t, s, "RSSMRC15A01H501X", "")
	wantPupilByCF(t, s, "AAAAAA00A00A000A", "P1")

	ps, err := s.FamilyPupils("F1")
	if err != nil || len(ps) != 1 || ps[0].ID != "P1" {
		t.Errorf("FamilyPupils = %v, %v", ps, err)
	}
}

func TestCounterReads(t *testing.T) {
	s := openCounterStore(t)
	r := app.Roster{
		Accounts: []app.Account{{ID: "F1", Balance: 3650, AccessHash: "h"}, {ID: "F2"}},
		Pupils: []app.Pupil{{ID: "P1", AccountID: "F1", FirstName: "Marco"}, {ID: "P2", AccountID: "F1", FirstName: "Sara"},
			{ID: "P3", AccountID: "F2"}},
		Badges: []app.Badge{{ID: "0A01", PupilID: "P1"}, {ID: "0A02", PupilID: "P9"}},
	}
	if err := s.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	b, p, err := s.BadgePupil("0A01")
	if err != nil || b.PupilID != "P1" || p.FirstName != "Marco" {
		t.Errorf("BadgePupil = %+v %+v %v", b, p, err)
	}
	for _, id := range []app.BadgeID{"0A02", "FFFF"} { // a pupil gone, a badge unknown
		if _, _, err := s.BadgePupil(id); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("BadgePupil(%s): %v", id, err)
		}
	}
	if a, err := s.FamilyAccount("F1"); err != nil || a.Balance != 3650 {
		t.Errorf("FamilyAccount = %+v, %v", a, err)
	}
	if _, err := s.FamilyAccount("F9"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("FamilyAccount(F9): %v", err)
	}
	ps, err := s.FamilyPupils("F1")
	if err != nil || len(ps) != 2 || ps[0].ID != "P1" || ps[1].ID != "P2" {
		t.Errorf("FamilyPupils(F1) = %v, %v", ps, err)
	}

	// The family cache: round trip, replaced, without the access hash.
	if _, ok, err := s.FamilyCache("F1"); ok || err != nil {
		t.Errorf("empty cache: %v, %v", ok, err)
	}
	asOf := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	v := app.FamilyView{Account: app.Account{ID: "F1", Balance: 3650, AccessHash: "secret"}, AsOf: asOf, BookingCutoff: "09:30",
		Meals:   []app.Meal{{EventID: "e1", PupilID: "P1", Day: "2026-11-20", Price: 390, Voided: true}},
		Notices: []app.Notice{{NoticeCode: "301000000000000144", Amount: 2000, State: app.NoticeValid}}}
	if err := s.PutFamilyCache(v); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.FamilyCache("F1")
	if err != nil || !ok || !got.AsOf.Equal(asOf) || got.Account.AccessHash != "" || len(got.Meals) != 1 || !got.Meals[0].Voided ||
		len(got.Notices) != 1 || got.Notices[0].NoticeCode != "301000000000000144" {
		t.Errorf("cache = %+v, %v, %v", got, ok, err)
	}
	v.AsOf = asOf.Add(time.Hour)
	v.Meals = nil
	if err := s.PutFamilyCache(v); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.FamilyCache("F1"); !got.AsOf.Equal(asOf.Add(time.Hour)) || len(got.Meals) != 0 {
		t.Errorf("replaced cache = %+v", got)
	}
	if err := s.PutFamilyCache(app.FamilyView{}); err == nil {
		t.Error("cached a view without an account")
	}

	// News and documents from a pull.
	if err := s.ApplyPull(app.PullPage{Delta: app.Delta{News: []app.News{{ID: "n1", Title: "Menu invernale"}},
		Documents: []app.Document{{ID: "d1", Title: "Regolamento", URL: "https://comune.example.it/r.pdf"}}}, Cursor: "c1"}); err != nil {
		t.Fatal(err)
	}
	ns, err := s.News()
	if err != nil || len(ns) != 1 || ns[0].Title != "Menu invernale" {
		t.Errorf("News = %v, %v", ns, err)
	}
	ds, err := s.Documents()
	if err != nil || len(ds) != 1 || ds[0].URL == "" {
		t.Errorf("Documents = %v, %v", ds, err)
	}
}
