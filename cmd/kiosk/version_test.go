package main

import (
	"bytes"
	"strings"
	"testing"

	"mensakiosk"
)

// -version prints and exits before any configuration, window or database.
func TestVersionFlag(t *testing.T) {
	var out, errb bytes.Buffer
	old := versionOut
	versionOut = &out
	t.Cleanup(func() { versionOut = old })
	if code := run([]string{"-version", "-config", "/nonexistent/kiosk.json"}, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := "mensakiosk " + mensakiosk.Version() + " (build "; !strings.HasPrefix(out.String(), want) {
		t.Errorf("printed %q, want %q...", out.String(), want)
	}
	if errb.Len() != 0 {
		t.Errorf("stderr: %q", errb.String())
	}
}
