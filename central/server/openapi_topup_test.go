package server

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestOpenAPITopUps checks the top-up paths and schemas of openapi.yaml
// against central/wire_topup.go and the Go types, as TestOpenAPIMatchesTypes
// does for the rest.
func TestOpenAPITopUps(t *testing.T) {
	data, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, p := range []string{central.PathTopUps, central.PathNotices + "{code}", central.PathReceipts} {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(p) + `:$`).MatchString(doc) {
			t.Errorf("path %s missing", p)
		}
	}
	for _, code := range []string{central.CodeUnknownAccount, central.CodeIdempotencyConflict, central.CodeNoDebtor,
		central.CodeUnknownNotice, central.CodeAlreadyPaid, central.CodeReceiptConflict, central.CodeForbidden} {
		if !strings.Contains(doc, code) {
			t.Errorf("error code %s undocumented", code)
		}
	}
	sections := schemaSections(t, doc)
	for name, v := range map[string]any{"TopUpRequest": app.TopUpRequest{}, "Creditor": app.Creditor{}, "Receipt": app.Receipt{}, "Notice": app.Notice{}} {
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
	for _, s := range []app.NoticeState{app.NoticeValid, app.NoticePaid, app.NoticeExpired, app.NoticeInvalid} {
		if !strings.Contains(sections["Notice"], string(s)) {
			t.Errorf("state %s undocumented", s)
		}
	}
}
