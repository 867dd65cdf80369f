package pagopa

import (
	"fmt"
	"strconv"
	"strings"
)

// AuxDigit is the aux digit of every notice code this system generates
// (aux 3: segregation code + IUV base + check).
const AuxDigit = 3

// Segregation codes are assigned to a creditor's IUV generation points.
const (
	MinSegregation = 0
	MaxSegregation = 45
)

// baseLimit is 10^13: an aux-3 IUV base has 13 digits.
const baseLimit uint64 = 10_000_000_000_000

// NewNoticeCode returns the 18-digit notice code "3" + segregation (two
// digits) + base (13 digits) + check, where check is the first 16 digits
// mod 93 written with two digits. The caller keeps bases unique per
// creditor: the code is only as unique as its base.
func NewNoticeCode(segregation int, base uint64) (string, error) {
	if segregation < MinSegregation || segregation > MaxSegregation {
		return "", fmt.Errorf("%w: %d", ErrSegregation, segregation)
	}
	if base >= baseLimit {
		return "", fmt.Errorf("%w: %d has more than 13 digits", ErrBase, base)
	}
	first16 := fmt.Sprintf("%d%02d%013d", AuxDigit, segregation, base)
	check, err := CheckDigits(first16)
	if err != nil {
		return "", err
	}
	return first16 + check, nil
}

// CheckDigits returns the two check digits of a notice code from its first
// 16 digits: their value mod 93, "%02d" (00–92). 16 digits are below 10^16
// and fit a uint64.
func CheckDigits(first16 string) (string, error) {
	if len(first16) != 16 || !allDigits(first16) {
		return "", fmt.Errorf("%w: check digits need exactly 16 digits, got %q", ErrNoticeCodeFormat, first16)
	}
	n, err := strconv.ParseUint(first16, 10, 64)
	if err != nil { // unreachable for 16 ASCII digits; kept for safety
		return "", fmt.Errorf("%w: %v", ErrNoticeCodeFormat, err)
	}
	return fmt.Sprintf("%02d", n%93), nil
}

// NoticeCode is a decoded notice code. Which fields are set depends on the
// aux digit (pagoPA SACI, identification codes):
//
//	aux 0: application code (2) + IUV (15) = application code + base (13) + check (2)
//	aux 1: IUV (17), no check digits
//	aux 2: IUV (17) = base (15) + check (2)
//	aux 3: IUV (17) = segregation code (2) + base (13) + check (2)
//
// For aux 0, 2 and 3 the check is the first 16 digits of the code mod 93.
type NoticeCode struct {
	// Code is the 18 digits, without spaces.
	Code string
	Aux  int
	// Segregation is set for aux 3.
	Segregation string
	// ApplicationCode is set for aux 0.
	ApplicationCode string
	// IUV is the payment's unique identifier: 15 digits for aux 0, else 17.
	IUV string
	// Base is the IUV without segregation code and check digits (for aux
	// 1, where there are none, the whole IUV).
	Base string
	// Check is the two check digits; empty for aux 1.
	Check string
	// CheckOK reports whether Check matches. A mismatch is not an error:
	// some official examples fail it. It is false when there is no check.
	CheckOK bool
}

// HasCheck reports whether the code's aux digit carries check digits.
func (n NoticeCode) HasCheck() bool { return n.Check != "" }

// normalize returns the 18 digits of s, which is either 18 digits or the
// same in groups of four separated by spaces ("3010 0000 0000 0001 44");
// spaces around it are ignored. Anything else is ErrNoticeCodeFormat.
func normalize(s string) (string, error) {
	t := strings.Trim(s, " ")
	if len(t) == 18 && allDigits(t) {
		return t, nil
	}
	groups := strings.Fields(t)
	if len(groups) == 5 && strings.Trim(t, "0123456789 ") == "" {
		var b strings.Builder
		for i, g := range groups {
			want := 4
			if i == 4 {
				want = 2
			}
			if len(g) != want {
				return "", fmt.Errorf("%w: %q", ErrNoticeCodeFormat, s)
			}
			b.WriteString(g)
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("%w: %q", ErrNoticeCodeFormat, s)
}

// ParseNoticeCode checks a notice code's format (18 digits; spaces between
// groups of four are tolerated and removed) and decodes it by aux digit.
// Check digits are computed into CheckOK but a mismatch is not an error; an
// aux digit of 4–9 is.
func ParseNoticeCode(s string) (NoticeCode, error) {
	code, err := normalize(s)
	if err != nil {
		return NoticeCode{}, err
	}
	n := NoticeCode{Code: code, Aux: int(code[0] - '0')}
	switch n.Aux {
	case 0:
		n.ApplicationCode, n.IUV, n.Base, n.Check = code[1:3], code[3:], code[3:16], code[16:]
	case 1:
		n.IUV, n.Base = code[1:], code[1:]
	case 2:
		n.IUV, n.Base, n.Check = code[1:], code[1:16], code[16:]
	case 3:
		n.Segregation, n.IUV, n.Base, n.Check = code[1:3], code[1:], code[3:16], code[16:]
	default:
		return NoticeCode{}, fmt.Errorf("%w: %d in %q (notices use 0–3)", ErrAuxDigit, n.Aux, s)
	}
	if n.Check != "" {
		want, _ := CheckDigits(code[:16]) // 16 digits by construction
		n.CheckOK = want == n.Check
	}
	return n, nil
}

// VerifyGenerated is the strict check for codes this system generates:
// exactly 18 digits (no spaces), aux digit 3, segregation code 00–45, and
// matching check digits.
func VerifyGenerated(code string) error {
	if len(code) != 18 || !allDigits(code) {
		return fmt.Errorf("%w: %q", ErrNoticeCodeFormat, code)
	}
	if int(code[0]-'0') != AuxDigit {
		return fmt.Errorf("%w: %c in %q, generated codes use %d", ErrAuxDigit, code[0], code, AuxDigit)
	}
	if seg, _ := strconv.Atoi(code[1:3]); seg > MaxSegregation {
		return fmt.Errorf("%w: %s in %q", ErrSegregation, code[1:3], code)
	}
	want, _ := CheckDigits(code[:16])
	if code[16:] != want {
		return fmt.Errorf("%w: %q ends in %s, want %s", ErrCheckDigits, code, code[16:], want)
	}
	return nil
}

// GroupNoticeCode writes a notice code as printed, in groups of four:
// "3010 0000 0000 0001 44". A string that is not an 18-digit code (grouped
// or not) is returned unchanged.
func GroupNoticeCode(code string) string {
	c, err := normalize(code)
	if err != nil {
		return code
	}
	return c[0:4] + " " + c[4:8] + " " + c[8:12] + " " + c[12:16] + " " + c[16:18]
}
