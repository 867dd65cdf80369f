package central_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestClientCertificate: the certificate read from the real reference
// server, and replies no real server gives refused.
func TestClientCertificate(t *testing.T) {
	srv, token, proxy := topUpServer(t)
	c := topUpClient(t, proxy.URL(), token)
	ctx := t.Context()
	n, err := c.TopUp(ctx, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.RecordReceipt(app.Receipt{ReceiptID: "R1", NoticeCode: n.NoticeCode, Amount: 2500, PaidAt: time.Now(), PSP: "Banca"}); err != nil {
		t.Fatal(err)
	}
	year := time.Now().Year()
	cert, err := c.Certificate(ctx, "F1", year)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Total != 2500 || len(cert.Payments) != 1 || cert.Payments[0].NoticeCode != n.NoticeCode || cert.PayerFiscalCode != "RSSMRA80A01H501U" {
		t.Errorf("%+v", cert)
	}
	if _, err := c.Certificate(ctx, "NOPE", year); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := c.Certificate(ctx, "F1", year+1); !errors.Is(err, app.ErrBadRequest) {
		t.Errorf("next year: %v", err)
	}

	// Shares that do not add up, another family's: malformed.
	for _, body := range []string{
		`{"year":2026,"account_id":"F1","total":100,"payments":[],"children":[{"pupil_id":"P1","amount":60},{"pupil_id":"P2","amount":30}]}`,
		`{"year":2026,"account_id":"F2","total":0,"payments":[],"children":[]}`,
	} {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}))
		bad := topUpClient(t, hs.URL, "tok")
		if _, err := bad.Certificate(ctx, "F1", 2026); !errors.Is(err, central.ErrMalformedReply) {
			t.Errorf("%s: %v", body, err)
		}
		hs.Close()
	}
}
