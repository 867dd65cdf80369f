package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"mensakiosk"
)

func TestVersionCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-version"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if want := "mensakiosk-badgetool " + mensakiosk.Version() + " "; !strings.HasPrefix(out.String(), want) {
		t.Errorf("printed %q, want %q...", out.String(), want)
	}
}
