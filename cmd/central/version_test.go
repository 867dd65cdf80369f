package main

import (
	"bytes"
	"strings"
	"testing"

	"mensakiosk"
	"mensakiosk/central/server"
)

func TestVersionFlagPrintsFyneAppVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-version"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := "mensakiosk-central " + mensakiosk.Version() + " (build "
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(out.String(), "commit ") {
		t.Errorf("-version printed %q, want %q...", out.String(), want)
	}
	if server.Version != "mensakiosk-central/"+mensakiosk.Version() {
		t.Errorf("health version %q", server.Version)
	}
}
