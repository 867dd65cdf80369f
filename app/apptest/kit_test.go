package apptest_test

import (
	"slices"
	"testing"

	"mensakiosk/app/apptest"
)

// TestKitStaysOutOfBinaries: the fakes (and storagetest) are for tests; no
// program links them, whatever its build tags. (-e: without cgo the GL
// driver's package does not build, and its importers are listed all the
// same.)
func TestKitStaysOutOfBinaries(t *testing.T) {
	for _, tags := range []string{"", "ci,migrated_fynedo", "demo,migrated_fynedo", "e2e,migrated_fynedo"} {
		pkgs := apptest.GoList(t, "-e", "-deps", "-tags", tags, "mensakiosk/cmd/...")
		if !slices.Contains(pkgs, "mensakiosk/app") {
			t.Fatalf("go list -tags %q does not list mensakiosk/app among the programs' packages: %q", tags, pkgs)
		}
		for _, kit := range []string{"mensakiosk/app/apptest", "mensakiosk/storage/storagetest"} {
			if slices.Contains(pkgs, kit) {
				t.Errorf("a program built with tags %q links %s", tags, kit)
			}
		}
	}
}
