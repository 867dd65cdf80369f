package app

import "testing"

// foldNameFast (the report's sort keys) must fold exactly as FoldName, the
// ASCII shortcut included.
func FuzzFoldNameFast(f *testing.F) {
	for _, s := range []string{"", "Rossi", "rossi", "D'Angelo", "De Luca", "Nicolò", "O’Brien", "3B", "Ünal", "A-Z_a~z 0@9[`{", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := foldNameFast(s), FoldName(s); got != want {
			t.Fatalf("foldNameFast(%q) = %q, FoldName %q", s, got, want)
		}
	})
}
