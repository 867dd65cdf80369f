package central

import (
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/storage/storagetest"
)

// TestKioskMadeIDsFollowTheRule: what a kiosk makes (event ids, its
// database's epoch) is never refused by the id rule.
func TestKioskMadeIDsFollowTheRule(t *testing.T) {
	for range 2000 {
		id, err := app.NewEventID()
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckID(id); err != nil {
			t.Fatalf("event id %q: %v", id, err)
		}
	}
	for i := range 3 {
		st := storagetest.Open(t)
		if err := CheckID(st.Epoch()); err != nil {
			t.Fatalf("epoch %d %q: %v", i, st.Epoch(), err)
		}
	}
}

func TestCheckID(t *testing.T) {
	for _, id := range []string{"k1", "E1", "0123456789abcdef0123456789abcdef", "mensa-rodari.1_a", "S1", "unknown", strings.Repeat("a", MaxIDLen)} {
		if err := CheckID(id); err != nil {
			t.Errorf("%q refused: %v", id, err)
		}
	}
	for _, id := range []string{"", "../../é\u202e", "a/b", "\xff", ".x", "_x", "-x", "a b", "a\x00b", "é", strings.Repeat("a", MaxIDLen+1)} {
		err := CheckID(id)
		if err == nil {
			t.Errorf("%q accepted", id)
			continue
		}
		// The message names the offending character escaped, never raw.
		for _, r := range err.Error() {
			if r >= 0x80 || r < 0x20 {
				t.Errorf("%q: message %q holds %U raw", id, err, r)
			}
		}
	}
}
