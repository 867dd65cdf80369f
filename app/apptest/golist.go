package apptest

import (
	"os/exec"
	"strings"
	"testing"
)

// GoList runs `go list` with args in the test's package directory and
// returns the packages it prints, one per line, each line's first field
// ("mensakiosk/ui [mensakiosk/ui.test]" gives "mensakiosk/ui"): for the
// tests that check which rooms a package or a program may enter.
func GoList(tb testing.TB, args ...string) []string {
	tb.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("the go command is needed to list packages: %v", err)
	}
	out, err := exec.Command(gobin, append([]string{"list"}, args...)...).Output()
	if err != nil {
		tb.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	var pkgs []string
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 {
			pkgs = append(pkgs, f[0])
		}
	}
	return pkgs
}
