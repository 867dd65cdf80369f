package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes a settings file and returns its path.
func writeConfig(t *testing.T, json string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "central.json")
	if err := os.WriteFile(path, []byte(json), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStoreConfigRefusesNoDatabase: a "store" naming no database, or with
// an unknown key, is refused by serve and by the commands, before anything
// is opened or created.
func TestStoreConfigRefusesNoDatabase(t *testing.T) {
	for _, c := range []struct{ name, json, want string }{
		{"empty", `{"store": {}}`, `"store" names no database`},
		{"blank", `{"store": {"postgres": "  "}}`, `"store" names no database`},
		{"unknown key", `{"store": {"postgress": "postgres://x/y"}}`, `unknown field "postgress"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			cfg := writeConfig(t, c.json)
			for _, args := range [][]string{
				{"serve", "-config", cfg, "-data", dir},
				{"status", "-config", cfg, "-data", dir},
				{"import", "-config", cfg, "-data", dir, cfg},
				{"backup", "-config", cfg, "-data", dir, "-out", filepath.Join(dir, "b")},
				{"restored", "-config", cfg, "-data", dir},
			} {
				var stdout, stderr bytes.Buffer
				if code := run(args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), c.want) {
					t.Errorf("%s: exit %d, stderr %q; want a failure saying %q", args[0], code, stderr.String(), c.want)
				}
				if _, err := os.Stat(dir); err == nil {
					t.Errorf("%s: the data directory was made", args[0])
				}
			}
		})
	}
}

// TestBackupOnPostgresPointsToPgDump: `central backup` with a PostgreSQL
// store writes nothing and exits non-zero, saying how such a database is
// backed up (pg_dump, point-in-time recovery) and what to run after a
// restore.
func TestBackupOnPostgresPointsToPgDump(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "copy.db")
	cfg := writeConfig(t, `{"store": {"postgres": "postgres://central@127.0.0.1:1/mensa"}}`)
	var stdout, stderr bytes.Buffer
	code := run([]string{"backup", "-config", cfg, "-data", dir, "-out", out}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"PostgreSQL", "pg_dump", "point-in-time", "central restored"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a backup file was written")
	}
}
