package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mensakiosk/ui"
)

// TestWiringTextsInCatalogue checks that every catalogue key the wiring
// shows (tr.T("...")) exists in every language.
func TestWiringTextsInCatalogue(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	call := regexp.MustCompile(`\btr\.T\("([^"]+)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllSubmatch(src, -1) {
			n++
			for _, lang := range ui.Languages() {
				tr, err := ui.NewCatalogue(lang)
				if err != nil {
					t.Fatal(err)
				}
				if got := tr.T(string(m[1])); got == string(m[1]) {
					t.Errorf("%s: key %q missing in %s", f, m[1], lang)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no tr.T call found: is the test looking at the right files?")
	}
}
