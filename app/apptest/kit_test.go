package apptest_test

import (
	"slices"
	"testing"
	"time"

	"mensakiosk/app/apptest"
)

// TestKitStaysOutOfBinaries: the fakes (and storagetest, centraltest) are
// for tests; no program links them, whatever its build tags. (-e: without
// cgo the GL driver's package does not build, and its importers are listed
// all the same.)
func TestKitStaysOutOfBinaries(t *testing.T) {
	for _, tags := range []string{"", "ci,migrated_fynedo", "demo,migrated_fynedo", "e2e,migrated_fynedo"} {
		pkgs := apptest.GoList(t, "-e", "-deps", "-tags", tags, "mensakiosk/cmd/...")
		if !slices.Contains(pkgs, "mensakiosk/app") {
			t.Fatalf("go list -tags %q does not list mensakiosk/app among the programs' packages: %q", tags, pkgs)
		}
		for _, kit := range []string{"mensakiosk/app/apptest", "mensakiosk/storage/storagetest", "mensakiosk/internal/centraltest"} {
			if slices.Contains(pkgs, kit) {
				t.Errorf("a program built with tags %q links %s", tags, kit)
			}
		}
	}
}

// TestClockStepEachRead: a clock told to step moves on before each reading,
// so no two readings are the same; Set and Add still move it; zero stands
// it still again.
func TestClockStepEachRead(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := apptest.NewClock(t0)
	if a, b := c.Now(), c.Now(); a != t0 || b != t0 {
		t.Fatalf("a clock without a step moved: %v, %v", a, b)
	}
	c.StepEachRead(time.Second)
	if a, b := c.Now(), c.Now(); a != t0.Add(time.Second) || b != t0.Add(2*time.Second) {
		t.Fatalf("readings %v %v, want one second apart after %v", a, b, t0)
	}
	c.Set(t0)
	if got := c.Now(); got != t0.Add(time.Second) {
		t.Fatalf("after Set, %v", got)
	}
	c.StepEachRead(0)
	if a, b := c.Now(), c.Now(); a != b {
		t.Fatalf("a clock told to stand still reads %v then %v", a, b)
	}
}
