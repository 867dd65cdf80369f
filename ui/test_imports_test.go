package ui

import (
	"strings"
	"testing"

	"mensakiosk/app/apptest"
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
	pkgs := apptest.GoList(t, "-test", "-deps", "-tags", "ci,migrated_fynedo", ".")
	seen := false
	for _, pkg := range pkgs {
		seen = seen || pkg == "mensakiosk/app/apptest"
		for _, f := range testForbidden {
			if pkg == f || strings.HasPrefix(pkg, f+"/") {
				t.Errorf("the ui tests link %s: give the screen apptest's fakes instead", pkg)
			}
		}
	}
	if !seen {
		t.Errorf("go list does not show mensakiosk/app/apptest among the ui tests' packages: %q", pkgs)
	}
}
