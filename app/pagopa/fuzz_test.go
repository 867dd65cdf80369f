package pagopa

import "testing"

// FuzzParsePayload: whatever parses is exactly what Payload writes back.
func FuzzParsePayload(f *testing.F) {
	for _, ex := range specExamples {
		f.Add(ex.payload)
	}
	f.Add("PAGOPA|002|112345678901234567|77777777777|99999999999")
	f.Add("PAGOPA|002|301000000000000144|99999000013|005")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParsePayload(s)
		if err != nil {
			return
		}
		p, warn, err := ForeignPayload(d.NoticeCode, d.CreditorFiscalCode, d.Amount)
		if err != nil || p != s {
			t.Fatalf("ParsePayload(%q) = %+v, but ForeignPayload gives %q, %v", s, d, p, err)
		}
		if (warn == nil) != (d.Warning() == nil) {
			t.Fatalf("%q: ForeignPayload warns %v, QRData.Warning %v", s, warn, d.Warning())
		}
		// The strict Payload takes exactly the codes this system builds.
		strict, err := Payload(d.NoticeCode, d.CreditorFiscalCode, d.Amount)
		if (err == nil) != (VerifyGenerated(d.NoticeCode) == nil) || err == nil && strict != s {
			t.Fatalf("%q: Payload = %q, %v; VerifyGenerated %v", s, strict, err, VerifyGenerated(d.NoticeCode))
		}
	})
}

// FuzzParseNoticeCode: parsing never panics; a parsed code groups and
// re-parses to the same thing; every generated code verifies strictly.
func FuzzParseNoticeCode(f *testing.F) {
	f.Add("301000000000000144", 1, uint64(1))
	f.Add("3021 2345 6789 0123 56", 2, uint64(1234567890123))
	f.Add("012000000000000199", 45, uint64(9999999999999))
	f.Add("701000000000000144", 46, uint64(10000000000000))
	f.Fuzz(func(t *testing.T, s string, seg int, base uint64) {
		if n, err := ParseNoticeCode(s); err == nil {
			g := GroupNoticeCode(s)
			if len(g) != 22 || g[4] != ' ' || g[9] != ' ' || g[14] != ' ' || g[19] != ' ' {
				t.Fatalf("GroupNoticeCode(%q) = %q", s, g)
			}
			for _, again := range []string{g, n.Code} {
				if m, err := ParseNoticeCode(again); err != nil || m != n {
					t.Fatalf("ParseNoticeCode(%q) = %+v, %v; ParseNoticeCode(%q) = %+v", s, n, err, again, m)
				}
			}
			if want := mod93(n.Code[:16]); n.HasCheck() && n.CheckOK != (n.Check == pad2(want)) {
				t.Fatalf("%q: CheckOK %v, check %s, mod 93 %d", s, n.CheckOK, n.Check, want)
			}
			if VerifyGenerated(n.Code) == nil && (n.Aux != 3 || !n.CheckOK) {
				t.Fatalf("%q verifies strictly but is %+v", n.Code, n)
			}
		}
		code, err := NewNoticeCode(seg, base)
		if (err == nil) != (seg >= 0 && seg <= 45 && base < baseLimit) {
			t.Fatalf("NewNoticeCode(%d, %d) = %q, %v", seg, base, code, err)
		}
		if err == nil {
			if err := VerifyGenerated(code); err != nil {
				t.Fatalf("NewNoticeCode(%d, %d) = %q fails VerifyGenerated: %v", seg, base, code, err)
			}
		}
	})
}
