package pagopa

import "fmt"

// CheckCreditorFiscalCode checks a creditor's fiscal code. pagoPA only
// requires 11 digits, so err is ErrFiscalCodeFormat for anything else and
// for "00000000000". The Italian partita IVA check digit is checked too, but
// a mismatch is only a warning (wrapping ErrFiscalCodeChecksum) because
// pagoPA's own examples (77777777777) fail it: the caller may log it and go on.
//
// The check: with digits d1…d11, X = d1+d3+d5+d7+d9, Y = the sum over d2,
// d4, d6, d8, d10 of 2·d (minus 9 when above 9), and d11 must be
// (10 − (X+Y) mod 10) mod 10.
func CheckCreditorFiscalCode(s string) (warning error, err error) {
	if len(s) != 11 || !allDigits(s) {
		return nil, fmt.Errorf("%w: %q", ErrFiscalCodeFormat, s)
	}
	if s == "00000000000" {
		return nil, fmt.Errorf("%w: %q is all zeros", ErrFiscalCodeFormat, s)
	}
	sum := 0
	for i := 0; i < 10; i++ {
		d := int(s[i] - '0')
		if i%2 == 1 { // d2, d4, … (1-based even positions)
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if want := (10 - sum%10) % 10; int(s[10]-'0') != want {
		return fmt.Errorf("%w: %q ends in %c, the check digit is %d", ErrFiscalCodeChecksum, s, s[10], want), nil
	}
	return nil, nil
}
