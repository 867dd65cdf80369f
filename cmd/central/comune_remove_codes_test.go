package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"mensakiosk/central/server"
	"mensakiosk/internal/pgtest"
)

// TestRemoveComuneTakesACodeLiterally: remove-comune looks the Comune up
// by its exact code, as data, never as a pattern or as SQL: a code that
// is a LIKE pattern, SQL, a path to another Comune's directory, another
// case or spacing of a Comune's code, even confirmed, removes nothing and
// says that the database holds no such Comune, naming those it holds; an
// empty code is a usage error.
func TestRemoveComuneTakesACodeLiterally(t *testing.T) {
	dsn := pgtest.NewDB(t)
	dir, files := t.TempDir(), t.TempDir()
	store := map[string]string{"postgres": dsn}
	both := writeJSONFile(t, files, "both.json", map[string]any{"data": dir, "store": store,
		"comuni": map[string]ComuneConfig{"A001": {}, "B002": {}}})
	none := writeJSONFile(t, files, "none.json", map[string]any{"data": dir, "store": store,
		"comuni": map[string]ComuneConfig{"C003": {}}})
	roster := writeJSONFile(t, files, "roster.json", comuneRoster("X"))
	central := func(args ...string) (stdout, stderr string, code int) {
		var o, e bytes.Buffer
		code = run(args, &o, &e)
		return o.String(), e.String(), code
	}
	for _, code := range []string{"A001", "B002"} {
		if out, errOut, exit := central("import", "-config", both, "-comune", code, roster); exit != 0 {
			t.Fatalf("import into %s: %s %s", code, out, errOut)
		}
	}
	pupils := func(code string) int {
		t.Helper()
		out, errOut, exit := central("status", "-config", both, "-comune", code)
		var c server.Counts
		if exit != 0 || json.Unmarshal([]byte(out), &c) != nil {
			t.Fatalf("status of %s: %d %s %s", code, exit, out, errOut)
		}
		return c.Pupils
	}
	a0, b0 := pupils("A001"), pupils("B002")
	if a0 == 0 || b0 == 0 {
		t.Fatalf("the Comuni's rosters: %d, %d pupils", a0, b0)
	}
	for _, code := range []string{"%", "A00%", "_001", "A001' OR '1'='1", "A001'; DROP TABLE kv; --", `A001"`,
		"../comuni/B002", "a001", "A001 ", " A001", "*"} {
		out, errOut, exit := central("remove-comune", "-config", none, "-comune", code, "-confirm", code)
		if exit == 0 || !strings.Contains(errOut, "no Comune") || !strings.Contains(errOut, "A001, B002") || strings.Contains(out, "removed") {
			t.Errorf("remove-comune %q: exit %d, %s%s; want: no such Comune, nothing removed", code, exit, out, errOut)
		}
	}
	if _, _, exit := central("remove-comune", "-config", none, "-comune", "", "-confirm", ""); exit != 2 {
		t.Errorf("remove-comune with an empty code: exit %d, want a usage error", exit)
	}
	if a, b := pupils("A001"), pupils("B002"); a != a0 || b != b0 {
		t.Errorf("after the refusals: A %d pupils (before %d), B %d (before %d)", a, a0, b, b0)
	}
}
