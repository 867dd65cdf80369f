package server

import (
	"fmt"
	"strings"
)

// A person's codice fiscale (16 characters): surname (3 letters), name (3
// letters), year (2 digits), month (a letter of ABCDEHLMPRST), day and sex
// (2 digits), place (a letter and 3 digits), a check letter. When two
// people would get the same code (omocodia) the Agenzia delle Entrate
// replaces digits, from the right, by letters of LMNPQRSTUV (0–9), so each
// digit position also takes those letters.

const omocodia = "LMNPQRSTUV"

// NormalizeFiscalCode upper-cases and trims a person's codice fiscale and
// checks its format and check letter.
func NormalizeFiscalCode(s string) (string, error) {
	cf := strings.ToUpper(strings.TrimSpace(s))
	if len(cf) != 16 {
		return "", fmt.Errorf("%q: a codice fiscale has 16 characters", s)
	}
	for i := 0; i < 16; i++ {
		c := cf[i]
		letter := c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9' || strings.IndexByte(omocodia, c) >= 0
		switch i {
		case 6, 7, 9, 10, 12, 13, 14:
			if !digit {
				return "", fmt.Errorf("%q: character %d must be a digit", s, i+1)
			}
		case 8:
			if strings.IndexByte("ABCDEHLMPRST", c) < 0 {
				return "", fmt.Errorf("%q: character 9 must be a month letter (A B C D E H L M P R S T)", s)
			}
		default:
			if !letter {
				return "", fmt.Errorf("%q: character %d must be a letter", s, i+1)
			}
		}
	}
	if want := fiscalCheckLetter(cf[:15]); cf[15] != want {
		return "", fmt.Errorf("%q: the check letter is wrong (a typo?)", s)
	}
	return cf, nil
}

// oddValues are the values of characters in odd positions (1st, 3rd, …):
// digits 0–9 as A–J.
var oddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// fiscalCheckLetter computes the 16th character from the first 15.
func fiscalCheckLetter(first15 string) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		c := first15[i]
		v := int(c - 'A')
		if c >= '0' && c <= '9' {
			v = int(c - '0')
		}
		if i%2 == 0 {
			sum += oddValues[v]
		} else {
			sum += v
		}
	}
	return byte('A' + sum%26)
}
