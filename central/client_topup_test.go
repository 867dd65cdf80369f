package central_test

// The counter's top-up calls against the real reference server on
// loopback (a temp bbolt directory), through netfault where the answer is
// lost; and reply validation against answers no real server gives.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
	"mensakiosk/internal/netfault"
)

func topUpServer(t *testing.T) (*server.Server, string, *netfault.Proxy) {
	t.Helper()
	srv := servertest.Start(t, servertest.Kiosk("counter-1", server.RoleCounter),
		servertest.Import(server.ImportData{Accounts: []app.Account{{ID: "F1", Holder: "Rossi Mario", HolderFiscalCode: "RSSMRA80A01H501U", Balance: 1000}}}))
	proxy, err := netfault.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	return srv.Server, srv.Tokens["counter-1"], proxy
}

func topUpClient(t *testing.T, url, token string) *central.Client {
	t.Helper()
	c, err := central.NewClient(central.ClientConfig{BaseURL: url, Token: token, Timeout: 5 * time.Second,
		MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestClientTopUpRoundTrip(t *testing.T) {
	srv, token, proxy := topUpServer(t)
	c := topUpClient(t, proxy.URL(), token)
	ctx := t.Context()
	req := app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "counter-1/0001"}
	n, err := c.TopUp(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if n.State != app.NoticeValid || n.Amount != 2500 || n.DebtorFiscalCode != "RSSMRA80A01H501U" || pagopa.VerifyGenerated(n.NoticeCode) != nil {
		t.Fatalf("%+v", n)
	}
	// The answer lost after the server committed: the retry gets the same
	// notice, and the family has one.
	proxy.Inject(netfault.DropAfter, 1)
	again, err := c.TopUp(ctx, req)
	if err != nil || again.NoticeCode != n.NoticeCode {
		t.Fatalf("retry: %+v %v", again, err)
	}
	proxy.Inject(netfault.DropAfter, 1)
	second, err := c.TopUp(ctx, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "counter-1/0002"})
	if err != nil || second.NoticeCode == n.NoticeCode {
		t.Fatalf("second top-up: %+v %v", second, err)
	}
	if st := proxy.Stats(); st.DropAfter != 2 {
		t.Fatalf("answers lost: %d, want 2", st.DropAfter)
	}
	if ns, err := srv.FamilyNotices("F1"); err != nil || len(ns) != 2 {
		t.Fatalf("%d notices, want 2 (retries made none): %v", len(ns), err)
	}

	// The kiosk polls; the receipt arrives; the next poll says PAID.
	got, err := c.Notice(ctx, pagopa.GroupNoticeCode(n.NoticeCode))
	if err != nil || got.State != app.NoticeValid {
		t.Fatalf("poll: %+v %v", got, err)
	}
	if _, err := srv.RecordReceipt(app.Receipt{ReceiptID: "R1", NoticeCode: n.NoticeCode, Amount: 2500, PaidAt: time.Now(), PSP: "Banca"}); err != nil {
		t.Fatal(err)
	}
	got, err = c.Notice(ctx, n.NoticeCode)
	if err != nil || got.State != app.NoticePaid || got.Receipt == nil || got.Receipt.ReceiptID != "R1" {
		t.Fatalf("after the receipt: %+v %v", got, err)
	}

	// Errors.
	var ce *central.Error
	_, err = c.TopUp(ctx, app.TopUpRequest{AccountID: "NOPE", Amount: 2500, IdempotencyKey: "k3"})
	if !errors.Is(err, app.ErrNotFound) || !errors.Is(err, app.ErrBadRequest) || !errors.As(err, &ce) || ce.Code != central.CodeUnknownAccount {
		t.Fatalf("unknown account: %v", err)
	}
	if _, err = c.TopUp(ctx, app.TopUpRequest{AccountID: "F1", Amount: 2600, IdempotencyKey: req.IdempotencyKey}); !errors.As(err, &ce) || ce.Code != central.CodeIdempotencyConflict {
		t.Fatalf("reused key: %v", err)
	}
	if _, err = c.TopUp(ctx, app.TopUpRequest{AccountID: "F1", Amount: 2500}); !errors.Is(err, app.ErrBadRequest) {
		t.Fatalf("no key: %v", err)
	}
	if _, err = c.Notice(ctx, "301000000000000144"); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("unknown notice: %v", err)
	}
	if _, err = c.Notice(ctx, "12345"); !errors.Is(err, app.ErrBadRequest) {
		t.Fatalf("malformed code: %v", err)
	}
	if err := srv.RevokeToken("counter-1"); err != nil {
		t.Fatal(err)
	}
	if _, err = c.Notice(ctx, n.NoticeCode); !errors.Is(err, app.ErrUnauthorized) {
		t.Fatalf("revoked: %v", err)
	}
}

// TestClientNoticeReplyValidation: a reply that is not a notice the system
// could have made is refused, whatever its status.
func TestClientNoticeReplyValidation(t *testing.T) {
	good := app.Notice{IUPD: "99999000013-01000000000000144", NoticeCode: "301000000000000144", AccountID: "F1",
		DebtorFiscalCode: "RSSMRA80A01H501U", DebtorName: "Rossi Mario", Amount: 2500, Subject: "Ricarica",
		DueDate: "2025-04-09", State: app.NoticeValid, Created: time.Now(),
		Creditor: app.Creditor{FiscalCode: "99999000013", Name: "Comune di Esempio"}}
	mod := func(f func(*app.Notice)) string {
		n := good
		f(&n)
		b, _ := json.Marshal(n)
		return string(b)
	}
	var reply string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		_, _ = w.Write([]byte(reply))
	}))
	defer hs.Close()
	c := topUpClient(t, hs.URL, "tok")
	ctx := t.Context()
	req := app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "k"}

	reply = mod(func(*app.Notice) {})
	if _, err := c.TopUp(ctx, req); err != nil {
		t.Fatalf("the good reply: %v", err)
	}
	if _, err := c.Notice(ctx, good.NoticeCode); err != nil {
		t.Fatalf("the good reply: %v", err)
	}
	for name, body := range map[string]string{
		"not JSON":       "<html>portal</html>",
		"check digits":   mod(func(n *app.Notice) { n.NoticeCode = "301000000000000145" }),
		"old aux digit":  mod(func(n *app.Notice) { n.NoticeCode = "001000000000000144" }),
		"grouped code":   mod(func(n *app.Notice) { n.NoticeCode = "3010 0000 0000 0001 44" }),
		"unknown state":  mod(func(n *app.Notice) { n.State = "PENDING" }),
		"zero amount":    mod(func(n *app.Notice) { n.Amount = 0 }),
		"other amount":   mod(func(n *app.Notice) { n.Amount = 2600 }),
		"other account":  mod(func(n *app.Notice) { n.AccountID = "F2" }),
		"no debtor":      mod(func(n *app.Notice) { n.DebtorFiscalCode = "" }),
		"bad creditor":   mod(func(n *app.Notice) { n.Creditor.FiscalCode = "00000000000" }),
		"bad due date":   mod(func(n *app.Notice) { n.DueDate = "09/04/2025" }),
		"paid, no rcpt":  mod(func(n *app.Notice) { n.State = app.NoticePaid }),
		"rcpt, not paid": mod(func(n *app.Notice) { n.Receipt = &app.Receipt{ReceiptID: "R"} }),
	} {
		reply = body
		n, err := c.TopUp(ctx, req)
		if !errors.Is(err, central.ErrMalformedReply) || n.NoticeCode != "" {
			t.Errorf("%s: top-up accepted it: %+v %v", name, n, err)
		}
		if strings.Contains(name, "account") || strings.Contains(name, "amount") && name != "zero amount" {
			continue // a poll does not know the account or the amount
		}
		if n, err := c.Notice(ctx, good.NoticeCode); !errors.Is(err, central.ErrMalformedReply) || n.NoticeCode != "" {
			t.Errorf("%s: poll accepted it: %+v %v", name, n, err)
		}
	}
	reply = mod(func(*app.Notice) {})
	if _, err := c.Notice(ctx, "302123456789012356"); !errors.Is(err, central.ErrMalformedReply) {
		t.Errorf("another notice than asked for: %v", err)
	}
}
