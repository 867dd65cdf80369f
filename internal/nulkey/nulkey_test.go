package nulkey

import (
	"bytes"
	"testing"
)

// TestJoin: parts joined with NUL, none for one part, an empty part kept
// as an empty place, and the key allocated once at its final size.
func TestJoin(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		want  []byte
	}{
		{[]string{"A1"}, []byte("A1")},
		{[]string{"A1", "2026-11-23"}, []byte("A1\x002026-11-23")},
		{[]string{"A1", "", "x"}, []byte("A1\x00\x00x")},
	} {
		got := Join(tc.parts...)
		if !bytes.Equal(got, tc.want) || cap(got) != len(tc.want) {
			t.Errorf("Join(%q) = %q (cap %d), want %q", tc.parts, got, cap(got), tc.want)
		}
	}
}
