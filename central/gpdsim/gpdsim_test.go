package gpdsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mensakiosk/central/gpd"
)

// The simulator's fidelity to GPD's published contract
// (specs/pagopa-gpd.md; openapi_external_v1.json 1.1.37).

const (
	org = "99999000013"
	key = "test-subscription-key"
)

var now = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)

func newSim(t *testing.T) (*Sim, *httptest.Server) {
	t.Helper()
	s := New(key, func() time.Time { return now })
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// validBody is a create body with every required field (and no other).
func validBody(iupd, iuv string) map[string]any {
	return map[string]any{
		"iupd": iupd, "type": "F", "fiscalCode": "RSSMRA80A01H501U", "fullName": "Rossi Mario",
		"companyName": "Comune di Esempio", "switchToExpired": true,
		"paymentOption": []any{map[string]any{
			"iuv": iuv, "amount": 2500, "description": "Ricarica mensa", "isPartialPayment": false,
			"dueDate": "2026-04-09T23:59:59",
			"transfer": []any{map[string]any{
				"idTransfer": "1", "amount": 2500, "remittanceInformation": "Ricarica mensa",
				"category": "9/0101108TS/", "iban": "IT60X0542811101000000123456",
			}},
		}},
	}
}

func call(t *testing.T, ts *httptest.Server, method, path string, body any, withKey bool) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, ts.URL+"/gpd/debt-positions-service/v1"+path, rd)
	if withKey {
		req.Header.Set(gpd.HeaderKey, key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data, resp.Header
}

const createPath = "/organizations/" + org + "/debtpositions?toPublish=true"

// TestSimRefusesWrongOrMissingFields: each required field of the
// position, option and transfer, left out or misspelt, is a 400 with a
// problem JSON naming it; the valid body is a 201.
func TestSimRefusesWrongOrMissingFields(t *testing.T) {
	_, ts := newSim(t)
	required := map[string][]string{
		"":                       {"iupd", "type", "fiscalCode", "fullName", "companyName", "switchToExpired"},
		"paymentOption":          {"iuv", "amount", "description", "isPartialPayment", "dueDate"},
		"paymentOption.transfer": {"idTransfer", "amount", "remittanceInformation", "category"},
	}
	n := 0
	for level, fields := range required {
		for _, f := range fields {
			for _, mode := range []string{"missing", "misspelt"} {
				n++
				b := validBody(fmt.Sprintf("iupd-%d", n), fmt.Sprintf("01%013d%02d", n, 0))
				obj := b
				if level != "" {
					obj = b["paymentOption"].([]any)[0].(map[string]any)
				}
				if level == "paymentOption.transfer" {
					obj = obj["transfer"].([]any)[0].(map[string]any)
				}
				v := obj[f]
				delete(obj, f)
				if mode == "misspelt" {
					obj[strings.ToLower(f[:1])+strings.ToLower(f[1:])+"_"] = v
				}
				st, data, h := call(t, ts, http.MethodPost, createPath, b, true)
				var p gpd.Problem
				if st != http.StatusBadRequest || json.Unmarshal(data, &p) != nil || p.Status != 400 || p.Title == "" || h.Get(gpd.HeaderRequestID) == "" {
					t.Errorf("%s %s.%s: %d %s, want 400 problem JSON with X-Request-Id", mode, level, f, st, data)
					continue
				}
				if mode == "missing" && !strings.Contains(p.Detail, f) && !strings.Contains(p.Detail, "Dates congruence") {
					t.Errorf("missing %s: detail %q does not name it", f, p.Detail)
				}
			}
		}
	}
	st, data, _ := call(t, ts, http.MethodPost, createPath, validBody("iupd-ok", "01000000000000144"), true)
	if st != http.StatusCreated {
		t.Fatalf("valid body: %d %s", st, data)
	}
	var got gpd.PositionResponse
	if err := json.Unmarshal(data, &got); err != nil || got.Status != gpd.StatusValid || got.PaymentOption[0].NAV != "301000000000000144" || got.PaymentOption[0].Status != gpd.OptionUnpaid {
		t.Errorf("created: %s", data)
	}
}

// TestSimValidationRules: bounds and congruence rules of GPD's
// validation.
func TestSimValidationRules(t *testing.T) {
	_, ts := newSim(t)
	cases := []struct {
		name string
		edit func(b, o, tr map[string]any)
	}{
		{"type not F/G", func(b, o, tr map[string]any) { b["type"] = "X" }},
		{"companyName over 140", func(b, o, tr map[string]any) { b["companyName"] = strings.Repeat("a", 141) }},
		{"country pattern", func(b, o, tr map[string]any) { b["country"] = "it" }},
		{"amount 0", func(b, o, tr map[string]any) { o["amount"] = 0; tr["amount"] = 0 }},
		{"transfers do not add up", func(b, o, tr map[string]any) { tr["amount"] = 2400 }},
		{"idTransfer 6", func(b, o, tr map[string]any) { tr["idTransfer"] = "6" }},
		{"iban pattern", func(b, o, tr map[string]any) { tr["iban"] = "IT60 X054" }},
		{"neither iban nor stamp", func(b, o, tr map[string]any) { delete(tr, "iban") }},
		{"description over 140", func(b, o, tr map[string]any) { o["description"] = strings.Repeat("d", 141) }},
		{"due date past", func(b, o, tr map[string]any) { o["dueDate"] = "2026-03-01T00:00:00" }},
		{"retention before due", func(b, o, tr map[string]any) { o["retentionDate"] = "2026-04-01T00:00:00" }},
		{"amount as a string", func(b, o, tr map[string]any) { o["amount"] = "2500" }},
	}
	for i, tc := range cases {
		b := validBody(fmt.Sprintf("v-%d", i), fmt.Sprintf("02%013d%02d", i, 0))
		o := b["paymentOption"].([]any)[0].(map[string]any)
		tc.edit(b, o, o["transfer"].([]any)[0].(map[string]any))
		if st, data, _ := call(t, ts, http.MethodPost, createPath, b, true); st != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", tc.name, st, data)
		}
	}
}

// TestSimKeyDuplicatesStatesPaging: the key, 409 on a duplicate IUPD or
// IUV, invalidate and mark-paid states, the list's paging and filters.
func TestSimKeyDuplicatesStatesPaging(t *testing.T) {
	s, ts := newSim(t)
	if st, _, h := call(t, ts, http.MethodGet, "/info", nil, false); st != http.StatusUnauthorized || h.Get(gpd.HeaderRequestID) == "" {
		t.Errorf("no key: %d", st)
	}
	if st, _, _ := call(t, ts, http.MethodGet, "/info", nil, true); st != http.StatusOK {
		t.Errorf("info: %d", st)
	}
	const total = 120
	for i := range total {
		if st, data, _ := call(t, ts, http.MethodPost, createPath, validBody(fmt.Sprintf("P-%03d", i), fmt.Sprintf("01%013d%02d", i, 0)), true); st != http.StatusCreated {
			t.Fatalf("create %d: %d %s", i, st, data)
		}
	}
	if st, _, _ := call(t, ts, http.MethodPost, createPath, validBody("P-000", "01999999999999900"), true); st != http.StatusConflict {
		t.Errorf("duplicate iupd: %d, want 409", st)
	}
	if st, _, _ := call(t, ts, http.MethodPost, createPath, validBody("P-new", fmt.Sprintf("01%013d%02d", 5, 0)), true); st != http.StatusConflict {
		t.Errorf("duplicate iuv: %d, want 409", st)
	}
	// Pages of 50: 50, 50, 20; every position once.
	seen := map[string]bool{}
	for page := 0; page < 3; page++ {
		st, data, _ := call(t, ts, http.MethodGet, fmt.Sprintf("/organizations/%s/debtpositions?limit=50&page=%d", org, page), nil, true)
		var pg gpd.PositionsPage
		if st != http.StatusOK || json.Unmarshal(data, &pg) != nil {
			t.Fatalf("page %d: %d %s", page, st, data)
		}
		if pg.PageInfo.ItemsFound != total || pg.PageInfo.TotalPages != 3 || pg.PageInfo.Limit != 50 || pg.PageInfo.Page != page {
			t.Errorf("page_info %+v", pg.PageInfo)
		}
		for _, p := range pg.Positions {
			seen[p.IUPD] = true
		}
	}
	if len(seen) != total {
		t.Errorf("paging saw %d positions, want %d", len(seen), total)
	}
	if st, _, _ := call(t, ts, http.MethodGet, "/organizations/"+org+"/debtpositions?limit=51", nil, true); st != http.StatusBadRequest {
		t.Errorf("limit 51: %d, want 400", st)
	}
	if st, _, _ := call(t, ts, http.MethodGet, "/organizations/"+org+"/debtpositions?payment_date_time_from=2026-01-01T00:00:00&payment_date_time_to=2026-02-15T00:00:00", nil, true); st != http.StatusBadRequest {
		t.Errorf("an interval over 30 days: %d, want 400", st)
	}
	if st, _, _ := call(t, ts, http.MethodGet, "/organizations/"+org+"/debtpositions?status=PAYED", nil, true); st != http.StatusBadRequest {
		t.Errorf("bad status: %d, want 400", st)
	}
	// Paid by a citizen: listed by status and payment time.
	paidAt := now.Add(time.Hour)
	if err := s.Pay(org, "3"+fmt.Sprintf("01%013d%02d", 7, 0), "Banca", "R-7", paidAt); err != nil {
		t.Fatal(err)
	}
	cl := gpd.NewClient(ts.URL+"/gpd/debt-positions-service/v1", key, org, nil)
	ctx := context.Background()
	pg, err := cl.List(ctx, gpd.ListQuery{Status: gpd.StatusPaid, PaidFrom: paidAt.Add(-time.Minute), Limit: 50})
	if err != nil || len(pg.Positions) != 1 || pg.Positions[0].PaymentOption[0].IDReceipt != "R-7" || pg.Positions[0].PaymentOption[0].Status != gpd.OptionPaid {
		t.Fatalf("paid list: %+v %v", pg, err)
	}
	if pg, _ := cl.List(ctx, gpd.ListQuery{Status: gpd.StatusPaid, PaidFrom: paidAt.Add(time.Minute), Limit: 50}); len(pg.Positions) != 0 {
		t.Errorf("paid before the window listed: %d", len(pg.Positions))
	}
	// A paid position cannot be invalidated; a valid one can, once.
	if err := cl.Invalidate(ctx, "P-007"); gpd.StatusOf(err) != http.StatusConflict {
		t.Errorf("invalidate paid: %v, want 409", err)
	}
	if err := cl.Invalidate(ctx, "P-008"); err != nil {
		t.Errorf("invalidate: %v", err)
	}
	if err := cl.Invalidate(ctx, "P-nope"); gpd.StatusOf(err) != http.StatusNotFound {
		t.Errorf("invalidate unknown: %v, want 404", err)
	}
	// Mark paid: 200, then 409; on an invalid position 422; unknown 404.
	nav := "3" + fmt.Sprintf("01%013d%02d", 9, 0)
	if err := cl.MarkPaid(ctx, nav, now); err != nil {
		t.Errorf("mark paid: %v", err)
	}
	if err := cl.MarkPaid(ctx, nav, now); gpd.StatusOf(err) != http.StatusConflict {
		t.Errorf("mark paid twice: %v, want 409", err)
	}
	if err := cl.MarkPaid(ctx, "3"+fmt.Sprintf("01%013d%02d", 8, 0), now); gpd.StatusOf(err) != http.StatusUnprocessableEntity {
		t.Errorf("mark paid invalid: %v, want 422", err)
	}
	if err := cl.MarkPaid(ctx, "399999999999999999", now); gpd.StatusOf(err) != http.StatusNotFound {
		t.Errorf("mark paid unknown: %v, want 404", err)
	}
	if p, err := cl.Get(ctx, "P-009"); err != nil || p.Status != gpd.StatusPaid {
		t.Errorf("get: %+v %v", p.Status, err)
	}
	if _, err := cl.Get(ctx, "P-nope"); gpd.StatusOf(err) != http.StatusNotFound {
		t.Errorf("get unknown: %v", err)
	}
}

// TestSimFaults: told to fail, it fails as asked; the client's errors
// say what happened and never carry the key.
func TestSimFaults(t *testing.T) {
	s, ts := newSim(t)
	cl := gpd.NewClient(ts.URL+"/gpd/debt-positions-service/v1", key, org, &http.Client{Timeout: 200 * time.Millisecond})
	ctx := context.Background()
	s.FailNext("info", 1, http.StatusTooManyRequests, 7)
	err := cl.Info(ctx)
	if gpd.StatusOf(err) != 429 || gpd.RetryAfterOf(err) != 7*time.Second || !gpd.IsTransient(err) {
		t.Errorf("429: %v", err)
	}
	s.FailNext("", 1, http.StatusInternalServerError, 0)
	if err := cl.Info(ctx); gpd.StatusOf(err) != 500 || !gpd.IsTransient(err) {
		t.Errorf("500: %v", err)
	}
	s.SetDelay(time.Second)
	if err := cl.Info(ctx); err == nil || gpd.StatusOf(err) != 0 || !gpd.IsTransient(err) {
		t.Errorf("timeout: %v", err)
	}
	s.SetDelay(0)
	s.LoseNextAnswer("create")
	var p gpd.Position
	b, _ := json.Marshal(validBody("LOST", "01000000000000144"))
	_ = json.Unmarshal(b, &p)
	if _, err := cl.Create(ctx, p, true); err == nil || gpd.StatusOf(err) != 0 {
		t.Errorf("lost answer: %v", err)
	}
	if s.Count() != 1 {
		t.Errorf("the lost create was not carried out")
	}
	if _, err := cl.Create(ctx, p, true); gpd.StatusOf(err) != http.StatusConflict {
		t.Errorf("retry: %v, want 409", err)
	}
	bad := gpd.NewClient(ts.URL+"/gpd/debt-positions-service/v1", "wrong-"+key, org, nil)
	err = bad.Info(ctx)
	if gpd.StatusOf(err) != http.StatusUnauthorized || strings.Contains(err.Error(), key) {
		t.Errorf("wrong key: %v", err)
	}
	for _, c := range s.Calls() {
		if strings.Contains(c.Query, key) || bytes.Contains(c.Body, []byte(key)) {
			t.Errorf("the key travelled outside its header: %+v", c)
		}
	}
}
