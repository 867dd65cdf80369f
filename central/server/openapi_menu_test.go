package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	legacy "github.com/getkin/kin-openapi/routers/legacy"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestOpenAPIMenu checks the menu's path and schemas against the Go types,
// then sends real requests (the menu, and a booking on a closed day) and
// validates each reply against openapi.yaml with kin-openapi.
func TestOpenAPIMenu(t *testing.T) {
	raw, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(central.PathMenu) + `:$`).Match(raw) {
		t.Errorf("path %s missing", central.PathMenu)
	}
	if !bytes.Contains(raw, []byte(central.CodeClosedDay)) {
		t.Errorf("error code %s undocumented", central.CodeClosedDay)
	}
	sections := schemaSections(t, string(raw))
	for name, v := range map[string]any{"MenuCalendar": app.MenuCalendar{}, "MenuGroup": app.MenuGroup{}, "MenuDay": app.MenuDay{},
		"Dish": app.Dish{}, "DietDish": app.DietDish{}, "ClosedDay": app.ClosedDay{}} {
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
	for _, a := range app.Allergens {
		if !strings.Contains(sections["Dish"], string(a)) {
			t.Errorf("allergen %s not in the Dish schema", a)
		}
	}

	doc := loadOpenAPI(t)
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	if _, err := e.s.ImportFile("testdata/menu.json"); err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: e.base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	canteen, counter := e.roleToken("m1", RoleCanteen), e.roleToken("c1", RoleCounter)
	span := "?from=2025-03-03&to=2025-03-31"
	for _, x := range []exchange{
		{"menu", "GET", central.PathMenu + span, canteen, nil, 200},
		{"menu counter", "GET", central.PathMenu + span, counter, nil, 200},
		{"menu unchanged", "GET", central.PathMenu + span + "&version={version}", canteen, nil, 200},
		{"menu bad span", "GET", central.PathMenu + "?from=2025-03-31&to=2025-03-01", canteen, nil, 400},
		{"menu no token", "GET", central.PathMenu + span, "", nil, 401},
		{"booking closed day", "POST", central.PathBookings, counter, app.BookingRequest{PupilID: "P2", Day: "2025-04-25", Cancelled: true}, 400},
	} {
		var body []byte
		if x.body != nil {
			body, _ = json.Marshal(x.body)
		}
		mc, err := e.s.MenuCalendar("2025-03-03", "2025-03-31")
		if err != nil {
			t.Fatal(err)
		}
		x.path = strings.ReplaceAll(x.path, "{version}", strconv.FormatUint(mc.Version, 10))
		status, data, header := e.do(x.method, x.path, x.token, body)
		if status != x.status {
			t.Errorf("%s: %s %s answered %d, want %d: %s", x.name, x.method, x.path, status, x.status, data)
			continue
		}
		if x.name == "booking closed day" && !bytes.Contains(data, []byte(`"closed_day"`)) {
			t.Errorf("%s: %s", x.name, data)
		}
		req, err := http.NewRequest(x.method, e.base+x.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: no route in openapi.yaml: %v", x.name, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
		err = openapi3filter.ValidateResponse(t.Context(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(data)),
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		})
		if err != nil {
			t.Errorf("%s: the reply breaks openapi.yaml: %v\n%s", x.name, err, data)
		}
	}
}
