package server

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvbolt"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgstore"
	"mensakiosk/internal/pgtest"
)

// The store the package's tests run on, by MENSAKIOSK_TEST_STORE:
//
//   - unset: bbolt, the file in the data directory;
//   - postgres: PostgreSQL, a fresh database per data directory;
//   - bbolt-rerun: bbolt, every Update's function run twice, the first
//     run rolled back, as PostgreSQL reruns a transaction after a
//     serialization conflict with another server: a function that does not
//     reset what it computes at its top shows here, deterministically.
//
// The same tests run on each (make test runs all three): they open their
// servers with openTest (not Open), and a second server on the same store
// with openBeside.

// TestStoreEnv names the store the tests run on.
const TestStoreEnv = "MENSAKIOSK_TEST_STORE"

func TestMain(m *testing.M) { pgtest.Main(m) }

func testOnPostgres() bool { return os.Getenv(TestStoreEnv) == "postgres" }

func testRerun() bool { return os.Getenv(TestStoreEnv) == "bbolt-rerun" }

// skipOnPostgres skips a test about bbolt's file itself (its bytes, its
// lock) when the tests run on PostgreSQL.
func skipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if testOnPostgres() {
		t.Skip("bbolt only: " + why)
	}
}

// pgOpenTenant opens the default Comune of the PostgreSQL database dsn,
// with a connection pool of its own (a server process's).
func pgOpenTenant(dsn string) (kv.DB, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return pgstore.OpenTenant(ctx, dsn, pgstore.DefaultTenant, kvpg.Options{})
}

// The PostgreSQL database of each data directory a test opened.
var (
	pgDSNsMu sync.Mutex
	pgDSNs   = map[string]string{}
)

// pgDSNFor is the database of data directory dir: a fresh one (dropped at
// the test's end) the first time, the same one after, as Open opens the
// same file again.
func pgDSNFor(t testing.TB, dir string) string {
	t.Helper()
	pgDSNsMu.Lock()
	dsn, ok := pgDSNs[dir]
	pgDSNsMu.Unlock()
	if ok {
		return dsn
	}
	dsn = pgtest.NewDBFrom(t, pgtest.Template(t, "kv", pgstore.Migrate))
	pgDSNsMu.Lock()
	pgDSNs[dir] = dsn
	pgDSNsMu.Unlock()
	t.Cleanup(func() {
		pgDSNsMu.Lock()
		delete(pgDSNs, dir)
		pgDSNsMu.Unlock()
	})
	return dsn
}

// openTest is Open on the tests' store: bbolt's file in dir, or the
// PostgreSQL database of dir (pgDSNFor) with dir as the data directory.
func openTest(t testing.TB, dir string, opts Options) (*Server, error) {
	t.Helper()
	if testRerun() {
		return openRerun(dir, opts)
	}
	if !testOnPostgres() {
		return Open(dir, opts)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := pgOpenTenant(pgDSNFor(t, dir))
	if err != nil {
		return nil, err
	}
	s, err := OpenStore(db, dir, opts)
	if err != nil {
		db.Close()
	}
	return s, err
}

// openBeside opens a second server on s's store, as a second server
// process on one database: on PostgreSQL its own connection to the same
// database; on bbolt (one process per file) the same open file. Its data
// directory is its own. It is closed at the test's end.
func openBeside(t testing.TB, s *Server, opts Options) *Server {
	t.Helper()
	var db kv.DB
	switch {
	case testOnPostgres():
		var err error
		if db, err = pgOpenTenant(pgDSNFor(t, s.dataDir)); err != nil {
			t.Fatal(err)
		}
	case testRerun():
		db = rerunDB{sharedBolt{kvbolt.New(s.bolt)}}
	default:
		db = sharedBolt{kvbolt.New(s.bolt)}
	}
	b, err := OpenStore(db, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// sharedBolt is a bbolt file shared by two Servers: the first one's Close
// closes it.
type sharedBolt struct{ *kvbolt.DB }

func (sharedBolt) Close() error { return nil }

// newEnvBeside is an env serving a second server on e's store (openBeside).
func newEnvBeside(e *env) *env {
	e.t.Helper()
	b := &env{t: e.t, dir: e.dir, clock: e.clock, http: e.http}
	b.s = openBeside(e.t, e.s, Options{Clock: e.clock})
	b.dir = b.s.dataDir
	b.serve()
	e.t.Cleanup(b.stop) // before b.s closes (cleanups run last first)
	return b
}

// storeBytes is what the store keeps of data directory dir's database, as
// an attacker holding it would read it: bbolt's file (freed pages too), or
// PostgreSQL's plain dump of the database (pg_dump). Its server must be
// closed.
func storeBytes(t testing.TB, dir string) []byte {
	t.Helper()
	if !testOnPostgres() {
		raw, err := os.ReadFile(filepath.Join(dir, DBFile))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	bin, err := pgtest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--no-owner", "-d", pgDSNFor(t, dir)).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}

// storeHolds tells whether the store of dir keeps secret in clear: as
// bytes, or (PostgreSQL's dump writes bytea in hex) as their hex.
func storeHolds(t testing.TB, dir string, secret []byte) bool {
	t.Helper()
	raw := storeBytes(t, dir)
	return bytes.Contains(raw, secret) || bytes.Contains(bytes.ToLower(raw), []byte(hex.EncodeToString(secret)))
}

// backupStore takes a backup of s's database, the server running, and
// returns what puts it back, with the server stopped: bbolt's backup
// (Backup, WriteBackup) copied over the file, or on PostgreSQL pg_dump, and
// pg_restore into the database emptied (its schema dropped: pg_restore
// --clean cannot drop kvpg's partitioned table), as an operator restores.
func backupStore(t testing.TB, s *Server) (putBack func()) {
	t.Helper()
	dir := s.dataDir
	copyPath := filepath.Join(t.TempDir(), "backup")
	if !testOnPostgres() {
		if _, err := WriteBackup(copyPath, s.Backup); err != nil {
			t.Fatal(err)
		}
		return func() {
			data, err := os.ReadFile(copyPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, DBFile), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Backup(io.Discard); !errors.Is(err, ErrBackupNotFile) {
		t.Fatalf("Backup on PostgreSQL: %v, want ErrBackupNotFile", err)
	}
	bin, err := pgtest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	dsn := pgDSNFor(t, dir)
	if out, err := exec.Command(filepath.Join(bin, "pg_dump"), "-Fc", "--no-owner", "-f", copyPath, "-d", dsn).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v: %s", err, out)
	}
	return func() {
		if out, err := exec.Command(filepath.Join(bin, "psql"), "-v", "ON_ERROR_STOP=1", "-q", "-d", dsn,
			"-c", "DROP SCHEMA public CASCADE", "-c", "CREATE SCHEMA public").CombinedOutput(); err != nil {
			t.Fatalf("psql: %v: %s", err, out)
		}
		if out, err := exec.Command(filepath.Join(bin, "pg_restore"), "--exit-on-error", "--no-owner", "-d", dsn, copyPath).CombinedOutput(); err != nil {
			t.Fatalf("pg_restore: %v: %s", err, out)
		}
	}
}

// rerunDB runs every Update's function twice: the first run's writes are
// rolled back, as after a serialization conflict (bbolt-rerun).
type rerunDB struct{ kv.DB }

var errRerun = errors.New("rolled back, to run again")

func (r rerunDB) Update(fn func(kv.Tx) error) error {
	err := r.DB.Update(func(tx kv.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRerun
	})
	if !errors.Is(err, errRerun) {
		return err
	}
	return r.DB.Update(fn)
}

// openRerun is Open with every Update run twice.
func openRerun(dir string, opts Options) (*Server, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, &bolt.Options{Timeout: opts.LockTimeout, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, ErrInUse
	}
	if err != nil {
		return nil, err
	}
	s, err := OpenStore(rerunDB{kvbolt.New(db)}, dir, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.bolt, s.path = db, filepath.Join(dir, DBFile) // the file's own operations (backup)
	return s, nil
}
