package demo

import (
	"testing"
	"time"

	"mensakiosk/app"
)

func TestBuildMix(t *testing.T) {
	r, badges := Build("2026-11-23", time.Now())
	if len(r.Pupils) != 120 {
		t.Fatalf("pupils %d", len(r.Pupils))
	}
	schools := map[string]bool{}
	classes := map[string]bool{}
	bands := map[string]bool{}
	var diet, blocked, bland, cancelled, negative, siblings int
	perAccount := map[app.AccountID]int{}
	for _, p := range r.Pupils {
		schools[p.School] = true
		classes[p.School+p.Class] = true
		bands[p.FeeBand] = true
		if p.Diet != nil {
			diet++
		}
		perAccount[p.AccountID]++
	}
	for _, n := range perAccount {
		if n > 1 {
			siblings++
		}
	}
	ids := map[app.BadgeID]bool{}
	for _, b := range r.Badges {
		if ids[b.ID] {
			t.Fatalf("duplicate badge %s", b.ID)
		}
		ids[b.ID] = true
		if _, err := app.ParseBadgeID(string(b.ID)); err != nil || len(b.ID) != 10 {
			t.Fatalf("badge %q: %v", b.ID, err)
		}
		if b.Blocked {
			blocked++
		}
	}
	for _, b := range r.Bookings {
		if b.Bland {
			bland++
		}
		if b.Cancelled {
			cancelled++
		}
	}
	for _, a := range r.Accounts {
		if a.Balance < 0 {
			negative++
		}
	}
	if len(schools) != 2 || len(classes) < 6 || len(bands) < 3 || diet < 5 || blocked < 2 || bland < 3 || cancelled < 3 || negative < 1 || siblings < 5 {
		t.Fatalf("mix: schools %d classes %d bands %d diet %d blocked %d bland %d cancelled %d negative %d siblings %d",
			len(schools), len(classes), len(bands), diet, blocked, bland, cancelled, negative, siblings)
	}
	if ids[UnknownBadge] {
		t.Fatal("the unknown demo badge is on the roster")
	}
	if len(badges) != len(r.Badges) {
		t.Fatalf("panel badges %d, roster badges %d", len(badges), len(r.Badges))
	}
	r2, _ := Build("2026-11-23", time.Now())
	if r2.Pupils[57].FirstName != r.Pupils[57].FirstName {
		t.Fatal("demo is not deterministic")
	}
}

func TestFiscalCodeCheckCharacter(t *testing.T) {
	// The textbook example: Mario Rossi, born in Rome on 1 January 1980
	// (H501), is RSSMRA80A01H501U.
	code := cfPart("Rossi", false) + cfPart("Mario", true) + "80A01H501"
	if got := code + string(cfCheck(code)); got != "RSSMRA80A01H501U" {
		t.Fatalf("got %s", got)
	}
	if cfPart("Francesco", true) != "FNC" || cfPart("Fo", false) != "FOX" {
		t.Fatal(cfPart("Francesco", true), cfPart("Fo", false))
	}
	r, _ := Build("2026-11-23", time.Now())
	seen := map[string]bool{}
	for _, p := range r.Pupils {
		if len(p.FiscalCode) != 16 || seen[p.FiscalCode] {
			t.Fatalf("pupil %s fiscal code %q (duplicate %v)", p.ID, p.FiscalCode, seen[p.FiscalCode])
		}
		seen[p.FiscalCode] = true
	}
}
