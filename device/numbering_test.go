package device

import (
	"testing"

	"mensakiosk/app"
)

func TestPrintedForms(t *testing.T) {
	const id = app.BadgeID("010063E9AE")
	if got := PrintDec10(id); got != "0006547886" {
		t.Errorf("PrintDec10 = %s", got)
	}
	if got := PrintWiegand26(id); got != "099,59822" {
		t.Errorf("PrintWiegand26 = %s", got)
	}
	if got, err := ParseDec10("0006547886"); err != nil || got != "0063E9AE" {
		t.Errorf("ParseDec10 = %s, %v", got, err)
	}
	if got, err := ParseDec10("4294967295"); err != nil || got != "FFFFFFFF" {
		t.Errorf("ParseDec10 max = %s, %v", got, err)
	}
	if got, err := ParseWiegand26("099,59822"); err != nil || got != "63E9AE" {
		t.Errorf("ParseWiegand26 = %s, %v", got, err)
	}
	if got := ReverseBytes("04A1B2C3D4E5F6"); got != "F6E5D4C3B2A104" {
		t.Errorf("ReverseBytes = %s", got)
	}
	if got := PrintDec10("ABCD"); got != "0000043981" {
		t.Errorf("PrintDec10 short id = %s", got)
	}
	for _, s := range []string{"", "4294967296", "12345678901", "12a", "-1", "+5"} {
		if got, err := ParseDec10(s); err == nil {
			t.Errorf("ParseDec10(%q) = %s, want error", s, got)
		}
	}
	for _, s := range []string{"", "99", "256,1", "1,65536", "a,1", "1,-1", "1,2,3"} {
		if got, err := ParseWiegand26(s); err == nil {
			t.Errorf("ParseWiegand26(%q) = %s, want error", s, got)
		}
	}
}

func TestNumbering(t *testing.T) {
	const id = app.BadgeID("010063E9AE")
	tests := []struct {
		n       Numbering
		mapped  app.BadgeID
		printed string
	}{
		{NumberingHex, "010063E9AE", "010063E9AE"},
		{NumberingDec10, "0063E9AE", "0006547886"},
		{NumberingWiegand26, "63E9AE", "099,59822"},
		{NumberingReversed, "AEE9630001", "AEE9630001"},
	}
	for _, tc := range tests {
		n, err := ParseNumbering(string(tc.n))
		if err != nil || n != tc.n {
			t.Fatalf("ParseNumbering(%s) = %s, %v", tc.n, n, err)
		}
		got := n.Map(id)
		if got != tc.mapped {
			t.Errorf("%s.Map(%s) = %s, want %s", n, id, got, tc.mapped)
		}
		if _, err := app.ParseBadgeID(string(got)); err != nil {
			t.Errorf("%s.Map: %v", n, err)
		}
		if p := n.Print(got); p != tc.printed {
			t.Errorf("%s.Print(%s) = %s, want %s", n, got, p, tc.printed)
		}
		// A roster keyed by the printed form finds the mapped id.
		if k, err := n.ParseKey(tc.printed); err != nil || k != got {
			t.Errorf("%s.ParseKey(%s) = %s, %v; want %s", n, tc.printed, k, err, got)
		}
		// Mapping is idempotent except for reversal, which is an involution.
		if n != NumberingReversed && n.Map(got) != got || n == NumberingReversed && n.Map(got) != id {
			t.Errorf("%s.Map(%s) = %s", n, got, n.Map(got))
		}
	}
	if n, err := ParseNumbering(""); err != nil || n != NumberingHex {
		t.Errorf("ParseNumbering(\"\") = %s, %v", n, err)
	}
	if _, err := ParseNumbering("octal"); err == nil {
		t.Error("ParseNumbering(octal): want error")
	}
	// A line reader sending the printed decimal and an EM4100 reader agree
	// under dec10.
	line := ids(collect(t, "line:base=dec", []byte("0006547886\r\n")))
	if len(line) != 1 || NumberingDec10.Map(line[0]) != NumberingDec10.Map(id) {
		t.Errorf("line dec %v vs rdm6300 %s under dec10", line, id)
	}
}

func TestCheckBaud(t *testing.T) {
	for _, b := range []int{9600, 115200, 50, 230400} {
		if err := CheckBaud(b); err != nil {
			t.Errorf("CheckBaud(%d): %v", b, err)
		}
	}
	for _, b := range []int{0, -9600, 9601, 14400} {
		if err := CheckBaud(b); err == nil {
			t.Errorf("CheckBaud(%d): want error", b)
		}
	}
}
