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

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The checks the openapi_*_test.go files share: the document's text
// against the Go types, and real exchanges with the reference server
// against the document (kin-openapi's openapi3filter).

// readOpenAPI returns central/openapi.yaml as text.
func readOpenAPI(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// wantPaths reports each path the document does not declare.
func wantPaths(t *testing.T, doc string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(p) + `:$`).MatchString(doc) {
			t.Errorf("path %s missing", p)
		}
	}
}

// wantSchemasMatch checks each named schema of the document against the Go
// value's JSON fields, both ways: a field the schema lacks, and a property
// the type lacks.
func wantSchemasMatch(t *testing.T, doc string, types map[string]any) {
	t.Helper()
	sections := schemaSections(t, doc)
	for name, v := range types {
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
}

// exchangeBody is an exchange's body as sent: none for nil, a string as
// it is, anything else as JSON.
func exchangeBody(b any) []byte {
	switch b := b.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	default:
		data, _ := json.Marshal(b)
		return data
	}
}

// openAPIChecker validates real exchanges with the server at base against
// openapi.yaml.
type openAPIChecker struct {
	doc    *openapi3.T
	router routers.Router
	base   string
}

// newOpenAPIChecker loads and validates openapi.yaml and routes its paths
// on the server at base.
func newOpenAPIChecker(t *testing.T, base string) *openAPIChecker {
	t.Helper()
	doc := loadOpenAPI(t)
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &openAPIChecker{doc: doc, router: router, base: base}
}

// check validates one exchange as it was sent (path, body) and answered
// (status, header, reply): the reply against the document, and, when
// checkRequest and the server took it (2xx), the request too. A method
// the path does not have (405) has no route: its body is checked against
// the Error schema.
func (c *openAPIChecker) check(t *testing.T, x exchange, path string, body []byte, status int, header http.Header, reply []byte, checkRequest bool) {
	t.Helper()
	req, err := http.NewRequest(x.method, c.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if x.token != "" {
		req.Header.Set("Authorization", "Bearer "+x.token)
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if status == http.StatusMethodNotAllowed {
			checkErrorBody(t, c.doc, x.name, reply)
			return
		}
		t.Errorf("%s: %s %s: no route in openapi.yaml: %v", x.name, x.method, path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if checkRequest && status/100 == 2 {
		if err := openapi3filter.ValidateRequest(t.Context(), in); err != nil {
			t.Errorf("%s: the request breaks openapi.yaml: %v", x.name, err)
		}
	}
	if err := openapi3filter.ValidateResponse(t.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(reply)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}); err != nil {
		t.Errorf("%s: %s %s → %d: the reply breaks openapi.yaml: %v\n%s", x.name, x.method, path, status, err, reply)
	}
}
