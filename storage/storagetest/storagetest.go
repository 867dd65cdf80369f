// Package storagetest opens kiosk stores for tests, as bbolt's own
// internal/btesting does for bbolt: a real bbolt file in the test's
// temporary directory, closed when the test ends.
package storagetest

import (
	"path/filepath"
	"testing"

	"mensakiosk/storage"
)

// Open opens a new store, kiosk.db in a temporary directory of tb, without
// the open-time file check (a new file has nothing to check). The store is
// closed when tb ends; a test may close it before (to reopen the file): a
// second Close changes nothing.
func Open(tb testing.TB) *storage.Store {
	tb.Helper()
	return OpenPath(tb, filepath.Join(tb.TempDir(), "kiosk.db"), storage.Options{SkipCheck: true})
}

// OpenPath opens the store at path with opts, closed when tb ends: a test
// that reopens a file it made, or wants the file check.
func OpenPath(tb testing.TB, path string, opts storage.Options) *storage.Store {
	tb.Helper()
	s, err := storage.Open(path, opts)
	if err != nil {
		tb.Fatalf("open the kiosk store %s: %v", path, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
