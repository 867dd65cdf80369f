package storage

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"mensakiosk/app"
)

// pupilSamples are records as putJSON writes them: the fast path's inputs.
func pupilSamples(t testing.TB) [][]byte {
	ps := []app.Pupil{
		{},
		{ID: "P1", AccountID: "A1", FirstName: "Anna", LastName: "Rossi", School: "Manzoni", Class: "2A",
			Weekdays: []time.Weekday{1, 3, 5}, FeeBand: "B", MealPrice: 450},
		{ID: "P2", AccountID: "A1", FirstName: "Luca", LastName: "D'Angelo", FiscalCode: "DNGLCU15A01F205X", School: "Scuola Primaria \"Rodari\"",
			Class: "10B", Weekdays: []time.Weekday{}, Diet: &app.Diet{Code: "GLUT", Name: "Senza glutine", Allergens: []string{"glutine", "orzo"}}},
		{ID: "P3", FirstName: "Zoë", LastName: "Müller <&>", Diet: &app.Diet{Code: "VEG", Allergens: []string{}}},
		{ID: "P4", FirstName: "Ugo", Diet: &app.Diet{}},
	}
	var out [][]byte
	for _, p := range ps {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkPupilDecoder asserts that the decoder gives what json.Unmarshal
// gives on v, and reports whether the fast path took it.
func checkPupilDecoder(t *testing.T, dec *pupilDecoder, v []byte) bool {
	t.Helper()
	var want app.Pupil
	wantErr := json.Unmarshal(v, &want)
	var fast app.Pupil
	took := dec.fast(v, &fast)
	if took && (wantErr != nil || !reflect.DeepEqual(fast, want)) {
		t.Fatalf("fast path on %q: %#v, encoding/json: %#v %v", v, fast, want, wantErr)
	}
	got := app.Pupil{ID: "stale", Weekdays: []time.Weekday{6}}
	err := dec.decode(v, &got)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("decode %q: error %v, encoding/json %v", v, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decode %q: %#v, encoding/json %#v", v, got, want)
	}
	return took
}

// TestPupilDecoderFastPath: every record putJSON writes without escapes
// takes the fast path (else the report would be slow again without anyone noticing), and
// what it does not write falls back to encoding/json with the same result.
func TestPupilDecoderFastPath(t *testing.T) {
	var dec pupilDecoder
	for _, v := range pupilSamples(t) {
		// Escaped strings (a quote, < > &) are rare in a roster: those
		// records go to encoding/json.
		escaped := bytes.IndexByte(v, '\\') >= 0
		if took := checkPupilDecoder(t, &dec, v); took == escaped {
			t.Errorf("putJSON's record %s: fast path %v", v, took)
		}
	}
	for _, v := range []string{
		`{"id":"P1","id":"P2"}`, // duplicate key: the last wins
		`{"ID":"P1"}`,           // keys match case-insensitively
		`{ "id":"P1"}`,          // whitespace
		`{"id":"P\u00e91"}`,     // escapes
		`{"meal_price":4.5e2}`,  // a float
		`{"meal_price":-450}`,   // negative
		`{"weekdays":[1,2],"diet":{"code":"X"},"x":1}`, // an unknown key
		`{"diet":{"code":"X","code":"Y"}}`,             // a duplicate in the diet
		`{"first_name":"\xff"}`,                        // bad UTF-8
		`{"id":1}`,                                     // the wrong type: an error
		`{"id":"P1"`,                                   // cut short: an error
		`{"id":"P1"}x`,                                 // trailing data: an error
		`null`,
	} {
		if checkPupilDecoder(t, &dec, []byte(v)) {
			t.Errorf("%s took the fast path", v)
		}
	}
}

// TestPupilDecoderSlabs: pupils decoded one after the other do not share
// weekdays, diets or allergens (appending to one leaves the next alone).
func TestPupilDecoderSlabs(t *testing.T) {
	var dec pupilDecoder
	v := []byte(`{"id":"P1","weekdays":[1,2],"diet":{"code":"G","allergens":["a"]}}`)
	var a, b app.Pupil
	if err := dec.decode(v, &a); err != nil {
		t.Fatal(err)
	}
	if err := dec.decode(v, &b); err != nil {
		t.Fatal(err)
	}
	a.Weekdays = append(a.Weekdays, 6)
	a.Diet.Allergens = append(a.Diet.Allergens, "z")
	a.Diet.Code = "changed"
	want := app.Pupil{ID: "P1", Weekdays: []time.Weekday{1, 2}, Diet: &app.Diet{Code: "G", Allergens: []string{"a"}}}
	if !reflect.DeepEqual(b, want) {
		t.Fatalf("second pupil %#v, want %#v", b, want)
	}
}

// FuzzPupilDecoder: on any input the decoder's result (and whether it
// fails) is encoding/json's, and the fast path never accepts what
// encoding/json would decode differently.
func FuzzPupilDecoder(f *testing.F) {
	for _, v := range pupilSamples(f) {
		f.Add(v)
	}
	f.Add([]byte(`{"weekdays":null,"diet":null,"fiscal_code":"X"}`))
	f.Add([]byte(`{"weekdays":[01],"meal_price":1e2}`))
	var dec pupilDecoder
	f.Fuzz(func(t *testing.T, v []byte) {
		checkPupilDecoder(t, &dec, v)
	})
}
