package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/central"
)

// The holder's codice fiscale of the top-up fixture (a valid one).
const holderCF = "RSSMRA80A01H501U"

// topUpFixture: family F1 (10,00 €, holder with a codice fiscale), family
// F2 without one.
func topUpFixture() ImportData {
	return ImportData{Accounts: []app.Account{
		{ID: "F1", Holder: "Rossi Mario", HolderFiscalCode: holderCF, Balance: 1000},
		{ID: "F2", Holder: "Bianchi Luca", Balance: 300},
	}}
}

func newTopUpEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t)
	mustImport(t, e.s, topUpFixture())
	return e, e.token("counter-1")
}

// topUp posts a top-up and decodes the answer: the notice on 2xx, the
// error body otherwise.
func (e *env) topUp(token string, r app.TopUpRequest) (int, app.Notice, central.Error) {
	e.t.Helper()
	body, _ := json.Marshal(r)
	code, data, _ := e.do(http.MethodPost, central.PathTopUps, token, body)
	return decodeAnswer(e.t, code, data)
}

func (e *env) getNotice(token, code string) (int, app.Notice, central.Error) {
	e.t.Helper()
	st, data, _ := e.do(http.MethodGet, central.PathNotices+code, token, nil)
	return decodeAnswer(e.t, st, data)
}

func (e *env) postReceipt(token string, r app.Receipt) (int, app.Notice, central.Error) {
	e.t.Helper()
	body, _ := json.Marshal(r)
	st, data, _ := e.do(http.MethodPost, central.PathReceipts, token, body)
	return decodeAnswer(e.t, st, data)
}

func decodeAnswer(t testing.TB, code int, data []byte) (int, app.Notice, central.Error) {
	t.Helper()
	var n app.Notice
	var ce central.Error
	if code/100 == 2 {
		if err := json.Unmarshal(data, &n); err != nil {
			t.Fatalf("%d %s: %v", code, data, err)
		}
	} else if err := json.Unmarshal(data, &ce); err != nil || ce.Code == "" {
		t.Fatalf("%d %s: not an error body", code, data)
	}
	return code, n, ce
}

func (e *env) mustTopUp(token string, r app.TopUpRequest) app.Notice {
	e.t.Helper()
	code, n, ce := e.topUp(token, r)
	if code != http.StatusCreated {
		e.t.Fatalf("top-up: %d %+v", code, ce)
	}
	return n
}

func receiptFor(n app.Notice, id string) app.Receipt {
	return app.Receipt{ReceiptID: id, NoticeCode: n.NoticeCode, Amount: n.Amount, PaidAt: testNow.Add(time.Hour), PSP: "Banca Esempio"}
}

func alarmsOf(t *testing.T, s *Server, code string) []app.Alarm {
	t.Helper()
	all, err := s.Alarms()
	if err != nil {
		t.Fatal(err)
	}
	var out []app.Alarm
	for _, a := range all {
		if a.Code == code {
			out = append(out, a)
		}
	}
	return out
}

func TestTopUpCreatesAValidNotice(t *testing.T) {
	e, tok := newTopUpEnv(t)
	n := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "k1"})
	if err := pagopa.VerifyGenerated(n.NoticeCode); err != nil {
		t.Fatal(err)
	}
	def := DefaultPagoPA()
	want := app.Notice{IUPD: TestCreditorCF + "-" + n.NoticeCode[1:], NoticeCode: n.NoticeCode, AccountID: "F1",
		DebtorFiscalCode: holderCF, DebtorName: "Rossi Mario", Amount: 2500, Subject: DefaultSubject,
		DueDate: "2025-04-09", State: app.NoticeValid, Created: testNow, Creditor: def.Creditor}
	n.Created = n.Created.UTC()
	if fmt.Sprint(n) != fmt.Sprint(want) {
		t.Fatalf("notice\n got %+v\nwant %+v", n, want)
	}
	if n.NoticeCode[1:3] != TestSegregationCode {
		t.Errorf("segregation %s", n.NoticeCode[1:3])
	}
	code, got, _ := e.getNotice(tok, n.NoticeCode)
	if code != http.StatusOK || got.NoticeCode != n.NoticeCode || got.State != app.NoticeValid {
		t.Fatalf("GET notice: %d %+v", code, got)
	}
	ns, err := e.s.FamilyNotices("F1")
	if err != nil || len(ns) != 1 || ns[0].NoticeCode != n.NoticeCode {
		t.Fatalf("family notices: %+v %v", ns, err)
	}
	if code, _, ce := e.getNotice(tok, "301000000000000144"); code != http.StatusNotFound || ce.Code != central.CodeUnknownNotice {
		t.Errorf("unknown notice: %d %+v", code, ce)
	}
}

func TestTopUpStateMachine(t *testing.T) {
	e, tok := newTopUpEnv(t)
	rtok := e.receiptToken("pagopa-connector")
	paid := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "pay"})
	expiring := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: "exp"})
	withdrawn := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 1500, IdempotencyKey: "inv"})

	// A kiosk's cursor before the payment: the next pull must carry the
	// new balance.
	before := e.pull(tok, "", 0, "")

	// VALID → PAID, credited once.
	code, n, ce := e.postReceipt(rtok, receiptFor(paid, "R1"))
	if code != http.StatusOK || n.State != app.NoticePaid || n.Receipt == nil || n.Receipt.ReceiptID != "R1" {
		t.Fatalf("receipt: %d %+v %+v", code, n, ce)
	}
	if got := e.balance("F1"); got != 3500 {
		t.Fatalf("balance %d, want 3500", got)
	}
	delta := e.pull(tok, before.Cursor, 0, "")
	if len(delta.Accounts) != 1 || delta.Accounts[0].ID != "F1" || delta.Accounts[0].Balance != 3500 || delta.Accounts[0].HolderFiscalCode != holderCF {
		t.Fatalf("the pull after the payment carries %+v", delta.Accounts)
	}

	// VALID → INVALID by the office; a paid notice cannot be withdrawn.
	inv, err := e.s.InvalidateNotice(withdrawn.NoticeCode, "importo errato")
	if err != nil || inv.State != app.NoticeInvalid {
		t.Fatalf("invalidate: %+v %v", inv, err)
	}
	var ce2 *central.Error
	if _, err := e.s.InvalidateNotice(paid.NoticeCode, "ripensamento"); !errors.As(err, &ce2) || ce2.Code != central.CodeAlreadyPaid {
		t.Fatalf("invalidating a paid notice: %v", err)
	}
	if _, err := e.s.InvalidateNotice(paid.NoticeCode, ""); err == nil {
		t.Fatal("no reason accepted")
	}

	// VALID → EXPIRED after the due date, not on it; PAID and INVALID
	// stay.
	e.clock.Set(time.Date(2025, 4, 9, 21, 59, 0, 0, time.UTC)) // 23:59 in Rome on the due date
	if _, n, _ := e.getNotice(tok, expiring.NoticeCode); n.State != app.NoticeValid {
		t.Fatalf("on its due date: %s", n.State)
	}
	e.clock.Set(time.Date(2025, 4, 9, 22, 1, 0, 0, time.UTC)) // 00:01 the day after, in Rome
	states := map[string]app.NoticeState{}
	ns, err := e.s.FamilyNotices("F1")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		states[n.NoticeCode] = n.State
	}
	want := map[string]app.NoticeState{paid.NoticeCode: app.NoticePaid, expiring.NoticeCode: app.NoticeExpired, withdrawn.NoticeCode: app.NoticeInvalid}
	if fmt.Sprint(states) != fmt.Sprint(want) {
		t.Fatalf("states %v, want %v", states, want)
	}
	if ns[0].NoticeCode != withdrawn.NoticeCode || ns[2].NoticeCode != paid.NoticeCode {
		t.Errorf("not newest first: %s %s %s", ns[0].NoticeCode, ns[1].NoticeCode, ns[2].NoticeCode)
	}
	if k, err := e.s.ExpireNotices(); err != nil || k != 1 {
		t.Fatalf("sweep: %d %v", k, err)
	}
	if k, err := e.s.ExpireNotices(); err != nil || k != 0 {
		t.Fatalf("second sweep: %d %v", k, err)
	}
	if _, n, _ := e.getNotice(tok, paid.NoticeCode); n.State != app.NoticePaid {
		t.Fatalf("paid became %s", n.State)
	}

	// Money received for an expired or withdrawn notice is recorded and
	// credited, with an alarm.
	for i, n := range []app.Notice{expiring, withdrawn} {
		code, got, ce := e.postReceipt(rtok, receiptFor(n, fmt.Sprint("late", i)))
		if code != http.StatusOK || got.State != app.NoticePaid {
			t.Fatalf("late receipt: %d %+v %+v", code, got, ce)
		}
	}
	if got := e.balance("F1"); got != 3500+1000+1500 {
		t.Fatalf("balance %d", got)
	}
	if a := alarmsOf(t, e.s, AlarmReceiptNotPayable); len(a) != 2 {
		t.Fatalf("alarms %+v", a)
	}
}

func TestTopUpIdempotent(t *testing.T) {
	e, tok := newTopUpEnv(t)
	req := app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "same"}
	first := e.mustTopUp(tok, req)
	code, again, _ := e.topUp(tok, req)
	if code != http.StatusOK || again.NoticeCode != first.NoticeCode || again.IUPD != first.IUPD {
		t.Fatalf("repeat: %d %+v", code, again)
	}
	// The key in the header only.
	body, _ := json.Marshal(app.TopUpRequest{AccountID: "F1", Amount: 2000})
	req2, _ := http.NewRequest(http.MethodPost, e.base+central.PathTopUps, bytes.NewReader(body))
	req2.Header.Set("Authorization", "Bearer "+tok)
	req2.Header.Set(central.HeaderIdempotencyKey, "same")
	resp, err := e.http.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	var viaHeader app.Notice
	_ = json.NewDecoder(resp.Body).Decode(&viaHeader)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || viaHeader.NoticeCode != first.NoticeCode {
		t.Fatalf("key in the header: %d %s", resp.StatusCode, viaHeader.NoticeCode)
	}

	// A reused key with another amount or account is refused.
	for _, r := range []app.TopUpRequest{{AccountID: "F1", Amount: 2100, IdempotencyKey: "same"}, {AccountID: "F2", Amount: 2000, IdempotencyKey: "same"}} {
		if code, _, ce := e.topUp(tok, r); code != http.StatusConflict || ce.Code != central.CodeIdempotencyConflict || ce.Field != "idempotency_key" {
			t.Errorf("%+v: %d %+v", r, code, ce)
		}
	}

	// Concurrent duplicates: one notice.
	var wg sync.WaitGroup
	codes := make([]string, 16)
	for i := range codes {
		wg.Go(func() {
			_, n, _ := e.topUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 3000, IdempotencyKey: "race"})
			codes[i] = n.NoticeCode
		})
	}
	wg.Wait()
	for _, c := range codes {
		if c == "" || c != codes[0] {
			t.Fatalf("concurrent duplicates got %v", codes)
		}
	}
	ns, err := e.s.FamilyNotices("F1")
	if err != nil || len(ns) != 2 {
		t.Fatalf("%d notices, want 2: %v", len(ns), err)
	}

	// The same key survives a restart.
	e.stop()
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := openTest(t, e.dir, Options{Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s2
	e.serve()
	if code, n, _ := e.topUp(tok, req); code != http.StatusOK || n.NoticeCode != first.NoticeCode {
		t.Fatalf("after a restart: %d %s, want %s", code, n.NoticeCode, first.NoticeCode)
	}
}

func TestTopUpRefusals(t *testing.T) {
	e, tok := newTopUpEnv(t)
	rtok := e.receiptToken("connector")
	for _, c := range []struct {
		r           app.TopUpRequest
		status      int
		code, field string
	}{
		{app.TopUpRequest{AccountID: "NOPE", Amount: 2000, IdempotencyKey: "a"}, 404, central.CodeUnknownAccount, "account_id"},
		{app.TopUpRequest{AccountID: "F1", Amount: 99, IdempotencyKey: "b"}, 400, "bad_request", "amount"},
		{app.TopUpRequest{AccountID: "F1", Amount: 50001, IdempotencyKey: "c"}, 400, "bad_request", "amount"},
		{app.TopUpRequest{AccountID: "F1", Amount: 2000}, 400, "bad_request", "idempotency_key"},
		{app.TopUpRequest{AccountID: "", Amount: 2000, IdempotencyKey: "d"}, 400, "bad_request", "account_id"},
		{app.TopUpRequest{AccountID: "F2", Amount: 2000, IdempotencyKey: "e"}, 422, central.CodeNoDebtor, "account_id"},
	} {
		code, _, ce := e.topUp(tok, c.r)
		if code != c.status || ce.Code != c.code || ce.Field != c.field {
			t.Errorf("%+v: %d %+v; want %d %s %s", c.r, code, ce, c.status, c.code, c.field)
		}
	}
	// A receipts token is not a kiosk's: no top-ups, no pulls (403: it may only post receipts).
	if code, _, _ := e.topUp(rtok, app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "f"}); code != http.StatusForbidden {
		t.Errorf("top-up with a receipts token: %d", code)
	}
	if code, _, _ := e.do(http.MethodGet, central.PathPull, rtok, nil); code != http.StatusForbidden {
		t.Errorf("pull with a receipts token: %d", code)
	}
	if code, data, _ := e.do(http.MethodPost, central.PathTopUps, tok, []byte(`{"account_id":"F1","amount":"20"}`)); code != 400 {
		t.Errorf("malformed: %d %s", code, data)
	}
	ns, _ := e.s.FamilyNotices("F1")
	if len(ns) != 0 {
		t.Fatalf("refused requests left notices: %+v", ns)
	}
}

func TestReceiptsCreditOnce(t *testing.T) {
	e, tok := newTopUpEnv(t)
	rtok := e.receiptToken("connector")
	n := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "k"})
	other := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 500, IdempotencyKey: "k2"})
	r := receiptFor(n, "R1")
	for i := range 3 {
		code, got, ce := e.postReceipt(rtok, r)
		if code != http.StatusOK || got.State != app.NoticePaid || got.Receipt.ReceiptID != "R1" {
			t.Fatalf("receipt #%d: %d %+v", i, code, ce)
		}
	}
	if got := e.balance("F1"); got != 3500 {
		t.Fatalf("balance %d after a receipt posted 3 times, want 3500", got)
	}
	// The family paid twice: the second receipt is kept, not credited.
	code, _, ce := e.postReceipt(rtok, receiptFor(n, "R2"))
	if code != http.StatusConflict || ce.Code != central.CodeAlreadyPaid {
		t.Fatalf("second receipt: %d %+v", code, ce)
	}
	code, _, _ = e.postReceipt(rtok, receiptFor(n, "R2"))
	if code != http.StatusConflict || len(alarmsOf(t, e.s, AlarmReceiptAlreadyPaid)) != 1 {
		t.Fatalf("second receipt again: %d, alarms %v", code, alarmsOf(t, e.s, AlarmReceiptAlreadyPaid))
	}
	// A receipt id reused for another notice.
	if code, _, ce := e.postReceipt(rtok, receiptFor(other, "R1")); code != http.StatusConflict || ce.Code != central.CodeReceiptConflict {
		t.Fatalf("receipt id reused: %d %+v", code, ce)
	}
	// A notice never issued: kept, alarmed once, nothing credited.
	ghost := app.Receipt{ReceiptID: "R9", NoticeCode: "3010 0000 0000 0001 44", Amount: 700, PaidAt: testNow, PSP: "Banca"}
	for range 2 {
		if code, _, ce := e.postReceipt(rtok, ghost); code != http.StatusNotFound || ce.Code != central.CodeUnknownNotice {
			t.Fatalf("unknown notice: %d %+v", code, ce)
		}
	}
	if a := alarmsOf(t, e.s, AlarmReceiptUnknownNotice); len(a) != 1 {
		t.Fatalf("alarms %+v", a)
	}
	if got := e.balance("F1"); got != 3500 {
		t.Fatalf("balance %d, want 3500", got)
	}
	// Malformed receipts.
	for _, bad := range []app.Receipt{
		{ReceiptID: "", NoticeCode: n.NoticeCode, Amount: 1, PaidAt: testNow, PSP: "x"},
		{ReceiptID: "X1", NoticeCode: "12345", Amount: 1, PaidAt: testNow, PSP: "x"},
		{ReceiptID: "X2", NoticeCode: other.NoticeCode, Amount: 0, PaidAt: testNow, PSP: "x"},
		{ReceiptID: "X3", NoticeCode: other.NoticeCode, Amount: 500, PSP: "x"},
		{ReceiptID: "X4", NoticeCode: other.NoticeCode, Amount: 500, PaidAt: testNow},
	} {
		if code, _, ce := e.postReceipt(rtok, bad); code != http.StatusBadRequest {
			t.Errorf("%+v: %d %+v", bad, code, ce)
		}
	}
	if _, got, _ := e.getNotice(tok, other.NoticeCode); got.State != app.NoticeValid {
		t.Fatalf("malformed receipts changed the notice: %s", got.State)
	}
}

func TestReceiptAmountMismatch(t *testing.T) {
	e, tok := newTopUpEnv(t)
	n := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "k"})
	r := receiptFor(n, "R1")
	r.Amount = 2000
	got, err := e.s.RecordReceipt(r)
	if err != nil || got.State != app.NoticePaid || got.Receipt.Amount != 2000 || got.Amount != 2500 {
		t.Fatalf("%+v %v", got, err)
	}
	if b := e.balance("F1"); b != 3000 {
		t.Fatalf("balance %d: the amount paid (2000) is credited", b)
	}
	if a := alarmsOf(t, e.s, AlarmReceiptAmount); len(a) != 1 {
		t.Fatalf("alarms %+v", a)
	}
}

func TestReceiptsNeedAReceiptsToken(t *testing.T) {
	e, tok := newTopUpEnv(t)
	n := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: "k"})
	r := receiptFor(n, "R1")
	if code, _, ce := e.postReceipt(tok, r); code != http.StatusForbidden || ce.Code != central.CodeForbidden {
		t.Fatalf("kiosk token: %d %+v", code, ce)
	}
	if code, _, _ := e.postReceipt("", r); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	if code, _, _ := e.postReceipt("made-up", r); code != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d", code)
	}
	rtok := e.receiptToken("connector")
	if err := e.s.RevokeReceiptToken("connector"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.postReceipt(rtok, r); code != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", code)
	}
	if b := e.balance("F1"); b != 1000 {
		t.Fatalf("balance %d: nothing may be credited", b)
	}
	rtok, _ = e.s.CreateReceiptToken("connector")
	if code, _, _ := e.postReceipt(rtok, r); code != http.StatusOK {
		t.Fatalf("receipts token: %d", code)
	}
}

// TestNoticeCodesNeverRepeat issues notices, restarts the server, puts
// back an older copy of the database (as after a restore from backup) and
// issues more: every code is distinct and passes the strict check, even
// with the clock set back.
func TestNoticeCodesNeverRepeat(t *testing.T) {
	e, tok := newTopUpEnv(t)
	seen := map[string]bool{}
	key := 0
	issue := func(k int) {
		t.Helper()
		for range k {
			key++
			n := e.mustTopUp(tok, app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: fmt.Sprint("k", key)})
			if err := pagopa.VerifyGenerated(n.NoticeCode); err != nil {
				t.Fatal(err)
			}
			if seen[n.NoticeCode] {
				t.Fatalf("notice code %s issued twice", n.NoticeCode)
			}
			seen[n.NoticeCode] = true
		}
	}
	restart := func(prepare func()) {
		t.Helper()
		e.stop()
		if err := e.s.Close(); err != nil {
			t.Fatal(err)
		}
		if prepare != nil {
			prepare()
		}
		s, err := openTest(t, e.dir, Options{Clock: e.clock})
		if err != nil {
			t.Fatal(err)
		}
		e.s = s
		e.serve()
	}
	issue(5) // all in the same hundredth of a second: the counter
	restart(nil)
	issue(3)
	putBack := backupStore(t, e.s) // teststore_test.go
	issue(5)
	// The clock moves on (a restore takes time), the old copy comes back.
	e.clock.Set(testNow.Add(time.Minute))
	restart(putBack)
	issue(5)
	// A clock set back: the counter goes on.
	e.clock.Set(testNow.Add(-time.Hour))
	issue(3)
	if len(seen) != 21 {
		t.Fatalf("%d codes", len(seen))
	}
	codes := make([]string, 0, len(seen))
	for c := range seen {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	t.Logf("codes %s … %s", codes[0], codes[len(codes)-1])
}

func TestPagoPAConfig(t *testing.T) {
	good := DefaultPagoPA()
	s0, err := openTest(t, t.TempDir(), Options{PagoPA: &good})
	if err != nil {
		t.Fatalf("default: %v", err)
	}
	s0.Close()
	for name, mod := range map[string]func(*PagoPAConfig){
		"zeros":           func(c *PagoPAConfig) { c.Creditor.FiscalCode = "00000000000" },
		"short cf":        func(c *PagoPAConfig) { c.Creditor.FiscalCode = "1234" },
		"segregation 46":  func(c *PagoPAConfig) { c.SegregationCode = "46" },
		"segregation 1":   func(c *PagoPAConfig) { c.SegregationCode = "1" },
		"no name":         func(c *PagoPAConfig) { c.Creditor.Name = " " },
		"min above max":   func(c *PagoPAConfig) { c.MinCents, c.MaxCents = 5000, 100 },
		"negative min":    func(c *PagoPAConfig) { c.MinCents = -1 },
		"due days":        func(c *PagoPAConfig) { c.DueDays = 400 },
		"cbill":           func(c *PagoPAConfig) { c.Creditor.CBILL = "AB-12" },
		"subject too big": func(c *PagoPAConfig) { c.Subject = string(make([]byte, 91)) },
	} {
		c := DefaultPagoPA()
		mod(&c)
		if s, err := openTest(t, t.TempDir(), Options{PagoPA: &c}); err == nil {
			s.Close()
			t.Errorf("%s: accepted", name)
		}
	}
	// A check digit failure is only a warning; the code is used.
	c := PagoPAConfig{Creditor: app.Creditor{FiscalCode: "77777777777", Name: "Comune di Prova"}, SegregationCode: "02"}
	s, err := openTest(t, t.TempDir(), Options{PagoPA: &c})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustImport(t, s, topUpFixture())
	n, _, err := s.CreateTopUp("k", app.TopUpRequest{AccountID: "F1", Amount: 100, IdempotencyKey: "x"})
	if err != nil || n.Creditor.FiscalCode != "77777777777" || n.NoticeCode[1:3] != "02" || n.Subject != DefaultSubject {
		t.Fatalf("%+v %v", n, err)
	}
}
