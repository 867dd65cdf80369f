package central

import (
	"testing"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// FuzzDecodeNotice: whatever the bytes, a notice the client accepts has a
// code the system could have generated, a known state, an amount pagoPA
// takes, and a receipt exactly when paid.
func FuzzDecodeNotice(f *testing.F) {
	f.Add([]byte(`{"iupd":"99999000013-01000000000000144","notice_code":"301000000000000144","account_id":"F1","debtor_fiscal_code":"RSSMRA80A01H501U","amount":2500,"state":"VALID","created":"2025-03-10T11:30:00Z","creditor":{"fiscal_code":"99999000013","name":"Comune di Esempio"},"due_date":"2025-04-09"}`))
	f.Add([]byte(`{"notice_code":"301000000000000145","state":"PAID"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := decodeNotice(body)
		if err != nil {
			return
		}
		if pagopa.VerifyGenerated(n.NoticeCode) != nil || pagopa.CheckAmount(int64(n.Amount)) != nil {
			t.Fatalf("accepted %+v", n)
		}
		switch n.State {
		case app.NoticeValid, app.NoticeExpired, app.NoticeInvalid:
			if n.Receipt != nil {
				t.Fatalf("receipt on %s", n.State)
			}
		case app.NoticePaid:
			if n.Receipt == nil {
				t.Fatal("paid without receipt")
			}
		default:
			t.Fatalf("state %q accepted", n.State)
		}
	})
}
