package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"mensakiosk/central/server"
	"mensakiosk/internal/pgtest"
)

// TestRemoveComuneOnPostgres: a Comune that leaves a service on
// PostgreSQL. remove-comune refuses while the settings still name it,
// while a server on this machine serves it, and until the code is repeated
// (-confirm), saying to pg_dump first and removing nothing; then it
// removes the Comune's data and nothing of the other Comune's. It refuses
// the one Comune of a service and a bbolt store.
func TestRemoveComuneOnPostgres(t *testing.T) {
	dsn := pgtest.NewDB(t)
	dir, files := t.TempDir(), t.TempDir()
	store := map[string]string{"postgres": dsn}
	both := writeJSONFile(t, files, "both.json", map[string]any{"addr": "127.0.0.1:0", "data": dir, "store": store,
		"comuni": map[string]ComuneConfig{"A001": {}, "B002": {}}})
	onlyB := writeJSONFile(t, files, "only-b.json", map[string]any{"data": dir, "store": store,
		"comuni": map[string]ComuneConfig{"B002": {}}})
	roster := writeJSONFile(t, files, "roster.json", comuneRoster("X"))
	central := func(args ...string) (stdout, stderr string, code int) {
		var o, e bytes.Buffer
		code = run(args, &o, &e)
		return o.String(), e.String(), code
	}
	status := func(config, code string) server.Counts {
		t.Helper()
		out, errOut, exit := central("status", "-config", config, "-comune", code)
		var c server.Counts
		if exit != 0 || json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("status of %s: %d %s %s", code, exit, out, errOut)
		}
		return c
	}
	for _, code := range []string{"A001", "B002"} {
		if out, errOut, exit := central("import", "-config", both, "-comune", code, roster); exit != 0 {
			t.Fatalf("import into %s: %s %s", code, out, errOut)
		}
		if _, errOut, exit := central("token", "-config", both, "-comune", code, "-kiosk", "k1", "-role", "canteen"); exit != 0 {
			t.Fatalf("token in %s: %s", code, errOut)
		}
	}
	b0 := status(both, "B002")

	refused := func(want string, args ...string) {
		t.Helper()
		out, errOut, exit := central(append([]string{"remove-comune"}, args...)...)
		if exit == 0 || !strings.Contains(errOut, want) {
			t.Errorf("remove-comune %s: exit %d, %s%s; want a refusal saying %q", strings.Join(args, " "), exit, out, errOut, want)
		}
		if c := status(both, "A001"); c.Pupils != 2 || c.Tokens != 1 {
			t.Fatalf("A after a refused removal: %+v", c)
		}
	}
	refused("still in the \"comuni\"", "-config", both, "-comune", "A001", "-confirm", "A001")
	refused("pg_dump", "-config", onlyB, "-comune", "A001")
	refused("-confirm A001", "-config", onlyB, "-comune", "A001", "-confirm", "a001")
	refused("no Comune \"Z999\"", "-config", onlyB, "-comune", "Z999", "-confirm", "Z999")
	// A server on this machine still serving A (the old settings).
	srv := start(t, binary(t), dir, "-config", both)
	refused("still serves Comune A001", "-config", onlyB, "-comune", "A001", "-confirm", "A001")
	srv.Terminate(t)

	out, errOut, exit := central("remove-comune", "-config", onlyB, "-comune", "A001", "-confirm", "A001")
	if exit != 0 || !strings.Contains(out, "Comune A001 removed") || !strings.Contains(out, "is left") {
		t.Fatalf("remove-comune: %d %s %s", exit, out, errOut)
	}
	if _, errOut, exit := central("remove-comune", "-config", onlyB, "-comune", "A001", "-confirm", "A001"); exit == 0 || !strings.Contains(errOut, "no Comune") {
		t.Errorf("removed twice: %d %s", exit, errOut)
	}
	if b := status(onlyB, "B002"); b.Pupils != b0.Pupils || b.Tokens != b0.Tokens || b.Revision != b0.Revision {
		t.Errorf("B after A's removal: %+v, before %+v", b, b0)
	}
	// Named again, A starts empty: its data is gone.
	if a := status(both, "A001"); a.Pupils != 0 || a.Tokens != 0 {
		t.Errorf("A named again after its removal: %+v", a)
	}

	// One Comune's service (the default tenant), and bbolt.
	one := writeJSONFile(t, files, "one.json", map[string]any{"data": t.TempDir(), "store": store})
	if _, errOut, exit := central("remove-comune", "-config", one, "-comune", "default", "-confirm", "default"); exit == 0 || !strings.Contains(errOut, "one Comune") {
		t.Errorf("removing a service's one Comune: %d %s", exit, errOut)
	}
	bolt := writeJSONFile(t, files, "bolt.json", map[string]any{"data": t.TempDir(), "comuni": map[string]ComuneConfig{"B002": {}}})
	if _, errOut, exit := central("remove-comune", "-config", bolt, "-comune", "A001", "-confirm", "A001"); exit == 0 || !strings.Contains(errOut, "bbolt") {
		t.Errorf("remove-comune on bbolt: %d %s", exit, errOut)
	}
	if _, _, exit := central("remove-comune", "-comune", "A001"); exit != 2 {
		t.Errorf("remove-comune without -config: exit %d", exit)
	}
}
