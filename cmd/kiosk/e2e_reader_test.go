//go:build e2e

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// e2eArtifact is where a screenshot worth keeping goes: $E2E_ARTIFACTS if
// set, else the system's temp dir (named, so it outlives the test).
func e2eArtifact(name string) string {
	dir := os.Getenv("E2E_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, fmt.Sprintf("mensakiosk-e2e-%s.png", name))
}

// TestEndToEndReaderUnplugged runs the real binary under Xvfb with a
// pseudo-terminal reader and takes the reader away (the pty's master
// closes, its slave node vanishes): the canteen screen turns into the big
// red "the badge reader is not working, call the staff" panel in place of
// the prompt (measured on the screenshot), the raw error goes to the JSON
// log; plugging the reader back brings the prompt back.
func TestEndToEndReaderUnplugged(t *testing.T) {
	display, dir, reader, c := startDemoKiosk(t, "canteen")
	const r, g, b = 0xb7, 0x1c, 0x1c // ui's colorRed
	time.Sleep(2 * time.Second)
	idle := screenshot(t, display, filepath.Join(dir, "idle.png"))
	if red := share(idle, r, g, b); red > 0.02 {
		t.Fatalf("red covers %.1f%% of the idle screen with the reader plugged in", red*100)
	}

	slave := reader.SlavePath()
	if err := reader.Unplug(); err != nil {
		t.Fatal(err)
	}
	c.waitLog(t, `"msg":"badge reader disconnected"`, 15*time.Second)
	// The raw error, with its path, is in the log.
	for _, l := range strings.Split(c.log(), "\n") {
		if strings.Contains(l, `"msg":"badge reader disconnected"`) && !strings.Contains(l, `"err":"`) {
			t.Errorf("the disconnection is logged without its error: %s", l)
		}
	}
	time.Sleep(1500 * time.Millisecond) // drawn
	path := e2eArtifact("reader-down")
	down := screenshot(t, display, path)
	t.Logf("reader unplugged (slave %s gone): %s", slave, path)
	red := share(down, r, g, b)
	t.Logf("red covers %.1f%% of the screen", red*100)
	if red < 0.25 {
		t.Errorf("reader unplugged: red covers %.1f%% of the screen, want the big panel (≥ 25%%)", red*100)
	}

	connected := strings.Count(c.log(), `"state":"connected"`)
	if err := reader.Plug(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(c.log(), `"state":"connected"`) <= connected {
		if time.Now().After(deadline) {
			t.Fatalf("the reader did not come back:\n%s", c.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	back := screenshot(t, display, filepath.Join(dir, "back.png"))
	if red := share(back, r, g, b); red > 0.02 {
		t.Errorf("reader plugged back: red still covers %.1f%% of the screen", red*100)
	}
	c.stopClean(t)
}
