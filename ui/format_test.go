package ui

import (
	"math"
	"testing"
	"time"

	"mensakiosk/app"
)

// TestFormatCents: the screens' amounts are the printed avviso's
// (pagopa.FormatEuro, whose test has the full table of vectors).
func TestFormatCents(t *testing.T) {
	for c, want := range map[app.Cents]string{0: "0,00 €", -320: "-3,20 €", 102050: "1.020,50 €", math.MinInt64: "-92.233.720.368.547.758,08 €"} {
		if got := FormatCents(c); got != want {
			t.Errorf("FormatCents(%d) = %q, want %q", c, got, want)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for _, tc := range []struct {
		in   int
		want string
	}{
		{0, "0"},
		{7, "7"},
		{999, "999"},
		{1000, "1.000"},
		{12000, "12.000"},
		{50000, "50.000"},
		{1234567, "1.234.567"},
		{-1234, "-1.234"},
		{-999, "-999"},
		{math.MinInt64, "-9.223.372.036.854.775.808"},
	} {
		if got := FormatCount(tc.in); got != tc.want {
			t.Errorf("FormatCount(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatDateTime(t *testing.T) {
	at := time.Date(2026, 3, 5, 9, 7, 0, 0, time.UTC)
	if got := FormatDate(at); got != "05/03/2026" {
		t.Errorf("FormatDate = %q", got)
	}
	if got := FormatTime(at); got != "09:07" {
		t.Errorf("FormatTime = %q", got)
	}
	if got := FormatDateTime(at); got != "05/03/2026 09:07" {
		t.Errorf("FormatDateTime = %q", got)
	}
	if got := formatWhen(at, at.Add(3*time.Hour)); got != "09:07" {
		t.Errorf("formatWhen same day = %q", got)
	}
	if got := formatWhen(at, at.Add(24*time.Hour)); got != "05/03/2026 09:07" {
		t.Errorf("formatWhen other day = %q", got)
	}
}

func TestLongDate(t *testing.T) {
	day := time.Date(2026, 11, 23, 12, 7, 0, 0, time.UTC)
	for lang, want := range map[string]string{
		"it": "lunedì 23 novembre 2026",
		"en": "Monday 23 November 2026",
	} {
		if got := MustCatalogue(lang).LongDate(day); got != want {
			t.Errorf("%s: LongDate = %q, want %q", lang, got, want)
		}
	}
	it := MustCatalogue("it")
	for d, want := range []string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"} {
		if got := it.Weekday(time.Weekday(d)); got != want {
			t.Errorf("Weekday(%d) = %q, want %q", d, got, want)
		}
	}
	if got := it.Month(time.January); got != "gennaio" {
		t.Errorf("Month(January) = %q", got)
	}
	if got := it.Month(time.December); got != "dicembre" {
		t.Errorf("Month(December) = %q", got)
	}
}

func TestDisplayName(t *testing.T) {
	for _, tc := range []struct{ first, last, want string }{
		{"Marco", "Rossi", "Marco R."},
		{"Sofia", "de Luca", "Sofia D."},
		{"Ionela", "Ștefănescu", "Ionela Ș."},
		{"Omar", "", "Omar"},
		{" Anna ", " Bianchi", "Anna B."},
	} {
		if got := DisplayName(app.Pupil{FirstName: tc.first, LastName: tc.last}); got != tc.want {
			t.Errorf("DisplayName(%q, %q) = %q, want %q", tc.first, tc.last, got, tc.want)
		}
	}
}
