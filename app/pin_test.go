package app

import "testing"

func TestValidPIN(t *testing.T) {
	for _, good := range []string{"4821", "00000000", "12345"} {
		if !ValidPIN(good) {
			t.Errorf("ValidPIN(%q) = false", good)
		}
	}
	for _, bad := range []string{"", "123", "123456789", "12a4", "١٢٣٤", " 4821"} {
		if ValidPIN(bad) {
			t.Errorf("ValidPIN(%q) = true", bad)
		}
	}
}
