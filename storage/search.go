package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// The surname index (bucket pupil_name) serves staff mode's search, run on
// every keystroke: a prefix seek over keys
//
//	FoldName(surname) \0 FoldName(first name) \0 pupil id
//
// instead of decoding the whole roster. The value holds the pupil's school
// and class, so that namesakes (in a large school, dozens of "Rossi Marco")
// are ordered without decoding their records. FoldName keeps only letters
// and digits, so \0 never occurs inside a folded name and the keys sort as
// (surname, first name, id). Like pupil_cf it is kept by every write of
// pupils: putRoster, deleteRef, sweepUnseen.

// nameKey is the pupil's key in the surname index.
func nameKey(p *app.Pupil) []byte {
	return key(app.FoldName(p.LastName), app.FoldName(p.FirstName), string(p.ID))
}

// nameValue is the index entry's value: len(school) as a uvarint, school,
// class (any bytes in either).
func nameValue(p *app.Pupil) []byte {
	v := binary.AppendUvarint(make([]byte, 0, 2+len(p.School)+len(p.Class)), uint64(len(p.School)))
	return append(append(v, p.School...), p.Class...)
}

// indexName moves the pupil's surname index entry from old (nil: a new
// pupil) to p (nil: a deleted pupil).
func indexName(tx *bolt.Tx, old, p *app.Pupil) error {
	idx := tx.Bucket(bPupilName)
	var was, now []byte
	if old != nil {
		was = nameKey(old)
	}
	if p != nil {
		now = nameKey(p)
	}
	if was != nil && !bytes.Equal(was, now) {
		if err := idx.Delete(was); err != nil {
			return err
		}
	}
	if now != nil {
		return idx.Put(now, nameValue(p))
	}
	return nil
}

// buildNameIndex fills the surname index from the roster: at open, when the
// bucket was missing (a file made before the index existed).
func buildNameIndex(tx *bolt.Tx) error {
	idx, err := tx.CreateBucketIfNotExists(bPupilName)
	if err != nil {
		return err
	}
	pupils := tx.Bucket(bPupils)
	if pupils == nil {
		return nil // not ours: the check for missing buckets says so
	}
	idx.FillPercent = 0.9 // mostly filled in key order here
	return pupils.ForEach(func(k, v []byte) error {
		var p app.Pupil
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("pupil %q: %w", k, err)
		}
		return idx.Put(nameKey(&p), nameValue(&p))
	})
}

// PupilsByNamePrefix reads the surname index (app.CanteenTx).
func (t *canteenTx) PupilsByNamePrefix(prefix string, limit int) ([]app.PupilName, error) {
	want := []byte(app.FoldName(prefix))
	if len(want) == 0 || limit <= 0 {
		return nil, nil
	}
	var out []app.PupilName
	var cut []byte // surname \0 first name \0 of the limit-th entry
	c := t.tx.Bucket(bPupilName).Cursor()
	for k, v := c.Seek(want); k != nil && bytes.HasPrefix(k, want); k, v = c.Next() {
		if cut != nil && !bytes.HasPrefix(k, cut) {
			break
		}
		n, err := parseNameEntry(k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		if len(out) == limit {
			cut = k[:len(n.Last)+1+len(n.First)+1]
		}
	}
	return out, nil
}

func parseNameEntry(k, v []byte) (app.PupilName, error) {
	parts := bytes.SplitN(k, []byte{0}, 3)
	ls, n := binary.Uvarint(v)
	if len(parts) != 3 || n <= 0 || uint64(len(v)-n) < ls {
		return app.PupilName{}, fmt.Errorf("surname index entry %q: %w", k, ErrCorrupt)
	}
	return app.PupilName{
		Last: string(parts[0]), First: string(parts[1]), ID: app.PupilID(parts[2]),
		School: string(v[n : n+int(ls)]), Class: string(v[n+int(ls):]),
	}, nil
}
