package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"mensakiosk/internal/centraltest"
	"mensakiosk/internal/pgtest"
)

// The tests that need PostgreSQL get a throwaway cluster (internal/pgtest).
func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPostgresTwoServersAndCommands: with "store": {"postgres": …} in the
// settings file, two `central serve` processes share one database, a
// kiosk pushes and pulls through either, and every administration command
// works beside them, opening the database itself (no admin socket needed);
// `central restored` run beside them resets every kiosk's next pull at
// both; backup points to pg_dump.
func TestPostgresTwoServersAndCommands(t *testing.T) {
	bin := binary(t)
	dsn := pgtest.NewDB(t)
	cfg := writeConfig(t, `{"store": {"postgres": "`+dsn+`"}}`)
	dirA, token := setup(t, bin, "-config", cfg) // import and token before any server runs
	dirB := t.TempDir()
	a := start(t, bin, dirA, "-config", cfg)
	b := start(t, bin, dirB, "-config", cfg)

	// Pushes through either server, in turn.
	k := newKiosk(token)
	k.add(40)
	for i := 0; len(k.pending) > 0; i++ {
		addr := []string{a.Addr, b.Addr}[i%2]
		if err := k.push(addr, 7); err != nil {
			t.Fatalf("push through %s: %v", addr, err)
		}
	}
	// A pull through one, its cursor's delta through the other.
	first, code := pullAll(t, a.Addr, token, "")
	if code != 200 || !first.Reset || len(first.Pupils) != nPupils {
		t.Fatalf("first pull through A: %d, reset %v, %d pupils", code, first.Reset, len(first.Pupils))
	}
	roster := filepath.Join(t.TempDir(), "pupil.json")
	os.WriteFile(roster, []byte(`{"pupils":[{"id":"P-new","account_id":"A0","first_name":"F","last_name":"L","meal_price":300}]}`), 0o600)
	// The commands, both servers running, any data directory.
	cmd := func(args ...string) string {
		t.Helper()
		stdout, stderr, err := runCmd(t, bin, withConfig(args, cfg)...)
		if err != nil {
			t.Fatalf("central %s: %v\n%s%s", args[0], err, stdout, stderr)
		}
		return stdout
	}
	if out := cmd("import", "-data", dirB, roster); !strings.Contains(out, "1 inserted") {
		t.Fatalf("import beside the servers: %s", out)
	}
	delta, code := pullAll(t, b.Addr, token, first.Cursor)
	if code != 200 || delta.Reset || len(delta.Pupils) != 1 {
		t.Fatalf("delta through B of A's cursor: %d, reset %v, %d pupils", code, delta.Reset, len(delta.Pupils))
	}
	var st struct {
		Pupils, Events, MealsCharged, Alarms int
	}
	if err := json.Unmarshal([]byte(cmd("status", "-data", dirA)), &st); err != nil {
		t.Fatal(err)
	}
	if st.Pupils != nPupils+1 || st.Events != 40 || st.Alarms != 0 {
		t.Fatalf("status beside the servers: %+v, want %d pupils, 40 events, no alarm", st, nPupils+1)
	}
	for _, c := range [][]string{
		{"alarms", "-data", dirA}, {"review", "-data", dirB}, {"kiosks", "-data", dirA}, {"audit", "-data", dirA},
		{"report", "-data", dirB}, {"message", "-data", dirA, "-to", "all", "-title", "Menu"}, {"messages", "-data", dirB},
		{"notices", "-data", dirA, "-account", "A0"}, {"refund", "-data", dirB, "-account", "A0", "-amount", "100", "-reason", "test", "-id", "r1"},
		{"certificates", "-data", dirA, "-year", "2025", "-out", t.TempDir()}, {"revoke", "-data", dirB, "-kiosk", "nobody-yet"},
	} {
		stdout, stderr, err := runCmd(t, bin, withConfig(c, cfg)...)
		if err != nil && !(c[0] == "revoke" && strings.Contains(stderr, "has no token")) {
			t.Errorf("central %s beside the servers: %v\n%s%s", c[0], err, stdout, stderr)
		}
	}
	// Restored, the servers running: both give the old cursor a reset.
	if out := cmd("restored", "-data", dirB); !strings.Contains(out, "marked restored") {
		t.Fatalf("restored: %s", out)
	}
	for _, addr := range []string{a.Addr, b.Addr} {
		if p, code := pullAll(t, addr, token, delta.Cursor); code != 200 || !p.Reset {
			t.Fatalf("pull through %s after restored: %d, reset %v", addr, code, p.Reset)
		}
	}
	// Backup: PostgreSQL's own tools.
	if _, stderr, err := runCmd(t, bin, "backup", "-config", cfg, "-data", dirA, "-out", filepath.Join(t.TempDir(), "b")); err == nil || !strings.Contains(stderr, "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %v %s", err, stderr)
	}
	for _, c := range []*centraltest.Process{a, b} {
		c.Cmd.Process.Signal(syscall.SIGINT)
		if err := c.Wait(); err != nil {
			t.Fatalf("exit after SIGINT: %v", err)
		}
	}
}

// withConfig puts -config FILE right after the command's name (flags stop
// at the first file name).
func withConfig(args []string, cfg string) []string {
	return append([]string{args[0], "-config", cfg}, args[1:]...)
}
