package apptest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestKitStaysOutOfBinaries: the fakes (and storagetest) are for tests; no
// program links them, whatever its build tags. (-e: without cgo the GL
// driver's package does not build, and its importers are listed all the
// same.)
func TestKitStaysOutOfBinaries(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the programs' packages: %v", err)
	}
	for _, tags := range []string{"", "ci,migrated_fynedo", "demo,migrated_fynedo", "e2e,migrated_fynedo"} {
		out, err := exec.Command(gobin, "list", "-e", "-deps", "-tags", tags, "mensakiosk/cmd/...").Output()
		if err != nil {
			t.Fatalf("go list -tags %q: %v", tags, err)
		}
		if !strings.Contains(string(out), "mensakiosk/app\n") {
			t.Fatalf("go list -tags %q does not list mensakiosk/app among the programs' packages:\n%s", tags, out)
		}
		for line := range strings.Lines(string(out)) {
			if pkg := strings.TrimSpace(line); pkg == "mensakiosk/app/apptest" || pkg == "mensakiosk/storage/storagetest" {
				t.Errorf("a program built with tags %q links %s", tags, pkg)
			}
		}
	}
}
