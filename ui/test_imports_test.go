package ui

import (
	"os/exec"
	"strings"
	"testing"
)

// testForbidden are the packages the ui tests must not link: a screen
// needs only the interfaces app defines, and its tests give it the real use
// cases over app/apptest's fakes, not a bbolt file, PIN hashing or the
// reference server (docs/architecture.md).
var testForbidden = []string{"mensakiosk/storage", "mensakiosk/central", "mensakiosk/internal/netfault"}

// TestUITestsUseFakes lists what the ui package's tests link (go list
// -test -deps) and fails on storage, central (its client, pinhash, the
// server) or the fault proxy.
func TestUITestsUseFakes(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the tests' packages: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-test", "-deps", "-tags", "ci,migrated_fynedo", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for line := range strings.Lines(string(out)) {
		pkg, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if pkg == "mensakiosk/app/apptest" {
			seen++
		}
		for _, f := range testForbidden {
			if pkg == f || strings.HasPrefix(pkg, f+"/") {
				t.Errorf("the ui tests link %s: give the screen apptest's fakes instead", pkg)
			}
		}
	}
	if seen == 0 {
		t.Errorf("go list does not show mensakiosk/app/apptest among the ui tests' packages:\n%s", out)
	}
}
