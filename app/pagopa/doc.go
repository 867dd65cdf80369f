// Package pagopa holds the pure rules of pagoPA payment notices (avvisi) that
// the kiosk must get exactly right (specs/pagopa.md): the 18-digit notice
// code with its mod-93 check digits, the QR payload, the amount range and
// form, and the creditor's fiscal code.
//
// It does no I/O and imports only the standard library, so that package app
// (which may import it), the reference server and the screens all apply the
// same rules. For the same reason amounts here are plain int64 euro cents
// rather than app.Cents: app may import this package, not the reverse.
//
// Codes the system generates are held to the strict rules (VerifyGenerated);
// codes that arrive from outside are only checked for format, because some
// of pagoPA's own published examples do not satisfy the check digits.
package pagopa

import "errors"

// Errors, for errors.Is. The returned errors wrap these with the details.
var (
	// ErrNoticeCodeFormat: not 18 digits (optionally in groups of four).
	ErrNoticeCodeFormat = errors.New("pagopa: notice code is not 18 digits")
	// ErrAuxDigit: an aux digit no notice uses (4–9), or, for a generated
	// code, anything but 3.
	ErrAuxDigit = errors.New("pagopa: unsupported aux digit")
	// ErrSegregation: a segregation code outside 00–45.
	ErrSegregation = errors.New("pagopa: segregation code out of range 00-45")
	// ErrBase: an IUV base that does not fit its 13 digits.
	ErrBase = errors.New("pagopa: IUV base out of range")
	// ErrCheckDigits: the check digits do not match (strict checks only).
	ErrCheckDigits = errors.New("pagopa: check digits do not match")
	// ErrAmountRange: an amount outside MinAmount…MaxAmount cents.
	ErrAmountRange = errors.New("pagopa: amount out of range")
	// ErrFiscalCodeFormat: a creditor fiscal code that is not 11 digits, or
	// is all zeros.
	ErrFiscalCodeFormat = errors.New("pagopa: creditor fiscal code is not 11 digits")
	// ErrFiscalCodeChecksum is a warning, not a rejection: the code has the
	// right format but its partita IVA check digit is wrong, as in many
	// pagoPA examples (77777777777).
	ErrFiscalCodeChecksum = errors.New("pagopa: creditor fiscal code fails the partita IVA check digit")
	// ErrPayload: a QR payload that is not exactly PAGOPA|002|code|cf|amount.
	ErrPayload = errors.New("pagopa: malformed QR payload")
)

// allDigits reports whether s is non-empty and made only of ASCII digits
// (strconv would also accept signs, and unicode.IsDigit other scripts).
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
