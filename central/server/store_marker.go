package server

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A data directory whose data is not in its bbolt file says so. A server
// on PostgreSQL keeps its data directory (the access codes' key, the admin
// socket) but not its data there: a command run on it without the settings
// file (-config) that names the database would otherwise open — and
// create — an empty central.db beside it, and show, import or make tokens
// in a database no server reads. So whoever opens the directory on
// PostgreSQL leaves the file StoreKindFile in it, naming the kind of store
// (never its address or password), and Open refuses a directory that names
// a store other than bbolt.

// StoreKindFile is the marker's name inside a data directory.
const StoreKindFile = "store-kind"

// StoreKindPostgres is the marker's kind for a PostgreSQL store.
const StoreKindPostgres = "postgres"

// ErrStoreElsewhere is Open's error on a data directory marked as another
// store's.
var ErrStoreElsewhere = errors.New("the service's data is not in a bbolt file here")

// MarkStoreKind records in dataDir that its data is in a store of kind
// (StoreKindPostgres); it rewrites nothing that already says so.
func MarkStoreKind(dataDir, kind string) error {
	path := filepath.Join(dataDir, StoreKindFile)
	if got, err := readStoreKind(path); err == nil && got == kind {
		return nil
	}
	text := kind + "\n" +
		"# This data directory belongs to a MensaKiosk central service whose data is in " + kind + ",\n" +
		"# named by the \"store\" of its settings file. Run central with -config FILE, always:\n" +
		"# without it, central refuses this directory rather than start an empty bbolt file here.\n"
	tmp, err := os.CreateTemp(dataDir, StoreKindFile+".*")
	if err != nil {
		return fmt.Errorf("store marker: %w", err)
	}
	_, werr := tmp.WriteString(text)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("store marker: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("store marker: %w", err)
	}
	return nil
}

// CheckStoreKind refuses, with ErrStoreElsewhere, a data directory whose
// marker names a store other than bbolt; a directory without a marker is
// bbolt's.
func CheckStoreKind(dataDir string) error {
	path := filepath.Join(dataDir, StoreKindFile)
	kind, err := readStoreKind(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("store marker: %w", err)
	case kind == "bbolt":
		return nil
	}
	return fmt.Errorf("%w: %s is the data directory of a service on %s (%s says so): pass the service's settings file, -config FILE, whose \"store\" names the database "+
		"(if this service went back to a bbolt file on purpose, remove %s)", ErrStoreElsewhere, dataDir, safeKind(kind), path, path)
}

// readStoreKind is the marker's first line.
func readStoreKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("%s: empty", path)
	}
	return strings.TrimSpace(line), nil
}

// safeKind is a marker's kind for a message: short and printable.
func safeKind(kind string) string {
	if len(kind) > 32 || strings.ContainsFunc(kind, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "another store"
	}
	return kind
}
