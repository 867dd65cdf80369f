package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	return mustOpen(t, path, Options{SkipCheck: true}), path
}

// mustOpen opens the store at path; a failure fails the test.
func mustOpen(t *testing.T, path string, o Options) *Store {
	t.Helper()
	s, err := Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewStoreHasSchemaAndEpoch(t *testing.T) {
	s, path := openTemp(t)
	epoch := s.Epoch()
	if len(epoch) != 32 {
		t.Fatalf("epoch %q", epoch)
	}
	s.Close()
	s2, err := Open(path, Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Epoch() != epoch {
		t.Fatalf("epoch changed on reopen: %s → %s", epoch, s2.Epoch())
	}
	other, _ := openTemp(t)
	defer other.Close()
	if other.Epoch() == epoch {
		t.Fatal("two databases share an epoch")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := openTemp(t)
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put(kSchema, binary.BigEndian.AppendUint32(nil, SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(path, Options{SkipCheck: true})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("err = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("schema version %d", SchemaVersion+1)) || !strings.Contains(err.Error(), path) {
		t.Errorf("unclear error: %v", err)
	}
}

func TestNotADatabase(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty":   {},
		"garbage": []byte(strings.Repeat("this is not a bolt file\n", 1000)),
	}
	for name, content := range cases {
		path := filepath.Join(dir, name+".db")
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path, Options{SkipCheck: true})
		if !errors.Is(err, ErrNotADatabase) {
			t.Errorf("%s: err = %v, want ErrNotADatabase", name, err)
		}
		if fi, _ := os.Stat(path); fi.Size() != int64(len(content)) {
			t.Errorf("%s: the file was changed", name)
		}
	}
	// A bolt file of another program: buckets but no meta.
	path := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("stuff")); return err })
	db.Close()
	if _, err := Open(path, Options{SkipCheck: true}); !errors.Is(err, ErrNotADatabase) {
		t.Errorf("foreign bolt file: err = %v", err)
	}
}

func TestUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		// root reads any file: make the path a directory instead.
		dir := filepath.Join(t.TempDir(), "kiosk.db")
		os.Mkdir(dir, 0o700)
		if _, err := Open(dir, Options{SkipCheck: true}); err == nil {
			t.Fatal("opened a directory")
		}
		return
	}
	_, path := openTemp(t)
	os.Chmod(path, 0)
	if _, err := Open(path, Options{SkipCheck: true}); err == nil {
		t.Fatal("opened an unreadable file")
	}
}

// Scribbled pages are refused at open, with or without the seal of a
// clean close, and the check's outcome goes to OnCheck before Open returns.
func TestCorruptPagesRefusedAtOpen(t *testing.T) {
	for _, sealed := range []bool{true, false} {
		s, path := openTemp(t)
		var r app.Roster
		for i := range 2000 {
			id := app.PupilID(strings.Repeat("p", 20) + string(rune('a'+i%26)) + time.Duration(i).String())
			r.Pupils = append(r.Pupils, app.Pupil{ID: id, AccountID: "A", FirstName: strings.Repeat("x", 100)})
		}
		if err := s.PutRoster(r); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if !sealed {
			os.Remove(path + ".seal")
		}
		// Scribble over a leaf page in the middle of the file (not the meta pages).
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		page := int64(os.Getpagesize())
		junk := []byte(strings.Repeat("\xff", int(page)))
		for off := 4 * page; off < fi.Size()-page; off += 7 * page {
			f.WriteAt(junk[:64], off)
		}
		f.Close()

		var checked []error
		_, err = Open(path, Options{OnCheck: func(err error) { checked = append(checked, err) }})
		var d *Damage
		if !errors.As(err, &d) || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("sealed %v: err = %v, want a *Damage", sealed, err)
		}
		if len(checked) != 1 || checked[0] != err {
			t.Errorf("sealed %v: OnCheck got %v", sealed, checked)
		}
		if !strings.Contains(err.Error(), "Restore from the central server") {
			t.Errorf("the error does not say what to do: %v", err)
		}
	}
}

// outboxFile makes a sealed store with a roster, five meals of which the
// server acknowledged three, and returns its path and the two others' ids.
func outboxFile(t *testing.T) (string, []string) {
	t.Helper()
	s, path := openTemp(t)
	var r app.Roster
	for i := range 300 {
		r.Pupils = append(r.Pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("P%04d", i)), AccountID: "A",
			FirstName: fmt.Sprintf("Nome%04d", i), LastName: "Rossi"})
	}
	if err := s.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 5 {
		m := &app.Meal{EventID: fmt.Sprintf("%032x", i+1), PupilID: r.Pupils[i].ID, AccountID: "A", Day: "2026-03-12",
			Service: app.ServiceLunch, Price: 450, At: time.Date(2026, 3, 12, 12, i, 0, 0, time.UTC)}
		if err := s.Update(func(tx app.CanteenTx) error { return tx.RecordMeal(m) }); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.EventID)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { // the server acknowledged 1 to 3
		return firstErr(tx.Bucket(bMeta).Put(kAcked, u64(3)), tx.Bucket(bMeta).Put(kOutLen, u64(2)))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, ids[3:]
}

// patch replaces the first occurrence of old in the file with new.
func patch(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(old))
	if i < 0 {
		t.Fatalf("%q not in the file", old)
	}
	copy(b[i:], new)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// One flipped bit in a pupil's name leaves a file bbolt reads happily: the
// seal of the clean close tells it, the file is refused, and the two meals
// the server had not acknowledged are named.
func TestSealTellsAFlippedBit(t *testing.T) {
	path, unacked := outboxFile(t)
	patch(t, path, "Nome0150", "Nome0151") // '0' → '1': one bit
	_, err := Open(path, Options{})
	var d *Damage
	if !errors.As(err, &d) {
		t.Fatalf("err = %v, want a *Damage", err)
	}
	if !strings.Contains(d.Problems[0], "changed while no kiosk had it open") {
		t.Errorf("problem: %v", d.Problems)
	}
	assertNamed(t, d, unacked)
	// Refused again at the next start: the seal stays.
	if _, err := Open(path, Options{}); !errors.As(err, &d) {
		t.Fatalf("second open: %v", err)
	}
	// Without the seal (a kiosk killed, then the flip), nothing can tell.
	os.Remove(path + ".seal")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("unsealed: %v", err)
	}
	s.Close()
}

// A record that is no longer JSON is found by the file check without a
// seal.
func TestUnreadableRecordRefused(t *testing.T) {
	path, unacked := outboxFile(t)
	os.Remove(path + ".seal")
	patch(t, path, `{"id":"P0150"`, `xx"id":"P0150"`)
	_, err := Open(path, Options{})
	var d *Damage
	if !errors.As(err, &d) {
		t.Fatalf("err = %v, want a *Damage", err)
	}
	if !strings.Contains(strings.Join(d.Problems, "; "), `"pupils"`) && !strings.Contains(strings.Join(d.Problems, "; "), "pupils") {
		t.Errorf("problems: %v", d.Problems)
	}
	assertNamed(t, d, unacked)
}

// A file cut in half (a copy that stopped, a full disk) is refused with a
// clear error: bbolt alone panics in its open ("invalid freelist page") or
// faults later.
func TestTruncatedFileRefused(t *testing.T) {
	for _, frac := range []int{2, 3} {
		path, unacked := outboxFile(t)
		os.Remove(path + ".seal")
		b, _ := os.ReadFile(path)
		psz := int(binary.LittleEndian.Uint32(b[24:]))
		used := int(binary.LittleEndian.Uint64(b[16+40:])) * psz
		if m1 := b[psz+16:]; binary.LittleEndian.Uint64(m1[48:]) > binary.LittleEndian.Uint64(b[16+48:]) {
			used = int(binary.LittleEndian.Uint64(m1[40:])) * psz
		}
		if err := os.Truncate(path, int64(used/frac)); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path, Options{})
		var d *Damage
		if !errors.As(err, &d) {
			t.Fatalf("cut at 1/%d: err = %v, want a *Damage", frac, err)
		}
		if !strings.Contains(err.Error(), "truncated") {
			t.Errorf("cut at 1/%d: %v", frac, err)
		}
		t.Logf("cut at 1/%d: %d of the 2 unacknowledged meals named (partial %v)", frac, len(d.Unacknowledged), d.Partial)
		_ = unacked
	}
}

func assertNamed(t *testing.T, d *Damage, want []string) {
	t.Helper()
	var got []string
	for _, e := range d.Unacknowledged {
		got = append(got, e.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("named %v, want %v", got, want)
	}
	for _, id := range want {
		if !strings.Contains(d.Error(), id) {
			t.Errorf("the error does not name %s: %v", id, d)
		}
	}
}

func TestCheckPassesOnSoundFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	got := make(chan error, 1)
	s, err := Open(path, Options{OnCheck: func(err error) { got <- err }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// A second kiosk process opening the same file gets ErrLocked within the
// lock timeout, not a hang and not an empty database.
func TestSecondProcessLocked(t *testing.T) {
	if p := os.Getenv("MENSAKIOSK_OPEN_CHILD"); p != "" {
		_, err := Open(p, Options{LockTimeout: 300 * time.Millisecond, SkipCheck: true})
		if errors.Is(err, ErrLocked) {
			os.Stdout.WriteString("LOCKED: " + err.Error())
			os.Exit(3)
		}
		os.Stdout.WriteString("OTHER: " + errString(err))
		os.Exit(4)
	}
	s, path := openTemp(t)
	defer s.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcessLocked$")
	cmd.Env = append(os.Environ(), "MENSAKIOSK_OPEN_CHILD="+path)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("child: %v, output %q", err, out)
	}
	if !strings.Contains(string(out), "in use by another kiosk process") {
		t.Errorf("unclear message: %s", out)
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// A page damaged while the kiosk runs (the file is mapped, so a write to
// it shows at once) makes bbolt read far outside the mapping: the read is
// an ErrCorrupt error, not a SIGSEGV that kills the kiosk.
func TestFaultWhileReadingIsAnError(t *testing.T) {
	s, path := openTemp(t)
	var r app.Roster
	for i := range 3000 {
		r.Pupils = append(r.Pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("P%06d", i)), AccountID: "A", FirstName: "Nome", LastName: "Rossi"})
	}
	if err := s.PutRoster(r); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	psz := int(binary.LittleEndian.Uint32(b[24:]))
	// Every leaf page of "pupils" (keys P…, JSON values): its elements'
	// positions pointed a gigabyte away.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for off := 2 * psz; off+psz <= len(b); off += psz {
		p := b[off : off+psz]
		if binary.LittleEndian.Uint16(p[8:]) != leafPageFlag || !bytes.Contains(p, []byte(`{"id":"P0`)) {
			continue
		}
		count := int(binary.LittleEndian.Uint16(p[10:]))
		for i := range count {
			var pos [4]byte
			binary.LittleEndian.PutUint32(pos[:], 1<<30)
			f.WriteAt(pos[:], int64(off+16+i*16+4))
		}
		n++
	}
	f.Close()
	if n == 0 {
		t.Fatal("no pupil page found")
	}
	for _, id := range []app.PupilID{"P000000", "P001500", "P002999"} {
		err := s.View(func(tx app.CanteenTx) error { _, err := tx.Pupil(id); return err })
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("pupil %s: %v, want ErrCorrupt", id, err)
		}
	}
}

// The advice for a damaged file moves kiosk.db aside; its seal, kept so
// that the damaged file is refused at every start, stays beside the path.
// The fresh file made there is another database: the old seal must not
// judge it. Before, a fresh file whose kiosk lost power before its first
// clean close (no seal of its own) was refused at the next start, its
// transaction id being below the old file's.
func TestFreshFileIsNotJudgedByTheSealOfTheFileMovedAside(t *testing.T) {
	path, _ := outboxFile(t)
	patch(t, path, "Nome0150", "Nome0151")
	var d *Damage
	if _, err := Open(path, Options{}); !errors.As(err, &d) {
		t.Fatalf("damaged file: err = %v, want a *Damage", err)
	}
	if err := os.Rename(path, path+".damaged"); err != nil { // as the advice says
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("fresh file: %v", err)
	}
	if err := s.PutRoster(app.Roster{Pupils: []app.Pupil{{ID: "P1", AccountID: "A", FirstName: "Anna", LastName: "Bianchi"}}}); err != nil {
		t.Fatal(err)
	}
	// Power lost: bbolt's file is consistent, but no seal is written.
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("the fresh file after a power cut was refused: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// A sealed file compacted with bbolt's tool (`bbolt compact -o new old`,
// then the new file moved into place) is the same data in a new file whose
// transaction ids start again: the old file's seal must not judge it.
// Before, it was refused as having lost its last transaction.
func TestCompactedFileIsNotJudgedByTheOldFilesSeal(t *testing.T) {
	path, _ := outboxFile(t)
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := bolt.Open(path+".compact", 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bolt.Compact(dst, src, 0); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(dst.Close(), src.Close()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".compact", path); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("the compacted file was refused: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
