package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestTokenRoleMatrix sends every /v1 request with each kind of token,
// through the real server on loopback: a canteen's token pulls and pushes
// but reads no family view, changes no booking, creates no top-up and reads
// no notice; a counter's does all of those and pulls; a receipts token only
// posts receipts; a token made before roles does what both kiosk roles do.
// Refusals are 403 with the forbidden error body.
func TestTokenRoleMatrix(t *testing.T) {
	e := newEnv(t)
	d := fixture()
	d.Accounts[0].HolderFiscalCode = holderCF
	mustImport(t, e.s, d)
	notice := e.mustTopUp(e.roleToken("setup", RoleCounter), app.TopUpRequest{AccountID: "A1", Amount: 2000, IdempotencyKey: "setup"})
	rtok := e.receiptToken("connector")
	tokens := map[string]string{
		"canteen":  e.roleToken("mensa", RoleCanteen),
		"counter":  e.roleToken("sportello", RoleCounter),
		"legacy":   e.token("vecchio"),
		"receipts": rtok,
	}
	type request struct {
		name, method, path string
		body               func(role string, i int) []byte
	}
	staffBatch := func(role string, i int) []byte {
		b, _ := json.Marshal(app.PushBatch{Epoch: "E-" + role, Events: []app.OutboxEvent{
			staffEvent(fmt.Sprintf("sa-%s-%d", role, i), 1, testNow, app.StaffAction{StaffID: "S1", Action: "login"})}})
		return b
	}
	requests := []request{
		{"pull", http.MethodGet, central.PathPull, nil},
		{"push", http.MethodPost, central.PathEvents, staffBatch},
		{"family view", http.MethodGet, central.PathFamilies + "A1?from=" + string(testDay) + "&to=" + string(testDay), nil},
		{"booking", http.MethodPost, central.PathBookings, func(string, int) []byte {
			b, _ := json.Marshal(app.BookingRequest{PupilID: "P2", Day: "2025-03-11", Cancelled: true})
			return b
		}},
		{"top-up", http.MethodPost, central.PathTopUps, func(role string, i int) []byte {
			b, _ := json.Marshal(app.TopUpRequest{AccountID: "A1", Amount: 1500, IdempotencyKey: fmt.Sprintf("k-%s-%d", role, i)})
			return b
		}},
		{"notice", http.MethodGet, central.PathNotices + notice.NoticeCode, nil},
		{"receipt", http.MethodPost, central.PathReceipts, func(role string, _ int) []byte {
			b, _ := json.Marshal(receiptFor(notice, "r-"+role))
			return b
		}},
	}
	allowed := map[string]map[string]bool{
		"canteen":  {"pull": true, "push": true},
		"counter":  {"pull": true, "push": true, "family view": true, "booking": true, "top-up": true, "notice": true},
		"legacy":   {"pull": true, "push": true, "family view": true, "booking": true, "top-up": true, "notice": true},
		"receipts": {"receipt": true},
	}
	for role, tok := range tokens {
		for i, rq := range requests {
			var body []byte
			if rq.body != nil {
				body = rq.body(role, i)
			}
			code, data, _ := e.do(rq.method, rq.path, tok, body)
			if allowed[role][rq.name] {
				if code == http.StatusForbidden || code == http.StatusUnauthorized || code/100 != 2 {
					t.Errorf("%s token, %s: %d %s; want it served", role, rq.name, code, data)
				}
				continue
			}
			var ce central.Error
			if code != http.StatusForbidden || json.Unmarshal(data, &ce) != nil || ce.Code != central.CodeForbidden || ce.Message == "" {
				t.Errorf("%s token, %s: %d %s; want 403 forbidden", role, rq.name, code, data)
			}
		}
	}
	// A refusal changes nothing: the one booking is the counter's (and
	// the legacy token's), the top-ups theirs.
	if ns, _ := e.s.FamilyNotices("A1"); len(ns) != 3 {
		t.Errorf("%d notices, want 3 (setup, counter, legacy)", len(ns))
	}
}

// TestTokenRoleEvents: a counter's token pushes its staff actions, but a
// batch holding a meal or void is refused whole (403, nothing stored, so
// the kiosk keeps it); pushed again with the kiosk's canteen token the
// meal is charged. A canteen's and a token made before roles push meals.
func TestTokenRoleEvents(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	counter := e.roleToken("sportello", RoleCounter)
	batch := app.PushBatch{Epoch: "C", Events: []app.OutboxEvent{
		staffEvent("sa", 1, testNow, app.StaffAction{StaffID: "S1", Action: "login"}),
		meal("cm", 2, "sportello", "P1"),
	}}
	body, _ := json.Marshal(batch)
	if code, data := e.pushRaw(counter, body); code != http.StatusForbidden || !strings.Contains(string(data), central.CodeForbidden) {
		t.Fatalf("counter push of a meal: %d %s, want 403 forbidden", code, data)
	}
	if _, ok, _ := e.s.Event("sa"); ok {
		t.Error("a refused batch stored its staff action")
	}
	if b := e.balance("A1"); b != 1000 {
		t.Errorf("a counter's meal was charged: %d", b)
	}
	if r := e.push(counter, app.PushBatch{Epoch: "C", Events: batch.Events[:1]}); r.Results[0].Status != app.EventAccepted {
		t.Fatalf("counter push of a staff action: %+v", r.Results)
	}
	// The kiosk kept its meal: with its canteen token it is charged.
	if r := e.push(e.roleToken("sportello", RoleCanteen), batch); r.Results[1].Status != app.EventAccepted {
		t.Fatalf("canteen push of the kept meal: %+v", r.Results)
	}
	if b := e.balance("A1"); b != 1000-450 {
		t.Errorf("the kept meal pushed with the canteen token: balance %d, want %d", b, 1000-450)
	}
	for _, tok := range []string{e.roleToken("mensa", RoleCanteen), e.token("vecchia-mensa")} {
		id := "m-" + tok[:6]
		r := e.push(tok, app.PushBatch{Epoch: "M" + tok[:6], Events: []app.OutboxEvent{meal(id, 1, "", "P3"), voidEvent("v"+id, 2, id)}})
		if r.Results[0].Status != app.EventAccepted || r.Results[1].Status != app.EventAccepted {
			t.Errorf("canteen push: %+v", r.Results)
		}
	}
	if b := e.balance("A2"); b != 300 {
		t.Errorf("A2 %d", b)
	}
}

// TestTokenRoleOnCreate: a token is made for a role; a new one replaces
// the kiosk's previous token (a role-less one too).
func TestTokenRoleOnCreate(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	if _, err := e.s.CreateToken("k1", ""); err == nil {
		t.Error("a token without a role was made")
	}
	if _, err := e.s.CreateToken("k1", "receipts"); err == nil {
		t.Error("a token of an unknown role was made")
	}
	old := e.token("k1")
	tok := e.roleToken("k1", RoleCanteen)
	if code, _, _ := e.do(http.MethodGet, central.PathPull, old, nil); code != http.StatusUnauthorized {
		t.Errorf("the re-issued token still works: %d", code)
	}
	if code, _, _ := e.do(http.MethodGet, central.PathFamilies+"A1?from=2025-03-10&to=2025-03-10", tok, nil); code != http.StatusForbidden {
		t.Errorf("canteen token on a family view: %d", code)
	}
}
