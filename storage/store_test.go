package storage

import (
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
	s, err := Open(path, Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	return s, path
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

// A corrupt page is found by the background consistency check and
// reported, without delaying Open.
func TestCorruptFileReportedByCheck(t *testing.T) {
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

	got := make(chan error, 1)
	s2, err := Open(path, Options{OnCheck: func(err error) { got <- err }})
	if err != nil {
		// Some corruptions are caught at open already: also a clear error.
		t.Logf("caught at open: %v", err)
		return
	}
	defer s2.Close()
	select {
	case err := <-got:
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("check: %v, want ErrCorrupt", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("check never reported")
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
