package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// indexEntries lists the surname index as PupilName entries, in key order.
func indexEntries(t *testing.T, s *Store) []app.PupilName {
	t.Helper()
	var out []app.PupilName
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bPupilName).ForEach(func(k, v []byte) error {
			n, err := parseNameEntry(k, v)
			out = append(out, n)
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantEntries is the surname index the pupils bucket calls for, computed
// from the records themselves.
func wantEntries(t *testing.T, s *Store) []app.PupilName {
	t.Helper()
	var out []app.PupilName
	if err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bPupils).ForEach(func(_, v []byte) error {
			var p app.Pupil
			if err := json.Unmarshal(v, &p); err != nil {
				return err
			}
			out = append(out, app.PupilName{Last: app.FoldName(p.LastName), First: app.FoldName(p.FirstName), School: p.School, Class: p.Class, ID: p.ID})
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b app.PupilName) int { return compareKeys(a, b) })
	return out
}

func compareKeys(a, b app.PupilName) int {
	ka := key(a.Last, a.First, string(a.ID))
	kb := key(b.Last, b.First, string(b.ID))
	return slices.Compare(ka, kb)
}

func checkIndex(t *testing.T, s *Store, when string) []app.PupilName {
	t.Helper()
	got, want := indexEntries(t, s), wantEntries(t, s)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: surname index\n got %v\nwant %v", when, got, want)
	}
	return got
}

// The index follows every write of pupils: a roster put, a pull changing a
// surname, first name, school or class (the old entry goes), a deletion, and
// a reset pull's sweep of pupils the new server no longer has.
func TestNameIndexMaintained(t *testing.T) {
	s, _ := openTemp(t)
	r := app.Roster{
		Accounts: []app.Account{{ID: "a1"}, {ID: "a2"}},
		Pupils: []app.Pupil{
			{ID: "p1", AccountID: "a1", LastName: "D'Angelo", FirstName: "Nicolò", School: "Dante", Class: "2A"},
			{ID: "p2", AccountID: "a1", LastName: "De Luca", FirstName: "Anna", School: "Dante", Class: "10A"},
			{ID: "p3", AccountID: "a2", LastName: "Rossi", FirstName: "Marco", School: "Verdi", Class: "1B"},
		},
	}
	if err := s.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	got := checkIndex(t, s, "after the roster")
	if len(got) != 3 || got[0] != (app.PupilName{Last: "dangelo", First: "nicolo", School: "Dante", Class: "2A", ID: "p1"}) {
		t.Fatalf("entries: %v", got)
	}

	// A pull: p1 marries into a new surname, p3 changes class.
	p1, p3 := r.Pupils[0], r.Pupils[2]
	p1.LastName = "Zanetti"
	p3.Class = "2B"
	if err := s.ApplyPull(app.PullPage{Cursor: "c1", Delta: app.Delta{Pupils: []app.Pupil{p1, p3}}}); err != nil {
		t.Fatal(err)
	}
	got = checkIndex(t, s, "after a change of surname")
	if len(got) != 3 || got[2].Last != "zanetti" || got[1].Class != "2B" {
		t.Fatalf("entries: %v", got)
	}

	// A deletion.
	if err := s.ApplyPull(app.PullPage{Cursor: "c2", Delta: app.Delta{Deleted: []app.Ref{{Kind: app.KindPupil, ID: "p2"}}}}); err != nil {
		t.Fatal(err)
	}
	if got = checkIndex(t, s, "after a deletion"); len(got) != 2 {
		t.Fatalf("entries: %v", got)
	}

	// A reset pull carrying only p3: p1 is swept, its entry with it.
	for _, p := range []app.PullPage{
		{Cursor: "d1", Reset: true, More: true, Delta: app.Delta{Accounts: []app.Account{{ID: "a2"}}}},
		{Cursor: "d2", Reset: true, Delta: app.Delta{Pupils: []app.Pupil{p3}}},
	} {
		if err := s.ApplyPull(p); err != nil {
			t.Fatal(err)
		}
	}
	if got = checkIndex(t, s, "after a reset pull"); len(got) != 1 || got[0].ID != "p3" {
		t.Fatalf("entries: %v", got)
	}
}

// A file made before the index existed gets it at open, built from its
// roster: a schema-3 file without the bucket, and files of schema 1 and 2
// migrated in place.
func TestNameIndexBuiltAtOpen(t *testing.T) {
	for _, schema := range []uint32{1, 2, 3} {
		s, path := openTemp(t)
		var ps []app.Pupil
		for i, n := range []string{"Rossi", "Russo", "D'Angelo", "Nicolò", "Ricci"} {
			ps = append(ps, app.Pupil{ID: app.PupilID([]byte{'p', byte('0' + i)}), AccountID: "a1", LastName: n, FirstName: "Anna", School: "S", Class: "1A",
				FiscalCode: fmt.Sprintf("RSSNNA1%dA41H501X", i)})
		}
		if err := s.PutRoster(app.Roster{Accounts: []app.Account{{ID: "a1"}}, Pupils: ps}); err != nil {
			t.Fatal(err)
		}
		// Make the file as the older code left it.
		drop := [][]byte{bPupilName}
		if schema < 3 {
			drop = v3Buckets
		}
		if schema < 2 {
			drop = append(slices.Clone(v2Buckets), drop...)
		}
		if err := s.db.Update(func(tx *bolt.Tx) error {
			for _, b := range drop {
				if err := tx.DeleteBucket(b); err != nil {
					return err
				}
			}
			return tx.Bucket(bMeta).Put(kSchema, binary.BigEndian.AppendUint32(nil, schema))
		}); err != nil {
			t.Fatal(err)
		}
		s.Close()

		s, err := Open(path, Options{SkipCheck: true})
		if err != nil {
			t.Fatalf("schema %d: %v", schema, err)
		}
		if got := checkIndex(t, s, "reopened"); len(got) != len(ps) {
			t.Fatalf("schema %d: %d entries, want %d", schema, len(got), len(ps))
		}
		// The codice fiscale index too, for a file migrated to version 3.
		if p, err := s.PupilByFiscalCode("RSSNNA13A41H501X"); err != nil || p.ID != "p3" {
			t.Errorf("schema %d: fiscal code lookup %+v, %v", schema, p, err)
		}
		// And it is kept from then on, and found by prefix.
		if err := s.View(func(tx app.CanteenTx) error {
			ns, err := tx.PupilsByNamePrefix("r", 10)
			if err != nil {
				return err
			}
			if len(ns) != 3 || ns[0].Last != "ricci" || ns[1].Last != "rossi" || ns[2].Last != "russo" {
				t.Errorf("schema %d: prefix r found %v", schema, ns)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

// The prefix read stops after limit entries, but only once the run of
// namesakes of the limit-th is over.
func TestPupilsByNamePrefixReadsNamesakesPastLimit(t *testing.T) {
	s, _ := openTemp(t)
	r := app.Roster{Accounts: []app.Account{{ID: "a1"}}}
	for i, n := range [][2]string{{"Rossi", "Anna"}, {"Rossi", "Marco"}, {"Rossi", "Marco"}, {"Rossi", "Marco"}, {"Rossi", "Paolo"}, {"Russo", "Anna"}} {
		r.Pupils = append(r.Pupils, app.Pupil{ID: app.PupilID([]byte{'p', byte('0' + i)}), AccountID: "a1", LastName: n[0], FirstName: n[1], School: "S", Class: string(rune('A' + 5 - i))})
	}
	if err := s.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prefix string
		limit  int
		want   int
	}{{"ross", 1, 1}, {"ross", 2, 4}, {"ross", 4, 4}, {"ross", 5, 5}, {"r", 99, 6}, {"Ro", 3, 4}, {"x", 3, 0}, {"", 3, 0}, {"r", 0, 0}} {
		if err := s.View(func(tx app.CanteenTx) error {
			ns, err := tx.PupilsByNamePrefix(c.prefix, c.limit)
			if len(ns) != c.want {
				t.Errorf("%q limit %d: %d entries %v, want %d", c.prefix, c.limit, len(ns), ns, c.want)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}
