package server

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central"
)

// schemaSections splits openapi.yaml's components/schemas into one text
// per schema (a minimal YAML reading: the file is indented by two spaces).
func schemaSections(t *testing.T, doc string) map[string]string {
	t.Helper()
	_, schemas, ok := strings.Cut(doc, "\n  schemas:\n")
	if !ok {
		t.Fatal("openapi.yaml: no components/schemas")
	}
	head := regexp.MustCompile(`(?m)^    ([A-Za-z]+):\s*$`)
	idx := head.FindAllStringSubmatchIndex(schemas, -1)
	out := map[string]string{}
	for i, m := range idx {
		end := len(schemas)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		out[schemas[m[2]:m[3]]] = schemas[m[1]:end]
	}
	return out
}

// jsonNames lists a struct's JSON field names, embedded structs flattened.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonNames(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// TestOpenAPIMatchesTypes checks that central/openapi.yaml names every path
// of central/wire.go, and that each schema lists every JSON field of the Go
// type it documents (a renamed field fails here).
func TestOpenAPIMatchesTypes(t *testing.T) {
	doc := readOpenAPI(t)
	if !strings.HasPrefix(doc, "openapi: 3.0") {
		t.Fatal("not an OpenAPI 3.0 document")
	}
	if strings.Contains(doc, "\t") {
		t.Fatal("tabs in YAML")
	}
	wantPaths(t, doc, central.PathHealth, central.PathPull, central.PathEvents, central.PathBookings, central.PathFamilies+"{account_id}")
	if !strings.Contains(doc, "scheme: bearer") {
		t.Error("no bearer security scheme")
	}
	sections := schemaSections(t, doc)
	types := map[string]any{
		"PullPage": app.PullPage{}, "PushBatch": app.PushBatch{}, "PushReply": app.PushReply{}, "EventAck": app.EventAck{},
		"Health": app.Health{}, "KioskView": app.KioskView{}, "Alarm": app.Alarm{}, "OutboxEvent": app.OutboxEvent{},
		"Delta": app.Delta{}, "Ref": app.Ref{}, "Account": app.Account{}, "Pupil": app.Pupil{}, "Badge": app.Badge{},
		"Booking": app.Booking{}, "FeeBand": app.FeeBand{}, "Diet": app.Diet{}, "Staff": app.Staff{}, "News": app.News{},
		"Document": app.Document{}, "Meal": app.Meal{}, "MealVoid": app.MealVoid{}, "StaffAction": app.StaffAction{}, "Error": central.Error{},
		"BookingRequest": app.BookingRequest{}, "FamilyView": app.FamilyView{},
	}
	ref := regexp.MustCompile(`\$ref: "#/components/schemas/([A-Za-z]+)"`)
	for name, v := range types {
		sec, ok := sections[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		// allOf: the referenced schemas' fields count too.
		text := sec
		if strings.Contains(sec, "allOf:") {
			for _, m := range ref.FindAllStringSubmatch(sec, -1) {
				if strings.Contains(sec, "- {$ref: \"#/components/schemas/"+m[1]+"\"}") {
					text += sections[m[1]]
				}
			}
		}
		fields := jsonNames(reflect.TypeOf(v))
		for _, f := range fields {
			if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `:`).MatchString(text) {
				t.Errorf("schema %s lacks field %s", name, f)
			}
		}
		// And no field the type does not have.
		props := regexp.MustCompile(`(?m)^(?:        |            )([a-z_]+):`).FindAllStringSubmatch(text, -1)
		for _, p := range props {
			if !strings.Contains(" "+strings.Join(fields, " ")+" ", " "+p[1]+" ") && p[1] != "type" && p[1] != "properties" && p[1] != "required" && p[1] != "items" && p[1] != "oneOf" {
				t.Errorf("schema %s documents %s, which %T lacks", name, p[1], v)
			}
		}
	}
}
