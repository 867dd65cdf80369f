package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
	"mensakiosk/central/gpd"
	"mensakiosk/central/gpdsim"
)

// The GPD connector against the simulator, through real HTTP both ways:
// the counter's top-up on the server's /v1, the server's calls to GPD.

const gpdTestKey = "sub-KEY-4f0c2b9e7d1a-never-shown"

// gpdEnv is a server configured with the simulator as its GPD.
type gpdEnv struct {
	*env
	sim    *gpdsim.Sim
	simURL string
	logs   *apptest.LogBuffer
	cfg    PagoPAConfig
	tok    string
}

func newGPDEnv(t *testing.T) *gpdEnv {
	t.Helper()
	clock := apptest.NewClock(testNow)
	sim := gpdsim.New(gpdTestKey, clock.Now)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)
	keyFile := filepath.Join(t.TempDir(), "gpd.key")
	if err := os.WriteFile(keyFile, []byte(gpdTestKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultPagoPA()
	cfg.GPD = &GPDConfig{URL: hs.URL + "/gpd/debt-positions-service/v1", SubscriptionKeyFile: keyFile,
		IBAN: "IT60X0542811101000000123456", Category: "9/0101108TS/"}
	g := &gpdEnv{sim: sim, simURL: cfg.GPD.URL, logs: &apptest.LogBuffer{}, cfg: cfg}
	g.env = &env{t: t, dir: t.TempDir(), clock: clock, http: &http.Client{Timeout: 30 * time.Second}}
	g.open()
	t.Cleanup(func() { g.close() })
	mustImport(t, g.s, topUpFixture())
	g.tok = g.token("counter-1")
	return g
}

func (g *gpdEnv) open() {
	g.t.Helper()
	s, err := openTest(g.t, g.dir, Options{Clock: g.clock, PagoPA: &g.cfg, Log: slog.New(slog.NewJSONHandler(g.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		g.t.Fatal(err)
	}
	g.s = s
	g.serve()
}

func (g *gpdEnv) close() {
	if g.s == nil {
		return
	}
	g.stop()
	if err := g.s.Close(); err != nil {
		g.t.Error(err)
	}
	g.s = nil
}

// restart stops the server and starts a new one on the same database.
func (g *gpdEnv) restart() {
	g.close()
	g.open()
}

func (g *gpdEnv) round() int {
	g.t.Helper()
	n, err := g.s.GPDRound(context.Background())
	if err != nil {
		g.t.Fatalf("GPD round: %v", err)
	}
	return n
}

// later moves the clock on (past any backoff) and runs a round.
func (g *gpdEnv) later(d time.Duration) int {
	g.clock.Set(g.clock.Now().Add(d))
	return g.round()
}

func (g *gpdEnv) creates() (n int, statuses []int) {
	for _, c := range g.sim.Calls() {
		if c.Method == http.MethodPost && strings.HasSuffix(c.Path, "/debtpositions") {
			n++
			statuses = append(statuses, c.Status)
		}
	}
	return n, statuses
}

func (g *gpdEnv) iupd(n app.Notice) string { return TestCreditorCF + "-" + n.NoticeCode[1:] }

// TestGPDTopUpPublishedPaidCreditedOnce: a top-up at the counter creates
// one position on GPD with every required field right, the notice is
// payable at once; paid on pagoPA, the payment is read back and credited
// once, whatever the number of polls.
func TestGPDTopUpPublishedPaidCreditedOnce(t *testing.T) {
	g := newGPDEnv(t)
	n := g.mustTopUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "k-1"})
	if n.Publication != "" || n.State != app.NoticeValid {
		t.Fatalf("notice answered %q %s: want payable at once (GPD accepted it)", n.Publication, n.State)
	}
	pos, raw, ok := g.sim.Position(TestCreditorCF, g.iupd(n))
	if !ok {
		t.Fatalf("no position %s on GPD", g.iupd(n))
	}
	if pos.Status != gpd.StatusValid {
		t.Errorf("GPD status %s, want VALID (published)", pos.Status)
	}
	// The body as GPD received it, field by field (specs/pagopa-gpd.md).
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"iupd": g.iupd(n), "type": "F", "fiscalCode": holderCF, "fullName": "Rossi Mario",
		"companyName": TestCreditorName, "switchToExpired": true}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("position %s = %v, want %v", k, body[k], v)
		}
	}
	opts, _ := body["paymentOption"].([]any)
	if len(opts) != 1 {
		t.Fatalf("paymentOption: %v", body["paymentOption"])
	}
	o := opts[0].(map[string]any)
	due := o["dueDate"].(string)
	for k, v := range map[string]any{"iuv": n.NoticeCode[1:], "amount": 2500.0, "description": DefaultSubject, "isPartialPayment": false} {
		if o[k] != v {
			t.Errorf("paymentOption.%s = %v, want %v", k, o[k], v)
		}
	}
	if dt, err := time.Parse(gpd.DateTimeLayout, due); err != nil || !dt.After(testNow) {
		t.Errorf("dueDate %q: want a date-time after now", due)
	}
	trs, _ := o["transfer"].([]any)
	if len(trs) != 1 {
		t.Fatalf("transfer: %v", o["transfer"])
	}
	for k, v := range map[string]any{"idTransfer": "1", "amount": 2500.0, "category": "9/0101108TS/", "iban": "IT60X0542811101000000123456", "remittanceInformation": DefaultSubject} {
		if tr := trs[0].(map[string]any); tr[k] != v {
			t.Errorf("transfer.%s = %v, want %v", k, tr[k], v)
		}
	}
	if calls := g.sim.Calls(); len(calls) != 1 || !strings.Contains(calls[0].Query, "toPublish=true") || !calls[0].Key {
		t.Errorf("calls %+v: want one create with toPublish=true and the key", calls)
	}
	if got := pos.PaymentOption[0].NAV; got != n.NoticeCode {
		t.Errorf("GPD's nav %s, our notice code %s", got, n.NoticeCode)
	}

	// Nothing paid yet: a round credits nothing.
	if c := g.round(); c != 0 {
		t.Fatalf("credited %d before any payment", c)
	}
	paidAt := testNow.Add(10 * time.Minute)
	g.clock.Set(paidAt.Add(time.Minute))
	if err := g.sim.Pay(TestCreditorCF, n.NoticeCode, "Banca Esempio", "RCPT-0001", paidAt); err != nil {
		t.Fatal(err)
	}
	if c := g.round(); c != 1 {
		t.Fatalf("credited %d, want 1", c)
	}
	if b := g.balance("F1"); b != 1000+2500 {
		t.Errorf("balance %d, want %d", b, 3500)
	}
	_, got, _ := g.getNotice(g.tok, n.NoticeCode)
	if got.State != app.NoticePaid || got.Receipt == nil || got.Receipt.ReceiptID != "RCPT-0001" || got.Receipt.PSP != "Banca Esempio" || !got.Receipt.PaidAt.Equal(paidAt) {
		t.Errorf("notice after payment: %+v receipt %+v", got, got.Receipt)
	}
	// Overlapping polls see the payment again: no second credit.
	for range 3 {
		if c := g.later(time.Minute); c != 0 {
			t.Fatalf("credited again: %d", c)
		}
	}
	if b := g.balance("F1"); b != 3500 {
		t.Errorf("balance %d after more polls, want 3500", b)
	}
	as, _ := g.s.Alarms()
	if len(as) != 0 {
		t.Errorf("alarms %v", alarmCodes(as))
	}
}

// TestGPDDownAtCreation: with GPD down the notice is not payable
// ("preparing", then "unavailable"), nothing else stops; when GPD is back
// the notice becomes payable, one position.
func TestGPDDownAtCreation(t *testing.T) {
	g := newGPDEnv(t)
	g.sim.FailNext("create", 4, http.StatusServiceUnavailable, 0)
	st, n, _ := g.topUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 1500, IdempotencyKey: "k-down"})
	if st != http.StatusCreated || n.Publication != app.NoticePreparing {
		t.Fatalf("top-up with GPD down: %d %q, want 201 preparing", st, n.Publication)
	}
	// The same key again: the same notice, still not payable.
	_, again, _ := g.topUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 1500, IdempotencyKey: "k-down"})
	if again.NoticeCode != n.NoticeCode || again.Publication == "" {
		t.Fatalf("retry: %s %q", again.NoticeCode, again.Publication)
	}
	g.later(time.Minute)
	g.later(time.Minute)
	_, cur, _ := g.getNotice(g.tok, n.NoticeCode)
	if cur.Publication != app.NoticeUnavailable {
		t.Fatalf("after 4 failed attempts: %q, want unavailable", cur.Publication)
	}
	if c := g.s.mustCounts(t); c.GPDPending != 1 || c.GPDUnavailable != 1 {
		t.Errorf("status: pending %d unavailable %d", c.GPDPending, c.GPDUnavailable)
	}
	g.later(10 * time.Minute) // GPD is back
	_, cur, _ = g.getNotice(g.tok, n.NoticeCode)
	if cur.Publication != "" || cur.State != app.NoticeValid {
		t.Fatalf("GPD back: %q %s, want payable", cur.Publication, cur.State)
	}
	if g.sim.Count() != 1 {
		t.Errorf("%d positions on GPD, want 1", g.sim.Count())
	}
	if c := g.s.mustCounts(t); c.GPDPending != 0 {
		t.Errorf("outbox still holds %d", c.GPDPending)
	}
}

func (s *Server) mustCounts(t *testing.T) Counts {
	t.Helper()
	c, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGPDLostAnswerThenRetry: GPD creates the position but its 201 is
// lost; the retry gets 409, reads the position back, and takes it as
// published: one position.
func TestGPDLostAnswerThenRetry(t *testing.T) {
	g := newGPDEnv(t)
	g.sim.LoseNextAnswer("create")
	_, n, _ := g.topUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 3000, IdempotencyKey: "k-lost"})
	if n.Publication != app.NoticePreparing {
		t.Fatalf("lost answer: %q, want preparing", n.Publication)
	}
	if g.sim.Count() != 1 {
		t.Fatalf("the simulator did not create the position")
	}
	g.later(5 * time.Second)
	_, cur, _ := g.getNotice(g.tok, n.NoticeCode)
	if cur.Publication != "" {
		t.Fatalf("after the retry: %q, want payable", cur.Publication)
	}
	nc, statuses := g.creates()
	if nc != 2 || statuses[1] != http.StatusConflict || g.sim.Count() != 1 {
		t.Errorf("creates %d %v, positions %d: want the retry answered 409 and one position", nc, statuses, g.sim.Count())
	}
	if !strings.Contains(g.logs.String(), "existed already") {
		t.Error("the 409 taken as done is not logged")
	}
}

// TestGPDRateLimitedBacksOff: a 429 with Retry-After is waited out, not
// hammered.
func TestGPDRateLimitedBacksOff(t *testing.T) {
	g := newGPDEnv(t)
	g.sim.FailNext("create", 1, http.StatusTooManyRequests, 120)
	_, n, _ := g.topUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "k-429"})
	if n.Publication != app.NoticePreparing {
		t.Fatalf("%q", n.Publication)
	}
	g.later(60 * time.Second) // within Retry-After: no call
	if nc, _ := g.creates(); nc != 1 {
		t.Fatalf("%d creates within Retry-After, want 1", nc)
	}
	g.later(61 * time.Second)
	if nc, _ := g.creates(); nc != 2 {
		t.Fatalf("%d creates after Retry-After, want 2", nc)
	}
	_, cur, _ := g.getNotice(g.tok, n.NoticeCode)
	if cur.Publication != "" {
		t.Fatalf("%q, want payable", cur.Publication)
	}
	// The payment poll rate-limited: an error, the cursor unmoved, the
	// payment credited at the next poll.
	if err := g.sim.Pay(TestCreditorCF, n.NoticeCode, "PSP", "R-429", g.clock.Now()); err != nil {
		t.Fatal(err)
	}
	g.sim.FailNext("list", 1, http.StatusTooManyRequests, 30)
	if _, err := g.s.GPDRound(context.Background()); gpd.StatusOf(err) != http.StatusTooManyRequests || gpd.RetryAfterOf(err) != 30*time.Second {
		t.Fatalf("poll rate-limited: %v", err)
	}
	if c := g.later(time.Minute); c != 1 {
		t.Fatalf("credited %d, want 1", c)
	}
}

// TestGPDRestartBetweenCreationAndPayment: the server stops with a
// position not yet accepted, and again before the payment: one position,
// one credit.
func TestGPDRestartBetweenCreationAndPayment(t *testing.T) {
	g := newGPDEnv(t)
	g.sim.FailNext("create", 1, http.StatusBadGateway, 0)
	_, n, _ := g.topUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 4000, IdempotencyKey: "k-restart"})
	if n.Publication != app.NoticePreparing {
		t.Fatalf("%q", n.Publication)
	}
	g.restart()
	g.later(time.Minute)
	if _, cur, _ := g.getNotice(g.tok, n.NoticeCode); cur.Publication != "" {
		t.Fatalf("after the restart: %q", cur.Publication)
	}
	g.restart()
	if err := g.sim.Pay(TestCreditorCF, n.NoticeCode, "PSP", "R-restart", g.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if c := g.later(time.Minute); c != 1 {
		t.Fatalf("credited %d", c)
	}
	g.restart()
	if c := g.later(time.Minute); c != 0 {
		t.Fatalf("credited again after a restart: %d", c)
	}
	if g.sim.Count() != 1 || g.balance("F1") != 1000+4000 {
		t.Errorf("positions %d balance %d", g.sim.Count(), g.balance("F1"))
	}
}

// TestGPDInvalidateAndCashAtOffice: the office's withdrawal reaches GPD;
// cash paid at the office marks the option paid on GPD, and that mark is
// not taken for a second payment.
func TestGPDInvalidateAndCashAtOffice(t *testing.T) {
	g := newGPDEnv(t)
	a := g.mustTopUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "k-inv"})
	b := g.mustTopUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "k-cash"})
	if _, err := g.s.InvalidateNotice(a.NoticeCode, "asked by mistake"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.s.MarkPaid(b.NoticeCode, "", "", 0); err != nil {
		t.Fatal(err)
	}
	g.later(time.Second)
	if pa, _, _ := g.sim.Position(TestCreditorCF, g.iupd(a)); pa.Status != gpd.StatusInvalid {
		t.Errorf("withdrawn notice on GPD: %s, want INVALID", pa.Status)
	}
	pb, _, _ := g.sim.Position(TestCreditorCF, g.iupd(b))
	if pb.Status != gpd.StatusPaid || pb.PaymentOption[0].Status != gpd.OptionPaid {
		t.Errorf("cash notice on GPD: %s %s, want PAID PO_PAID", pb.Status, pb.PaymentOption[0].Status)
	}
	for range 2 {
		if c := g.later(time.Minute); c != 0 {
			t.Fatalf("the office's own mark credited %d", c)
		}
	}
	if bal := g.balance("F1"); bal != 1000+2000 {
		t.Errorf("balance %d, want 3000", bal)
	}
	if as, _ := g.s.Alarms(); len(as) != 0 {
		t.Errorf("alarms %v", alarmCodes(as))
	}
	// Paying the withdrawn notice on pagoPA is impossible.
	if err := g.sim.Pay(TestCreditorCF, a.NoticeCode, "PSP", "R-x", g.clock.Now()); err == nil {
		t.Error("a withdrawn notice was payable on GPD")
	}
}

// TestGPDRefused: a position GPD refuses is withdrawn here, the office
// alarmed, nothing payable.
func TestGPDRefused(t *testing.T) {
	g := newGPDEnv(t)
	g.sim.FailNext("create", 1, http.StatusBadRequest, 0)
	_, n, _ := g.topUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "k-400"})
	if n.Publication != app.NoticeRefused || n.State != app.NoticeInvalid {
		t.Fatalf("%q %s, want refused INVALID", n.Publication, n.State)
	}
	as, _ := g.s.Alarms()
	if codes := alarmCodes(as); len(codes) != 1 || codes[0] != AlarmGPDRefused {
		t.Errorf("alarms %v", codes)
	}
	g.later(time.Hour)
	if nc, _ := g.creates(); nc != 1 {
		t.Errorf("a refused position was sent again: %d creates", nc)
	}
}

// TestGPDKeyNeverLeaks: the subscription key is in no log line, no
// answer to a kiosk, no alarm, no status, not in the database, whatever
// fails.
func TestGPDKeyNeverLeaks(t *testing.T) {
	g := newGPDEnv(t)
	g.sim.FailNext("create", 1, http.StatusInternalServerError, 0)
	g.sim.LoseNextAnswer("create")
	var answers bytes.Buffer
	_, data, _ := g.do(http.MethodPost, central.PathTopUps, g.tok, []byte(`{"account_id":"F1","amount":1000,"idempotency_key":"k-key"}`))
	answers.Write(data)
	var n app.Notice
	_ = json.Unmarshal(data, &n)
	g.later(5 * time.Second)
	g.sim.FailNext("list", 1, http.StatusUnauthorized, 0)
	_, _ = g.s.GPDRound(context.Background())
	_, data, _ = g.do(http.MethodGet, central.PathNotices+n.NoticeCode, g.tok, nil)
	answers.Write(data)
	c := g.s.mustCounts(t)
	st, _ := json.Marshal(c)
	as, _ := g.s.Alarms()
	al, _ := json.Marshal(as)
	g.close()
	db := storeBytes(t, g.dir) // teststore_test.go
	for what, b := range map[string][]byte{"log": []byte(g.logs.String()), "answers": answers.Bytes(), "status": st, "alarms": al, "database": db} {
		if len(b) == 0 && what != "alarms" {
			t.Errorf("%s: empty: the test looks at nothing", what)
		}
		if bytes.Contains(b, []byte(gpdTestKey)) || bytes.Contains(b, []byte("KEY-4f0c2b9e7d1a")) {
			t.Errorf("the subscription key appears in the %s", what)
		}
	}
	if !strings.Contains(g.logs.String(), "pagoPA GPD") {
		t.Error("no GPD log line: the grep looked at nothing relevant")
	}
	if !strings.Contains(string(st), "payable: notices are published on pagoPA GPD at http://127.0.0.1") {
		t.Errorf("status: %s", st)
	}
}

// TestGPDNotConfiguredSaysNotPayable: without GPD, the positions of today
// stay, and status and log say plainly that notices are not payable.
func TestGPDNotConfiguredSaysNotPayable(t *testing.T) {
	e, tok := newTopUpEnv(t)
	n := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "k"})
	if n.Publication != "" || n.State != app.NoticeValid {
		t.Errorf("internal position: %q %s", n.Publication, n.State)
	}
	if c := e.counts(); c.PagoPA != PagoPANotPayable {
		t.Errorf("status says %q", c.PagoPA)
	}
	var logs apptest.LogBuffer
	s, err := openTest(t, t.TempDir(), Options{Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.RunGPD(context.Background()) // returns at once
	if !strings.Contains(logs.String(), "notices are NOT payable") {
		t.Errorf("log: %s", logs.String())
	}
}

// TestGPDConfigChecks: the "gpd" settings are checked at start.
func TestGPDConfigChecks(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	if err := os.WriteFile(key, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := GPDConfig{URL: gpd.UATURL, SubscriptionKeyFile: key, IBAN: "IT60X0542811101000000123456", Category: "9/0101108TS/"}
	for _, tc := range []struct {
		name string
		edit func(*GPDConfig)
		want string
	}{
		{"plain http elsewhere", func(c *GPDConfig) { c.URL = "http://api.uat.platform.pagopa.it/gpd/debt-positions-service/v1" }, "want https://"},
		{"no url", func(c *GPDConfig) { c.URL = "" }, "pagopa.gpd.url: missing"},
		{"no key file", func(c *GPDConfig) { c.SubscriptionKeyFile = filepath.Join(dir, "none") }, "subscription_key_file"},
		{"bad iban", func(c *GPDConfig) { c.IBAN = "IT60 X054-2811" }, "pagopa.gpd.iban"},
		{"no category", func(c *GPDConfig) { c.Category = "" }, "pagopa.gpd.category"},
		{"poll", func(c *GPDConfig) { c.PollSeconds = -1 }, "poll_seconds"},
	} {
		c := ok
		tc.edit(&c)
		cfg := DefaultPagoPA()
		cfg.GPD = &c
		_, err := openTest(t, t.TempDir(), Options{PagoPA: &cfg})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	cfg := DefaultPagoPA()
	loop := ok
	loop.URL = "http://127.0.0.1:9/gpd/debt-positions-service/v1"
	cfg.GPD = &loop
	s, err := openTest(t, t.TempDir(), Options{PagoPA: &cfg})
	if err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
	s.Close()
}

// TestGPDLongGapReadByWindows: GPD lists at most 30 days at once; after a
// long stop the server reads the gap window by window and misses nothing.
func TestGPDLongGapReadByWindows(t *testing.T) {
	g := newGPDEnv(t)
	a := g.mustTopUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "k-a"})
	if err := g.sim.Pay(TestCreditorCF, a.NoticeCode, "PSP", "R-a", g.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if c := g.later(time.Minute); c != 1 {
		t.Fatalf("credited %d", c)
	}
	// No poll for 40 days (the server was stopped): a top-up made on day
	// 39 is paid on day 40; the next poll reads from the last payment seen.
	g.clock.Set(g.clock.Now().Add(39 * 24 * time.Hour))
	b := g.mustTopUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "k-b"})
	g.clock.Set(g.clock.Now().Add(24 * time.Hour))
	if err := g.sim.Pay(TestCreditorCF, b.NoticeCode, "PSP", "R-b", g.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if c := g.later(time.Minute); c != 1 {
		t.Fatalf("after a 40-day gap: credited %d, want 1", c)
	}
	for _, c := range g.sim.Calls() {
		if c.Status == http.StatusBadRequest {
			t.Errorf("GPD refused a listing: %s?%s", c.Path, c.Query)
		}
	}
	if bal := g.balance("F1"); bal != 1000+1000+2000 {
		t.Errorf("balance %d", bal)
	}
}

// TestGPDExpiredBeforePublished: a notice GPD never took before its due
// date is not sent any more (GPD would refuse the date); it stays
// unpayable, out of the outbox.
func TestGPDExpiredBeforePublished(t *testing.T) {
	g := newGPDEnv(t)
	g.sim.FailNext("create", 1000, http.StatusServiceUnavailable, 0)
	_, n, _ := g.topUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "k-exp"})
	g.later(time.Hour)
	before, _ := g.creates()
	g.later(40 * 24 * time.Hour)
	if after, _ := g.creates(); after != before {
		t.Errorf("an expired notice was sent to GPD again (%d → %d creates)", before, after)
	}
	if c := g.s.mustCounts(t); c.GPDPending != 0 {
		t.Errorf("outbox holds %d", c.GPDPending)
	}
	if _, cur, _ := g.getNotice(g.tok, n.NoticeCode); cur.State != app.NoticeExpired || cur.Publication == "" {
		t.Errorf("%s %q: want EXPIRED, not payable", cur.State, cur.Publication)
	}
}

// TestGPDStatusWithoutItsSettings: a database served with GPD, opened by
// a command without the server's settings, says what waits rather than
// "not configured".
func TestGPDStatusWithoutItsSettings(t *testing.T) {
	g := newGPDEnv(t)
	g.sim.FailNext("create", 1, http.StatusServiceUnavailable, 0)
	g.mustTopUp(g.tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "k-st"})
	g.close()
	s, err := openTest(t, g.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.mustCounts(t)
	if c.GPDPending != 1 || !strings.Contains(c.PagoPA, "1 operations wait for pagoPA GPD") {
		t.Errorf("status: %+v", c)
	}
}
