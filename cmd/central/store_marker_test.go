package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mensakiosk/central/server"
	"mensakiosk/internal/pgtest"
)

// TestCommandsRefuseAPostgresDataDirectoryWithoutConfig: once a command or
// a server has opened PostgreSQL with a data directory, that directory
// names its store (server.StoreKindFile, without the database's address),
// and serve and every command run there without -config refuse it, saying
// to pass -config, instead of opening (and creating) an empty bbolt file
// beside it; with -config they work. The same for a Comune's directory in
// a service of many.
func TestCommandsRefuseAPostgresDataDirectoryWithoutConfig(t *testing.T) {
	dsn := pgtest.NewDB(t)
	dir, files := t.TempDir(), t.TempDir()
	cfg := writeJSONFile(t, files, "central.json", map[string]any{"data": dir, "store": map[string]string{"postgres": dsn}})
	roster := writeJSONFile(t, files, "roster.json", comuneRoster("Alfa"))
	runOK := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("central %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	if out := runOK("import", "-config", cfg, roster); !strings.Contains(out, "4 inserted") {
		t.Fatalf("import on PostgreSQL: %s", out)
	}
	marker, err := os.ReadFile(filepath.Join(dir, server.StoreKindFile))
	if err != nil || !strings.HasPrefix(string(marker), server.StoreKindPostgres+"\n") || strings.Contains(string(marker), dsn) ||
		strings.Contains(string(marker), "127.0.0.1") {
		t.Fatalf("the data directory's marker: %q %v", marker, err)
	}
	refused := func(dir string, args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "-config FILE") ||
			!strings.Contains(stderr.String(), "postgres") {
			t.Errorf("central %s without -config: exit %d, stderr %q; want a refusal saying to pass -config", strings.Join(args, " "), code, stderr.String())
		}
		if _, err := os.Stat(filepath.Join(dir, server.DBFile)); err == nil {
			t.Fatalf("central %s without -config made %s", args[0], server.DBFile)
		}
	}
	// serve, the real binary (without the refusal it would serve on).
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	serve := exec.CommandContext(ctx, binary(t), "serve", "-addr", "127.0.0.1:0", "-data", dir)
	serve.Stderr = &stderr
	if err := serve.Run(); err == nil || ctx.Err() != nil || !strings.Contains(stderr.String(), "-config FILE") {
		t.Errorf("serve without -config: %v, stderr %q; want a refusal saying to pass -config", err, stderr.String())
	}
	for _, args := range [][]string{
		{"import", "-data", dir, roster},
		{"token", "-data", dir, "-kiosk", "k1", "-role", "canteen"},
		{"status", "-data", dir},
		{"alarms", "-data", dir},
		{"report", "-data", dir},
		{"notices", "-data", dir, "-account", "A1"},
		{"certificates", "-data", dir, "-year", "2025", "-out", t.TempDir()},
		{"backup", "-data", dir, "-out", filepath.Join(t.TempDir(), "b.db")},
		{"restored", "-data", dir},
	} {
		refused(dir, args...)
	}
	if out := runOK("status", "-config", cfg); !strings.Contains(out, `"pupils": 2`) {
		t.Errorf("status with -config: %s", out)
	}

	// A service of many Comuni: each Comune's directory.
	many, mfiles := t.TempDir(), t.TempDir()
	mcfg := writeJSONFile(t, mfiles, "central.json", map[string]any{"data": many, "store": map[string]string{"postgres": dsn},
		"comuni": map[string]ComuneConfig{"A001": {}, "B002": {}}})
	runOK("token", "-config", mcfg, "-comune", "B002", "-kiosk", "k1", "-role", "canteen")
	refused(comuneDataDir(many, "B002"), "token", "-data", many, "-comune", "B002", "-kiosk", "k1", "-role", "canteen")
	refused(comuneDataDir(many, "B002"), "status", "-data", many, "-comune", "B002")
}
