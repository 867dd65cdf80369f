package pinhash

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// legacyVector was made by app.HashPIN (PBKDF2-SHA256, 200,000 iterations)
// before it was removed: databases hold hashes like it.
const legacyVector = "pbkdf2-sha256$200000$867WWOAaEvmlw18lKflB5g$zolLHzEiGWswwJcn9dtGsTczs5EnMPPdP7dVa9ehiYU"

func TestHashVerify(t *testing.T) {
	h, err := Hash("4821")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2a$10$") {
		t.Fatalf("hash %q: want bcrypt at cost 10", h)
	}
	if strings.Contains(h, "4821") {
		t.Fatal("the hash holds the PIN")
	}
	if !Verify(h, "4821") {
		t.Fatal("right PIN refused")
	}
	for _, wrong := range []string{"4822", "", "48210", "4821 "} {
		if Verify(h, wrong) {
			t.Errorf("wrong PIN %q accepted", wrong)
		}
	}
	h2, _ := Hash("4821")
	if h2 == h {
		t.Fatal("two hashes of one PIN are equal: no salt")
	}
	if err := Check(h); err != nil {
		t.Fatalf("Check(bcrypt): %v", err)
	}
}

func TestLegacy(t *testing.T) {
	if !Verify(legacyVector, "4821") {
		t.Fatal("a legacy PBKDF2 hash of the right PIN is refused")
	}
	if Verify(legacyVector, "4822") {
		t.Fatal("a legacy PBKDF2 hash accepts a wrong PIN")
	}
	if err := Check(legacyVector); err != nil {
		t.Fatalf("Check(legacy): %v", err)
	}
}

func TestMalformed(t *testing.T) {
	for _, bad := range []string{"", "plain", "4821", "$2a$10$short", "pbkdf2-sha256$10$AAAA$AAAA",
		"pbkdf2-sha256$200000$!!$zolLHzEiGWswwJcn9dtGsTczs5EnMPPdP7dVa9ehiYU", "md5$x$y$z",
		strings.Replace(legacyVector, "zolL", "zol", 1)} {
		if Verify(bad, "4821") || Verify(bad, "") {
			t.Errorf("Verify(%q) matched", bad)
		}
		if Check(bad) == nil {
			t.Errorf("Check(%q) accepted a malformed hash", bad)
		}
	}
	if _, err := Hash(""); err == nil {
		t.Error("Hash of an empty secret accepted")
	}
	if _, err := Hash(strings.Repeat("1", MaxSecret+1)); err == nil {
		t.Error("Hash of a secret bcrypt would cut accepted")
	}
}

func TestCostOption(t *testing.T) {
	old := Cost
	Cost = bcrypt.MinCost
	t.Cleanup(func() { Cost = old })
	h, err := Hash("secret-code")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost([]byte(h)); c != bcrypt.MinCost {
		t.Fatalf("cost %d, want %d", c, bcrypt.MinCost)
	}
	if !Verify(h, "secret-code") {
		t.Fatal("a low-cost hash does not verify")
	}
}

// TestAccessCodeCost: access codes are hashed at their own cost, and a
// hash of any cost (the cost-10 hashes of earlier imports) verifies.
func TestAccessCodeCost(t *testing.T) {
	h, err := HashAccessCode("4821093375")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost([]byte(h)); c != AccessCodeCost {
		t.Fatalf("cost %d, want %d", c, AccessCodeCost)
	}
	if !Verify(h, "4821093375") || Verify(h, "4821093376") {
		t.Fatal("an access code hash does not verify its code only")
	}
	old, err := bcrypt.GenerateFromPassword([]byte("4821093375"), DefaultCost)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(string(old), "4821093375") {
		t.Fatal("a cost-10 access code hash of an earlier import no longer verifies")
	}
}
