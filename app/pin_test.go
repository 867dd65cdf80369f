package app

import "testing"

func TestPINHash(t *testing.T) {
	h, err := HashPIN("4821")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPIN(h, "4821"); !ok || err != nil {
		t.Fatalf("right PIN refused: %v %v", ok, err)
	}
	if ok, _ := VerifyPIN(h, "4822"); ok {
		t.Fatal("wrong PIN accepted")
	}
	h2, _ := HashPIN("4821")
	if h2 == h {
		t.Fatal("two hashes of one PIN are equal: no salt")
	}
	if _, err := VerifyPIN("plain", "4821"); err == nil {
		t.Fatal("a malformed hash verified without error")
	}
	for _, bad := range []string{"", "123", "123456789", "12a4"} {
		if _, err := HashPIN(bad); err == nil {
			t.Errorf("HashPIN(%q) accepted", bad)
		}
	}
}
