package server

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenRefusesADataDirectoryMarkedPostgres: Open (bbolt) refuses a data
// directory marked as a PostgreSQL service's, creating nothing, with an
// error that says to pass -config; an unmarked directory and one marked
// bbolt open; marking again rewrites nothing.
func TestOpenRefusesADataDirectoryMarkedPostgres(t *testing.T) {
	dir := t.TempDir()
	if err := MarkStoreKind(dir, StoreKindPostgres); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, StoreKindFile)
	fi, err := os.Stat(marker)
	if err != nil {
		t.Fatal(err)
	}
	if err := MarkStoreKind(dir, StoreKindPostgres); err != nil {
		t.Fatal(err)
	}
	if again, err := os.Stat(marker); err != nil || !again.ModTime().Equal(fi.ModTime()) || again.Size() != fi.Size() {
		t.Errorf("marked twice: %v %v", again, err)
	}
	s, err := Open(dir, Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open took a directory marked postgres")
	}
	if !errors.Is(err, ErrStoreElsewhere) || !strings.Contains(err.Error(), "-config FILE") || !strings.Contains(err.Error(), marker) {
		t.Errorf("Open's refusal: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("Open left %d files in the directory", len(entries))
	}

	for _, setup := range []func(dir string) error{
		func(string) error { return nil },
		func(dir string) error { return MarkStoreKind(dir, "bbolt") },
	} {
		dir := t.TempDir()
		if err := setup(dir); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		s.Close()
	}
}
