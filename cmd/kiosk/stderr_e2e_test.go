//go:build e2e

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndToEndStderrJSON starts the real binary (cgo, GLFW) under Xvfb with
// a C locale (LANG=C.UTF-8, as on a minimal system or under systemd, and
// LANG=C), with no Fyne preferences file and with an empty one left by a
// crash: everything it writes on stderr, from start to stop, is JSON lines,
// and the toolkit does not complain about the locale or its preferences.
func TestEndToEndStderrJSON(t *testing.T) {
	display := startXvfb(t)
	bin := kioskBinary(t, "migrated_fynedo,demo", true) // run with -demo
	for _, tc := range []struct {
		name, lang string
		emptyPrefs bool
	}{
		{"LANG=C.UTF-8, no preferences", "C.UTF-8", false},
		{"LANG=C, no preferences", "C", false},
		{"LANG=C.UTF-8, empty preferences file", "C.UTF-8", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			if tc.emptyPrefs {
				// Where Fyne kept the kiosk's preferences (app ID
				// it.mensakiosk.kiosk), truncated as by a crash mid-save.
				p := filepath.Join(home, ".config", "fyne", "it.mensakiosk.kiosk", "preferences.json")
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			env := []string{"DISPLAY=" + display, "HOME=" + home, "XDG_CONFIG_HOME=", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=", "LANG=" + tc.lang}
			c := startChild(t, bin, env, "-demo", "-windowed", "-data", filepath.Join(home, "data"))
			c.waitReady(t)
			time.Sleep(2 * time.Second) // the window maps and draws; the first sync
			c.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-c.done:
			case <-time.After(10 * time.Second):
				t.Fatalf("no stop on SIGTERM:\n%s", c.log())
			}
			if n := len(strings.Split(c.log(), "\n")); n < 5 {
				t.Fatalf("only %d lines on stderr: the test saw nothing", n)
			}
			checkJSONLog(t, c)
			if _, err := os.Stat(filepath.Join(home, ".config", "fyne", "it.mensakiosk.kiosk", "preferences.json")); err == nil && !tc.emptyPrefs {
				t.Error("the kiosk wrote a Fyne preferences file")
			}
		})
	}
}
