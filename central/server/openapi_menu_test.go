package server

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestOpenAPIMenu checks the menu's path and schemas against the Go types,
// then sends real requests (the menu, and a booking on a closed day) and
// validates each reply against openapi.yaml with kin-openapi.
func TestOpenAPIMenu(t *testing.T) {
	raw := readOpenAPI(t)
	wantPaths(t, raw, central.PathMenu)
	if !strings.Contains(raw, central.CodeClosedDay) {
		t.Errorf("error code %s undocumented", central.CodeClosedDay)
	}
	wantSchemasMatch(t, raw, map[string]any{"MenuCalendar": app.MenuCalendar{}, "MenuGroup": app.MenuGroup{}, "MenuDay": app.MenuDay{},
		"Dish": app.Dish{}, "DietDish": app.DietDish{}, "ClosedDay": app.ClosedDay{}})
	sections := schemaSections(t, raw)
	for _, a := range app.Allergens {
		if !strings.Contains(sections["Dish"], string(a)) {
			t.Errorf("allergen %s not in the Dish schema", a)
		}
	}

	e := newEnv(t)
	mustImport(t, e.s, fixture())
	if _, err := e.s.ImportFile("testdata/menu.json"); err != nil {
		t.Fatal(err)
	}
	oa := newOpenAPIChecker(t, e.base)
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
		body := exchangeBody(x.body)
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
		oa.check(t, x, x.path, body, status, header, data, false)
	}
}
