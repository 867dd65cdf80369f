package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestOpenAPIAbsencesAndMessages checks the absence path and the message
// schemas of openapi.yaml against the Go types, and validates the real
// server's replies (an absence, its refusals, a family view carrying
// messages) with kin-openapi.
func TestOpenAPIAbsencesAndMessages(t *testing.T) {
	data, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{central.PathAbsences, central.PathMessages} {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(p) + `:$`).Match(data) {
			t.Errorf("path %s missing", p)
		}
	}
	sections := schemaSections(t, string(data))
	for name, v := range map[string]any{"AbsenceRequest": app.AbsenceRequest{}, "AbsenceReply": app.AbsenceReply{},
		"Message": app.Message{}, "MessageAudience": app.MessageAudience{}, "MessageRead": app.MessageRead{}, "MessagePage": app.MessagePage{}} {
		sec, ok := sections[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		fields := jsonNames(reflect.TypeOf(v))
		for _, f := range fields {
			if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `:`).MatchString(sec) {
				t.Errorf("schema %s lacks field %s", name, f)
			}
		}
		for _, p := range regexp.MustCompile(`(?m)^        ([a-z_]+):`).FindAllStringSubmatch(sec, -1) {
			if !strings.Contains(" "+strings.Join(fields, " ")+" ", " "+p[1]+" ") {
				t.Errorf("schema %s documents %s, which %T lacks", name, p[1], v)
			}
		}
	}

	doc := loadOpenAPI(t)
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	e.clock.Set(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	if _, err := e.s.SendMessage(app.Message{Title: "Menù", Body: "Nuovo menù", URL: "https://comune.example.it/menu.pdf",
		Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "A1"}}); err != nil {
		t.Fatal(err)
	}
	tok := e.roleToken("C1", RoleCounter)
	doc.Servers = openapi3.Servers{{URL: e.base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
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
		body, _ := json.Marshal(x.body)
		if x.body == nil {
			body = nil
		}
		status, reply, header := e.do(x.method, x.path, x.token, body)
		if status != x.status {
			t.Errorf("%s: %d, want %d: %s", x.name, status, x.status, reply)
			continue
		}
		if x.name == "family with messages" && !bytes.Contains(reply, []byte(`"messages":[{`)) {
			t.Errorf("the family view carries no message: %s", reply)
		}
		req, _ := http.NewRequest(x.method, e.base+x.path, bytes.NewReader(body))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+x.token)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: no route in openapi.yaml: %v", x.name, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
		if status/100 == 2 {
			if err := openapi3filter.ValidateRequest(t.Context(), in); err != nil {
				t.Errorf("%s: the request breaks openapi.yaml: %v", x.name, err)
			}
		}
		if err := openapi3filter.ValidateResponse(t.Context(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(reply)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}); err != nil {
			t.Errorf("%s: the reply breaks openapi.yaml: %v\n%s", x.name, err, reply)
		}
	}
}
