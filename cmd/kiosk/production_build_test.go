package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// demoOnly are the packages only the demo may link: the reference server,
// the fault-injecting proxy and the demo Comune's data.
var demoOnly = []string{"mensakiosk/central/server", "mensakiosk/internal/netfault", "mensakiosk/assets/demo"}

// kioskDeps lists the packages `go list -deps` says the kiosk links with
// the given build tags.
func kioskDeps(t *testing.T, tags string) map[string]bool {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", tags, ".")
	// The GLFW driver's files need cgo to be selected (nothing is compiled).
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list -deps -tags %s: %v\n%s", tags, err, ee.Stderr)
		}
		t.Fatalf("go list -deps -tags %s: %v", tags, err)
	}
	deps := map[string]bool{}
	for _, l := range strings.Fields(string(out)) {
		deps[l] = true
	}
	return deps
}

// TestProductionBuildLeavesOutTheDemo: the kiosk as `make package` and a
// plain `go build` make it links neither the reference server nor the
// fault proxy nor the demo data; the same list with the demo tag (`make
// run`) has all three, so the check can fail.
func TestProductionBuildLeavesOutTheDemo(t *testing.T) {
	for _, tags := range []string{"migrated_fynedo", "migrated_fynedo,wayland"} {
		deps := kioskDeps(t, tags)
		if !deps["mensakiosk/storage"] {
			t.Fatalf("-tags %s: go list -deps does not list the kiosk's own storage: %d packages", tags, len(deps))
		}
		for _, p := range demoOnly {
			if deps[p] {
				t.Errorf("the production kiosk (-tags %s) links %s", tags, p)
			}
		}
	}
	deps := kioskDeps(t, "migrated_fynedo,demo")
	for _, p := range demoOnly {
		if !deps[p] {
			t.Errorf("the demo kiosk (-tags migrated_fynedo,demo) does not link %s: the check above proves nothing", p)
		}
	}
}

// TestProductionKioskRefusesDemo: asked for -demo, a kiosk built without
// the demo tag says so in a JSON log line and exits with 2, before it
// opens or creates anything.
func TestProductionKioskRefusesDemo(t *testing.T) {
	bin := kioskBinary(t, "ci,migrated_fynedo", false)
	dir := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(bin, "-demo", "-headless", "-data", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("kiosk -demo: %v, want exit status 2\n%s", err, stderr.String())
	}
	found := false
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		var l struct {
			Level, Msg, Flag string
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue // Fyne's own complaint about a C locale, in this no-cgo build (locale_cgo.go)
		}
		if l.Level == "ERROR" && l.Flag == "-demo" && strings.Contains(l.Msg, "-tags demo") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no error line saying the build has no demo:\n%s", stderr.String())
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused kiosk made its data directory: %v", err)
	}
}
