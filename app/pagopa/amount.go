package pagopa

import (
	"fmt"
	"strconv"
)

// The range of a notice's amount in cents: at least one cent (GPD's amount
// ≥ 1) and at most 11 digits in the QR payload.
const (
	MinAmount int64 = 1
	MaxAmount int64 = 99_999_999_999
)

// CheckAmount returns ErrAmountRange for an amount outside
// MinAmount…MaxAmount cents.
func CheckAmount(cents int64) error {
	if cents < MinAmount || cents > MaxAmount {
		return fmt.Errorf("%w: %d cents (allowed %d…%d)", ErrAmountRange, cents, MinAmount, MaxAmount)
	}
	return nil
}

// FormatQRAmount writes an amount as the QR payload wants it: the integer
// number of cents, no separators, no leading zeros, but at least two digits
// (5 cents → "05", 2500 → "2500").
func FormatQRAmount(cents int64) (string, error) {
	if err := CheckAmount(cents); err != nil {
		return "", err
	}
	if cents < 10 {
		return "0" + strconv.FormatInt(cents, 10), nil
	}
	return strconv.FormatInt(cents, 10), nil
}

// FormatEuro formats an amount the Italian way for the printed notice:
// thousands separated by dots, a decimal comma, two decimals and the euro
// sign after a space: 102050 → "1.020,50 €". The screens use it too
// (ui.FormatCents), so screen and paper agree.
func FormatEuro(cents int64) string {
	neg := cents < 0
	u := uint64(cents) // magnitude as unsigned: the smallest int64 does not overflow
	if neg {
		u = -u
	}
	digits := strconv.FormatUint(u/100, 10)
	b := make([]byte, 0, len(digits)*4/3+8)
	if neg {
		b = append(b, '-')
	}
	for i := 0; i < len(digits); i++ {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, '.')
		}
		b = append(b, digits[i])
	}
	c := u % 100
	b = append(b, ',', byte('0'+c/10), byte('0'+c%10))
	return string(b) + " €"
}
