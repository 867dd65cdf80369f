package pagopa

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// mod93 computes the check digits by long division over the decimal digits,
// independently of CheckDigits' uint64 arithmetic.
func mod93(digits string) int {
	r := 0
	for _, c := range digits {
		r = (r*10 + int(c-'0')) % 93
	}
	return r
}

// specExamples are the table of specs/pagopa.md, "QR code".
var specExamples = []struct {
	cf      string
	seg     int
	base    uint64
	cents   int64
	code    string
	payload string
}{
	{"99999000013", 1, 1, 2500, "301000000000000144", "PAGOPA|002|301000000000000144|99999000013|2500"},
	{"99999000013", 2, 1234567890123, 5000, "302123456789012356", "PAGOPA|002|302123456789012356|99999000013|5000"},
	{"12345678903", 1, 1, 5, "301000000000000144", "PAGOPA|002|301000000000000144|12345678903|05"},
}

func TestSpecExamples(t *testing.T) {
	for _, ex := range specExamples {
		code, err := NewNoticeCode(ex.seg, ex.base)
		if err != nil || code != ex.code {
			t.Errorf("NewNoticeCode(%d, %d) = %q, %v; want %q", ex.seg, ex.base, code, err, ex.code)
		}
		if err := VerifyGenerated(code); err != nil {
			t.Errorf("VerifyGenerated(%q): %v", code, err)
		}
		p, err := Payload(ex.code, ex.cf, ex.cents)
		if err != nil || p != ex.payload {
			t.Errorf("Payload(%q, %q, %d) = %q, %v; want %q", ex.code, ex.cf, ex.cents, p, err, ex.payload)
		}
		d, err := ParsePayload(ex.payload)
		want := QRData{NoticeCode: ex.code, CreditorFiscalCode: ex.cf, Amount: ex.cents}
		if err != nil || d != want {
			t.Errorf("ParsePayload(%q) = %+v, %v; want %+v", ex.payload, d, err, want)
		}
		if warn, err := CheckCreditorFiscalCode(ex.cf); warn != nil || err != nil {
			t.Errorf("CheckCreditorFiscalCode(%q) = %v, %v", ex.cf, warn, err)
		}
	}
}

// TestWorkedExample is the spec's worked example, step by step.
func TestWorkedExample(t *testing.T) {
	if c, err := CheckDigits("3010000000000001"); err != nil || c != "44" {
		t.Fatalf("CheckDigits(3010000000000001) = %q, %v; want 44", c, err)
	}
	if mod93("3010000000000001") != 44 {
		t.Fatal("independent mod 93 disagrees with the spec")
	}
	if g := GroupNoticeCode("301000000000000144"); g != "3010 0000 0000 0001 44" {
		t.Errorf("GroupNoticeCode = %q", g)
	}
	if g := GroupNoticeCode("3010 0000 0000 0001 44"); g != "3010 0000 0000 0001 44" {
		t.Errorf("GroupNoticeCode of grouped = %q", g)
	}
	for _, bad := range []string{"", "30100000000000014", "abc", "3010 0000 0000 000 144"} {
		if g := GroupNoticeCode(bad); g != bad {
			t.Errorf("GroupNoticeCode(%q) = %q, want it unchanged", bad, g)
		}
	}
}

func TestCheckDigitsProperty(t *testing.T) {
	// 93 consecutive bases give 93 consecutive first-16 numbers, so every
	// check value 00–92 appears exactly once.
	seen := map[string]bool{}
	for base := uint64(0); base < 93; base++ {
		code, err := NewNoticeCode(0, base)
		if err != nil {
			t.Fatal(err)
		}
		seen[code[16:]] = true
	}
	if len(seen) != 93 || !seen["00"] || !seen["92"] {
		t.Errorf("checks of 93 consecutive bases: %d distinct, want 93 including 00 and 92", len(seen))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		seg, base := r.IntN(46), r.Uint64N(baseLimit)
		code, err := NewNoticeCode(seg, base)
		if err != nil {
			t.Fatalf("NewNoticeCode(%d, %d): %v", seg, base, err)
		}
		if len(code) != 18 || !allDigits(code) || code[0] != '3' {
			t.Fatalf("NewNoticeCode(%d, %d) = %q", seg, base, code)
		}
		check := code[16:]
		if want := mod93(code[:16]); check != pad2(want) || want > 92 {
			t.Fatalf("%q: check %s, long division gives %d", code, check, want)
		}
		if err := VerifyGenerated(code); err != nil {
			t.Fatal(err)
		}
		n, err := ParseNoticeCode(code)
		if err != nil || !n.CheckOK || n.Aux != 3 || n.Segregation != pad2(seg) || n.IUV != code[1:] {
			t.Fatalf("ParseNoticeCode(%q) = %+v, %v", code, n, err)
		}
	}
	// The largest base still fits a uint64 and yields 18 digits.
	if code, err := NewNoticeCode(45, baseLimit-1); err != nil || code[:16] != "3459999999999999" {
		t.Errorf("NewNoticeCode(45, max) = %q, %v", code, err)
	}
}

func pad2(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func TestNewNoticeCodeRejects(t *testing.T) {
	for _, tc := range []struct {
		seg  int
		base uint64
		want error
	}{
		{-1, 1, ErrSegregation},
		{46, 1, ErrSegregation},
		{99, 1, ErrSegregation},
		{1, baseLimit, ErrBase},
		{1, 1<<64 - 1, ErrBase},
	} {
		if code, err := NewNoticeCode(tc.seg, tc.base); !errors.Is(err, tc.want) || code != "" {
			t.Errorf("NewNoticeCode(%d, %d) = %q, %v; want %v", tc.seg, tc.base, code, err, tc.want)
		}
	}
	for _, bad := range []string{"", "301000000000000", "30100000000000014", "301000000000000a", "+301000000000000", "３０１0000000000001"} {
		if _, err := CheckDigits(bad); !errors.Is(err, ErrNoticeCodeFormat) {
			t.Errorf("CheckDigits(%q): %v, want format error", bad, err)
		}
	}
}

func TestParseNoticeCode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want NoticeCode
	}{
		{"301000000000000144", NoticeCode{Code: "301000000000000144", Aux: 3, Segregation: "01", IUV: "01000000000000144", Base: "0000000000001", Check: "44", CheckOK: true}},
		{" 3010 0000 0000 0001 44 ", NoticeCode{Code: "301000000000000144", Aux: 3, Segregation: "01", IUV: "01000000000000144", Base: "0000000000001", Check: "44", CheckOK: true}},
		// A wrong check is decoded, not rejected: official examples fail it.
		{"301000000000000145", NoticeCode{Code: "301000000000000145", Aux: 3, Segregation: "01", IUV: "01000000000000145", Base: "0000000000001", Check: "45"}},
		// Aux 0: application code 12, IUV base 0000000000001, check.
		{"0120000000000001" + pad2(mod93("0120000000000001")), NoticeCode{Code: "0120000000000001" + pad2(mod93("0120000000000001")), Aux: 0, ApplicationCode: "12", IUV: "0000000000001" + pad2(mod93("0120000000000001")), Base: "0000000000001", Check: pad2(mod93("0120000000000001")), CheckOK: true}},
		// Aux 1: 17 free IUV digits, no check.
		{"112345678901234567", NoticeCode{Code: "112345678901234567", Aux: 1, IUV: "12345678901234567", Base: "12345678901234567"}},
		// Aux 2: IUV base 15 digits + check.
		{"2123456789012345" + pad2(mod93("2123456789012345")), NoticeCode{Code: "2123456789012345" + pad2(mod93("2123456789012345")), Aux: 2, IUV: "123456789012345" + pad2(mod93("2123456789012345")), Base: "123456789012345", Check: pad2(mod93("2123456789012345")), CheckOK: true}},
		{"212345678901234500", NoticeCode{Code: "212345678901234500", Aux: 2, IUV: "12345678901234500", Base: "123456789012345", Check: "00", CheckOK: mod93("2123456789012345") == 0}},
	} {
		got, err := ParseNoticeCode(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseNoticeCode(%q) =\n %+v, %v; want\n %+v", tc.in, got, err, tc.want)
		}
		if got.HasCheck() != (tc.want.Aux != 1) {
			t.Errorf("%q: HasCheck = %v", tc.in, got.HasCheck())
		}
	}
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", ErrNoticeCodeFormat},
		{"30100000000000014", ErrNoticeCodeFormat},
		{"3010000000000001444", ErrNoticeCodeFormat},
		{"30100000000000014a", ErrNoticeCodeFormat},
		{"3010 0000 0000 000 144", ErrNoticeCodeFormat},
		{"301 0000 0000 0001 444", ErrNoticeCodeFormat},
		{"3010\t0000 0000 0001 44", ErrNoticeCodeFormat},
		{"3010-0000-0000-0001-44", ErrNoticeCodeFormat},
		{"-01000000000000144", ErrNoticeCodeFormat},
		{"401000000000000144", ErrAuxDigit},
		{"901000000000000144", ErrAuxDigit},
	} {
		if got, err := ParseNoticeCode(tc.in); !errors.Is(err, tc.want) || got != (NoticeCode{}) {
			t.Errorf("ParseNoticeCode(%q) = %+v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestVerifyGenerated(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"301000000000000144", nil},
		{"302123456789012356", nil},
		{"301000000000000145", ErrCheckDigits},
		{"3010 0000 0000 0001 44", ErrNoticeCodeFormat},
		{"30100000000000014", ErrNoticeCodeFormat},
		{"2123456789012345" + pad2(mod93("2123456789012345")), ErrAuxDigit},
		{"0120000000000001" + pad2(mod93("0120000000000001")), ErrAuxDigit},
		{"346000000000000" + "1" + pad2(mod93("3460000000000001")), ErrSegregation},
	} {
		if err := VerifyGenerated(tc.in); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("VerifyGenerated(%q) = %v, want %v", tc.in, err, tc.want)
		}
	}
}

func TestAmounts(t *testing.T) {
	for _, tc := range []struct {
		cents int64
		want  string
		err   bool
	}{
		{-1, "", true},
		{-99999999999, "", true},
		{0, "", true},
		{1, "01", false},
		{5, "05", false},
		{9, "09", false},
		{10, "10", false},
		{99, "99", false},
		{100, "100", false},
		{2500, "2500", false},
		{99999999999, "99999999999", false},
		{100000000000, "", true},
		{1 << 62, "", true},
	} {
		got, err := FormatQRAmount(tc.cents)
		if got != tc.want || (err != nil) != tc.err || (err != nil && !errors.Is(err, ErrAmountRange)) {
			t.Errorf("FormatQRAmount(%d) = %q, %v; want %q, error %v", tc.cents, got, err, tc.want, tc.err)
		}
		if err := CheckAmount(tc.cents); (err != nil) != tc.err {
			t.Errorf("CheckAmount(%d) = %v", tc.cents, err)
		}
		// Payload and ParsePayload agree on the bounds.
		p, err := Payload("301000000000000144", "99999000013", tc.cents)
		if (err != nil) != tc.err || (err == nil && !strings.HasSuffix(p, "|"+tc.want)) {
			t.Errorf("Payload with %d cents = %q, %v", tc.cents, p, err)
		}
	}
	if MinAmount != 1 || MaxAmount != 99_999_999_999 {
		t.Errorf("bounds %d…%d", MinAmount, MaxAmount)
	}
}

func TestFormatEuro(t *testing.T) {
	// ui.FormatCents is this function, so screen and paper agree.
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0,00 €"},
		{5, "0,05 €"},
		{-5, "-0,05 €"},
		{-320, "-3,20 €"},
		{1230, "12,30 €"},
		{2500, "25,00 €"},
		{99999, "999,99 €"},
		{100000, "1.000,00 €"},
		{102050, "1.020,50 €"},
		{123456789, "1.234.567,89 €"},
		{-123456789, "-1.234.567,89 €"},
		{99999999999, "999.999.999,99 €"},
		{-1 << 63, "-92.233.720.368.547.758,08 €"},
	} {
		if got := FormatEuro(tc.in); got != tc.want {
			t.Errorf("FormatEuro(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCreditorFiscalCode(t *testing.T) {
	for _, tc := range []struct {
		in         string
		warn, fail bool
	}{
		{"99999000013", false, false},
		{"12345678903", false, false},
		{"00000000000", false, true},
		{"77777777777", true, false},
		{"99999000012", true, false},
		{"12345678901", true, false},
		{"9999900001", false, true},
		{"999990000133", false, true},
		{"9999900001a", false, true},
		{"+9999900001", false, true},
		{" 99999000013", false, true},
		{"", false, true},
	} {
		warn, err := CheckCreditorFiscalCode(tc.in)
		if (warn != nil) != tc.warn || (err != nil) != tc.fail {
			t.Errorf("CheckCreditorFiscalCode(%q) = %v, %v; want warning %v, error %v", tc.in, warn, err, tc.warn, tc.fail)
		}
		if warn != nil && !errors.Is(warn, ErrFiscalCodeChecksum) {
			t.Errorf("%q: warning %v is not ErrFiscalCodeChecksum", tc.in, warn)
		}
		if err != nil && !errors.Is(err, ErrFiscalCodeFormat) {
			t.Errorf("%q: error %v is not ErrFiscalCodeFormat", tc.in, err)
		}
	}
	// A checksum warning does not stop a payload: pagoPA checks the format only.
	if p, err := Payload("301000000000000144", "77777777777", 100); err != nil || p != "PAGOPA|002|301000000000000144|77777777777|100" {
		t.Errorf("Payload with 77777777777 = %q, %v", p, err)
	}
}

func TestPayloadRejects(t *testing.T) {
	for _, tc := range []struct {
		code, cf string
		cents    int64
		want     error
	}{
		{"3010 0000 0000 0001 44", "99999000013", 100, ErrNoticeCodeFormat},
		{"30100000000000014", "99999000013", 100, ErrNoticeCodeFormat},
		{"501000000000000144", "99999000013", 100, ErrAuxDigit},
		{"301000000000000144", "0000000000", 100, ErrFiscalCodeFormat},
		{"301000000000000144", "00000000000", 100, ErrFiscalCodeFormat},
		{"301000000000000144", "99999000013", 0, ErrAmountRange},
	} {
		if p, err := Payload(tc.code, tc.cf, tc.cents); !errors.Is(err, tc.want) || p != "" {
			t.Errorf("Payload(%q, %q, %d) = %q, %v; want %v", tc.code, tc.cf, tc.cents, p, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|2500|", ErrPayload},
		{"pagopa|002|301000000000000144|99999000013|2500", ErrPayload},
		{"PAGOPA|001|301000000000000144|99999000013|2500", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|2500\n", ErrPayload},
		{"PAGOPA|002|3010 0000 0000 0001 44|99999000013|2500", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|5", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|0005", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|02500", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|+2500", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|25,00", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|00", ErrAmountRange},
		{"PAGOPA|002|301000000000000144|99999000013|100000000000", ErrPayload},
		{"PAGOPA|002|301000000000000144|99999000013|99999999999€", ErrPayload},
		{"PAGOPA|002|30100000000000014|99999000013|2500", ErrNoticeCodeFormat},
		{"PAGOPA|002|601000000000000144|99999000013|2500", ErrAuxDigit},
		{"PAGOPA|002|301000000000000144|9999900001|2500", ErrFiscalCodeFormat},
		{"PAGOPA|002|301000000000000144|00000000000|2500", ErrFiscalCodeFormat},
	} {
		if d, err := ParsePayload(tc.in); !errors.Is(err, tc.want) || d != (QRData{}) {
			t.Errorf("ParsePayload(%q) = %+v, %v; want %v", tc.in, d, err, tc.want)
		}
	}
	// The largest amount round-trips.
	max := "PAGOPA|002|301000000000000144|99999000013|99999999999"
	if d, err := ParsePayload(max); err != nil || d.Amount != MaxAmount {
		t.Errorf("ParsePayload(max) = %+v, %v", d, err)
	}
}

// TestPayloadBuiltOrForeign: a code this system builds must pass
// VerifyGenerated, so Payload refuses an aux-3 code whose check digits are
// wrong; a code read from elsewhere gets its payload with a warning.
func TestPayloadBuiltOrForeign(t *testing.T) {
	// Issue 11's example; its check digits are 47 (3111111111122222 mod 93),
	// not the 22 it ends in.
	const bad = "311111111112222222"
	if c, _ := CheckDigits(bad[:16]); c != "47" || pad2(mod93(bad[:16])) != "47" {
		t.Fatalf("check digits of %s: %s", bad[:16], c)
	}
	if p, err := Payload(bad, "99999000013", 100); !errors.Is(err, ErrCheckDigits) || p != "" {
		t.Fatalf("Payload(%s) = %q, %v; want ErrCheckDigits", bad, p, err)
	}
	p, warn, err := ForeignPayload(bad, "99999000013", 100)
	if err != nil || !errors.Is(warn, ErrCheckDigits) || p != "PAGOPA|002|"+bad+"|99999000013|100" {
		t.Fatalf("ForeignPayload(%s) = %q, %v, %v", bad, p, warn, err)
	}
	d, err := ParsePayload(p)
	if err != nil || !errors.Is(d.Warning(), ErrCheckDigits) {
		t.Fatalf("ParsePayload(%q) = %+v, %v; warning %v", p, d, err, d.Warning())
	}
	good := bad[:16] + "47"
	if p, err := Payload(good, "99999000013", 100); err != nil || !strings.Contains(p, good) {
		t.Fatalf("Payload(%s) = %q, %v", good, p, err)
	}
	if _, warn, err := ForeignPayload(good, "99999000013", 100); warn != nil || err != nil {
		t.Fatalf("ForeignPayload(%s): %v %v", good, warn, err)
	}
	// Other aux digits are read from elsewhere, never built here.
	for _, code := range []string{"012000000000000199", "112345678901234567", "212345678901234599"} {
		if _, err := Payload(code, "99999000013", 100); !errors.Is(err, ErrAuxDigit) {
			t.Errorf("Payload(%s): %v, want ErrAuxDigit", code, err)
		}
		if _, _, err := ForeignPayload(code, "99999000013", 100); err != nil {
			t.Errorf("ForeignPayload(%s): %v", code, err)
		}
	}
}
