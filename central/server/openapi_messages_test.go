package server

import (
	"bytes"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestOpenAPIAbsencesAndMessages checks the absence path and the message
// schemas of openapi.yaml against the Go types, and validates the real
// server's replies (an absence, its refusals, a family view carrying
// messages) with kin-openapi.
func TestOpenAPIAbsencesAndMessages(t *testing.T) {
	doc := readOpenAPI(t)
	wantPaths(t, doc, central.PathAbsences, central.PathMessages)
	wantSchemasMatch(t, doc, map[string]any{"AbsenceRequest": app.AbsenceRequest{}, "AbsenceReply": app.AbsenceReply{},
		"Message": app.Message{}, "MessageAudience": app.MessageAudience{}, "MessageRead": app.MessageRead{}, "MessagePage": app.MessagePage{}})

	e := newEnv(t)
	mustImport(t, e.s, fixture())
	e.clock.Set(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	if _, err := e.s.SendMessage(app.Message{Title: "Menù", Body: "Nuovo menù", URL: "https://comune.example.it/menu.pdf",
		Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "A1"}}); err != nil {
		t.Fatal(err)
	}
	tok := e.roleToken("C1", RoleCounter)
	oa := newOpenAPIChecker(t, e.base)
	for _, x := range []exchange{
		{"absence", "POST", central.PathAbsences, tok, app.AbsenceRequest{AccountID: "A1", From: "2025-03-11", To: "2025-03-14"}, 200},
		{"absence one child", "POST", central.PathAbsences, tok, app.AbsenceRequest{AccountID: "A1", PupilIDs: []app.PupilID{"P1"}, From: "2025-03-17", To: "2025-03-17"}, 200},
		{"absence past", "POST", central.PathAbsences, tok, app.AbsenceRequest{AccountID: "A1", From: "2025-03-07", To: "2025-03-14"}, 400},
		{"absence unknown", "POST", central.PathAbsences, tok, app.AbsenceRequest{AccountID: "NOPE", From: "2025-03-11", To: "2025-03-14"}, 404},
		{"absence canteen", "POST", central.PathAbsences, e.roleToken("K1", RoleCanteen), app.AbsenceRequest{AccountID: "A1", From: "2025-03-11", To: "2025-03-14"}, 403},
		{"family with messages", "GET", central.PathFamilies + "A1?from=2025-03-01&to=2025-03-31", tok, nil, 200},
		{"messages", "GET", central.PathMessages, tok, nil, 200},
		{"messages after", "GET", central.PathMessages + "?after=M000001&limit=10", tok, nil, 200},
		{"messages bad after", "GET", central.PathMessages + "?after=x", tok, nil, 400},
		{"messages canteen", "GET", central.PathMessages, e.roleToken("K3", RoleCanteen), nil, 403},
		{"push a read", "POST", central.PathEvents, tok, app.PushBatch{Epoch: "c1", Events: []app.OutboxEvent{
			readEvent("r-1", 1, time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC), app.MessageRead{MessageID: "M000001", AccountID: "A1"})}}, 200},
		{"push a read, canteen", "POST", central.PathEvents, e.roleToken("K2", RoleCanteen), app.PushBatch{Epoch: "k2", Events: []app.OutboxEvent{
			readEvent("r-2", 1, time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC), app.MessageRead{MessageID: "M000001", AccountID: "A1"})}}, 403},
	} {
		body := exchangeBody(x.body)
		status, reply, header := e.do(x.method, x.path, x.token, body)
		if status != x.status {
			t.Errorf("%s: %d, want %d: %s", x.name, status, x.status, reply)
			continue
		}
		if x.name == "family with messages" && !bytes.Contains(reply, []byte(`"messages":[{`)) {
			t.Errorf("the family view carries no message: %s", reply)
		}
		oa.check(t, x, x.path, body, status, header, reply, true)
	}
}
