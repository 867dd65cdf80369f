package server

import (
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestOpenAPITopUps checks the top-up paths and schemas of openapi.yaml
// against central/wire_topup.go and the Go types, as TestOpenAPIMatchesTypes
// does for the rest.
func TestOpenAPITopUps(t *testing.T) {
	doc := readOpenAPI(t)
	wantPaths(t, doc, central.PathTopUps, central.PathNotices+"{code}", central.PathReceipts)
	for _, code := range []string{central.CodeUnknownAccount, central.CodeIdempotencyConflict, central.CodeNoDebtor,
		central.CodeUnknownNotice, central.CodeAlreadyPaid, central.CodeReceiptConflict, central.CodeForbidden} {
		if !strings.Contains(doc, code) {
			t.Errorf("error code %s undocumented", code)
		}
	}
	wantSchemasMatch(t, doc, map[string]any{"TopUpRequest": app.TopUpRequest{}, "Creditor": app.Creditor{}, "Receipt": app.Receipt{}, "Notice": app.Notice{}})
	sections := schemaSections(t, doc)
	for _, s := range []app.NoticeState{app.NoticeValid, app.NoticePaid, app.NoticeExpired, app.NoticeInvalid} {
		if !strings.Contains(sections["Notice"], string(s)) {
			t.Errorf("state %s undocumented", s)
		}
	}
}
