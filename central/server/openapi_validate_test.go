package server

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"mensakiosk/app"
	"mensakiosk/central"
)

// loadOpenAPI loads central/openapi.yaml with kin-openapi and validates it
// as an OpenAPI 3 document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// TestOpenAPIValid: the document loads and validates (kin-openapi), and
// holds to the rules a linter (Redocly's recommended set) warns about:
// a licence, no enum value twice, no unused component, and no schema
// property that is not a field (a YAML slip such as an unquoted comma in
// a flow mapping makes one).
func TestOpenAPIValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc.Info == nil || doc.Info.License == nil || doc.Info.License.Name == "" {
		t.Error("info has no licence")
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for name := range doc.Components.Schemas {
		if !strings.Contains(text, `"#/components/schemas/`+name+`"`) {
			t.Errorf("schema %s is never used", name)
		}
	}
	for name := range doc.Components.Responses {
		if !strings.Contains(text, `"#/components/responses/`+name+`"`) {
			t.Errorf("response %s is never used", name)
		}
	}
	var walk func(where string, s *openapi3.Schema, seen map[*openapi3.Schema]bool)
	walk = func(where string, s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for i, v := range s.Enum {
			if slices.IndexFunc(s.Enum[:i], func(w any) bool { return reflect.DeepEqual(v, w) }) >= 0 {
				t.Errorf("%s: enum value %v twice", where, v)
			}
		}
		for p, ref := range s.Properties {
			// JSON names are lower snake case; anything else is a slip.
			if strings.Trim(p, "abcdefghijklmnopqrstuvwxyz_0123456789") != "" {
				t.Errorf("%s: property %q", where, p)
			}
			walk(where+"."+p, ref.Value, seen)
		}
		if s.Items != nil {
			walk(where+"[]", s.Items.Value, seen)
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, r := range group {
				walk(where, r.Value, seen)
			}
		}
	}
	for name, ref := range doc.Components.Schemas {
		walk(name, ref.Value, map[*openapi3.Schema]bool{})
	}
	// Every error code the server answers is in the Error schema's enum.
	codes := doc.Components.Schemas["Error"].Value.Properties["code"].Value.Enum
	for _, c := range []string{"unauthorized", "bad_request", central.CodeBadID, "malformed_json", "too_large", "bad_cursor", "not_found",
		"method_not_allowed", "internal", central.CodeUnknownAccount, central.CodeUnknownPupil, central.CodeAfterCutoff,
		central.CodeNotCanteenDay, central.CodeIdempotencyConflict, central.CodeNoDebtor, central.CodeUnknownNotice,
		central.CodeAlreadyPaid, central.CodeReceiptConflict, central.CodeForbidden} {
		if !slices.Contains(codes, any(c)) {
			t.Errorf("error code %s not in the Error schema", c)
		}
	}
}

// exchange is one real request to the reference server and the status it
// must answer.
type exchange struct {
	name, method, path, token string
	body                      any // marshalled to JSON; a string is sent as is
	status                    int
}

// TestOpenAPIRealReplies sends real requests to the reference server on
// loopback, on every path and for the errors each documents, and checks
// each reply (status, headers, body) against openapi.yaml with
// kin-openapi's openapi3filter; the requests that succeed are checked
// against it too.
func TestOpenAPIRealReplies(t *testing.T) {
	e := newEnv(t)
	d := fixture()
	d.Accounts = append(d.Accounts, topUpFixture().Accounts...)
	mustImport(t, e.s, d)
	tok := e.token("k1")
	rtok := e.receiptToken("connector")
	oa := newOpenAPIChecker(t, e.base)

	moved := meal("m-moved", 2, "k1", "P1")
	moved.Payload = []byte(strings.Replace(string(moved.Payload), `"account_id":"A1"`, `"account_id":"A2"`, 1))
	act, _ := json.Marshal(app.StaffAction{StaffID: "S1", Action: app.ActionLogin})
	push := app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1"), moved,
		{ID: "a3", Seq: 3, Kind: app.EventStaffAction, At: testNow, Payload: act}}}
	bad := meal("m9", 9, "k1", "P2")
	bad.ID = "../x"
	gap := app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{bad}}
	month := "?from=2025-03-01&to=2025-03-31"

	var notice app.Notice
	steps := []exchange{
		{"health", "GET", central.PathHealth, "", nil, 200},
		{"health method", "POST", central.PathHealth, "", nil, 405},
		{"pull", "GET", central.PathPull + "?limit=3", tok, nil, 200},
		{"pull epoch", "GET", central.PathPull + "?epoch=E1", tok, nil, 200},
		{"pull no token", "GET", central.PathPull, "", nil, 401},
		{"pull bad token", "GET", central.PathPull, "nope", nil, 401},
		{"pull bad cursor", "GET", central.PathPull + "?cursor=zzz", tok, nil, 400},
		{"pull bad epoch", "GET", central.PathPull + "?epoch=..%2Fx", tok, nil, 400},
		{"pull method", "POST", central.PathPull, tok, nil, 405},
		{"push", "POST", central.PathEvents, tok, push, 200},
		{"push again", "POST", central.PathEvents, tok, push, 200},
		{"push bad id, a gap", "POST", central.PathEvents, tok, gap, 200},
		{"push empty", "POST", central.PathEvents, tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{}}, 200},
		{"push malformed", "POST", central.PathEvents, tok, `{"epoch":`, 400},
		{"push bad epoch", "POST", central.PathEvents, tok, `{"epoch":"../../é\u202e","events":[]}`, 400},
		{"push seq 0", "POST", central.PathEvents, tok, `{"epoch":"E1","events":[{"id":"q","seq":0,"kind":"x","at":"2025-03-10T10:00:00Z","payload":{}}]}`, 400},
		{"push no token", "POST", central.PathEvents, "", push, 401},
		{"push method", "GET", central.PathEvents, tok, nil, 405},
		{"family", "GET", central.PathFamilies + "A1" + month, tok, nil, 200},
		{"family unknown", "GET", central.PathFamilies + "NOPE" + month, tok, nil, 404},
		{"family bad range", "GET", central.PathFamilies + "A1?from=2025-03-02&to=2025-03-01", tok, nil, 400},
		{"family no token", "GET", central.PathFamilies + "A1" + month, "", nil, 401},
		{"family method", "POST", central.PathFamilies + "A1" + month, tok, nil, 405},
		{"booking", "POST", central.PathBookings, tok, app.BookingRequest{PupilID: "P2", Day: "2025-03-12", Cancelled: true}, 200},
		{"booking unknown pupil", "POST", central.PathBookings, tok, app.BookingRequest{PupilID: "NOPE", Day: "2025-03-12"}, 404},
		{"booking past", "POST", central.PathBookings, tok, app.BookingRequest{PupilID: "P2", Day: "2025-03-07"}, 400},
		{"booking malformed", "POST", central.PathBookings, tok, `[`, 400},
		{"booking method", "GET", central.PathBookings, tok, nil, 405},
		{"top-up", "POST", central.PathTopUps, tok, app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "key-1"}, 201},
		{"top-up again", "POST", central.PathTopUps, tok, app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "key-1"}, 200},
		{"top-up conflict", "POST", central.PathTopUps, tok, app.TopUpRequest{AccountID: "F1", Amount: 3000, IdempotencyKey: "key-1"}, 409},
		{"top-up no debtor", "POST", central.PathTopUps, tok, app.TopUpRequest{AccountID: "F2", Amount: 2000, IdempotencyKey: "key-2"}, 422},
		{"top-up unknown", "POST", central.PathTopUps, tok, app.TopUpRequest{AccountID: "NOPE", Amount: 2000, IdempotencyKey: "key-3"}, 404},
		{"top-up amount", "POST", central.PathTopUps, tok, app.TopUpRequest{AccountID: "F1", Amount: 1, IdempotencyKey: "key-4"}, 400},
		{"top-up method", "GET", central.PathTopUps, tok, nil, 405},
		{"notice", "GET", central.PathNotices + "{code}", tok, nil, 200},
		{"notice unknown", "GET", central.PathNotices + "301000000000000144", tok, nil, 404},
		{"receipt", "POST", central.PathReceipts, rtok, "{receipt}", 200},
		{"receipt again", "POST", central.PathReceipts, rtok, "{receipt}", 200},
		{"receipt kiosk token", "POST", central.PathReceipts, tok, "{receipt}", 403},
		{"receipt unknown notice", "POST", central.PathReceipts, rtok, app.Receipt{ReceiptID: "R2", NoticeCode: "301000000000000144", Amount: 2000, PaidAt: testNow, PSP: "Banca"}, 404},
		{"receipt malformed", "POST", central.PathReceipts, rtok, `{}`, 400},
		{"receipt no token", "POST", central.PathReceipts, "", "{receipt}", 401},
		{"certificate", "GET", central.PathCertificates + "F1?year=2025", tok, nil, 200},
		{"certificate siblings", "GET", central.PathCertificates + "A1?year=2025", tok, nil, 200},
		{"certificate future year", "GET", central.PathCertificates + "F1?year=2099", tok, nil, 400},
		{"certificate unknown", "GET", central.PathCertificates + "NOPE?year=2025", tok, nil, 404},
		{"certificate no token", "GET", central.PathCertificates + "F1?year=2025", "", nil, 401},
		{"certificate method", "POST", central.PathCertificates + "F1?year=2025", tok, nil, 405},
	}
	for _, x := range steps {
		path := strings.ReplaceAll(x.path, "{code}", notice.NoticeCode)
		body := exchangeBody(x.body)
		if x.body == "{receipt}" {
			body, _ = json.Marshal(app.Receipt{ReceiptID: "R1", NoticeCode: notice.NoticeCode, Amount: 2000, PaidAt: testNow, PSP: "Banca"})
		}
		status, data, header := e.do(x.method, path, x.token, body)
		if status != x.status {
			t.Errorf("%s: %s %s answered %d, want %d: %s", x.name, x.method, path, status, x.status, data)
			continue
		}
		if x.name == "top-up" {
			if err := json.Unmarshal(data, &notice); err != nil {
				t.Fatal(err)
			}
		}
		// A bad id breaks the spec, answered per event: its request is not checked.
		oa.check(t, x, path, body, status, header, data, !strings.Contains(x.name, "bad id"))
	}
	if notice.NoticeCode == "" {
		t.Fatal("no notice was made")
	}
}

// checkErrorBody validates an error reply against the Error schema.
func checkErrorBody(t *testing.T, doc *openapi3.T, name string, data []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if err := doc.Components.Schemas["Error"].Value.VisitJSON(v); err != nil {
		t.Errorf("%s: the error body breaks the Error schema: %v\n%s", name, err, data)
	}
}
