package central_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/gpdsim"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
)

// TestClientTopUpThroughGPD: the counter's client against the real server
// publishing on the GPD simulator, HTTP all the way: the notice reaches
// the kiosk "preparing" while GPD is down, payable once GPD accepted it,
// and PAID with the family credited once after the payment is read back.
func TestClientTopUpThroughGPD(t *testing.T) {
	const key = "client-test-gpd-key"
	sim := gpdsim.New(key, nil)
	gs := httptest.NewServer(sim)
	t.Cleanup(gs.Close)
	keyFile := filepath.Join(t.TempDir(), "gpd.key")
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	pp := server.DefaultPagoPA()
	pp.GPD = &server.GPDConfig{URL: gs.URL + "/gpd/debt-positions-service/v1", SubscriptionKeyFile: keyFile, IBAN: "IT60X0542811101000000123456", Category: "9/0101108TS/"}
	srv := servertest.Start(t, servertest.Options(server.Options{PagoPA: &pp}), servertest.Kiosk("counter-1", server.RoleCounter),
		servertest.Import(server.ImportData{Accounts: []app.Account{{ID: "F1", Holder: "Rossi Mario", HolderFiscalCode: "RSSMRA80A01H501U", Balance: 1000}}}))
	c := topUpClient(t, srv.URL, srv.Tokens["counter-1"])
	ctx := t.Context()

	sim.FailNext("create", 1, http.StatusServiceUnavailable, 0)
	n, err := c.TopUp(ctx, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "counter-1/gpd-1"})
	if err != nil {
		t.Fatal(err)
	}
	if n.Publication != app.NoticePreparing {
		t.Fatalf("GPD down: the kiosk got %q, want preparing", n.Publication)
	}
	round := func() int {
		t.Helper()
		// Past the backoff of the failed attempt.
		time.Sleep(1100 * time.Millisecond)
		k, err := srv.GPDRound(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	round()
	if n, err = c.Notice(ctx, n.NoticeCode); err != nil || n.Publication != "" || n.State != app.NoticeValid {
		t.Fatalf("after GPD accepted it: %q %s %v", n.Publication, n.State, err)
	}
	if err := sim.Pay(pp.Creditor.FiscalCode, n.NoticeCode, "Banca Esempio", "R-CLIENT-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if k := round(); k != 1 {
		t.Fatalf("credited %d", k)
	}
	if k := round(); k != 0 {
		t.Fatalf("credited again: %d", k)
	}
	n, err = c.Notice(ctx, n.NoticeCode)
	if err != nil || n.State != app.NoticePaid || n.Receipt == nil || n.Receipt.ReceiptID != "R-CLIENT-1" {
		t.Fatalf("paid: %+v %v", n, err)
	}
	today := app.DayOf(time.Now(), time.UTC)
	fam, err := c.Family(ctx, "F1", today, today)
	if err != nil || fam.Account.Balance != 1000+2500 {
		t.Fatalf("the kiosk sees balance %d (%v), want 3500", fam.Account.Balance, err)
	}
}
