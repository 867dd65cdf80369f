package server

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
	"mensakiosk/central/pinhash"
)

// Valid codici fiscali (check letters computed by the rule).
const (
	cfGiulia = "RSSGLI15D45H501B"
	cfHolder = "RSSMRA85T10A562S"
)

func lowCost(t *testing.T) {
	old := pinhash.Cost
	pinhash.Cost = bcrypt.MinCost
	t.Cleanup(func() { pinhash.Cost = old })
}

func TestFiscalCode(t *testing.T) {
	for _, good := range []string{cfHolder, " rssmra85t10a562s ", "RSSMRA85T10A56NZ"[:15] + string(fiscalCheckLetter("RSSMRA85T10A56N"))} {
		if _, err := NormalizeFiscalCode(good); err != nil {
			t.Errorf("%q refused: %v", good, err)
		}
	}
	for _, bad := range []string{"", "RSSMRA85T10A562", "RSSMRA85T10A562X", "RSSMRA85Z10A562S", "1SSMRA85T10A562S", "RSSMRAA5T10A562S", "RSSMRA85T10A562SS"} {
		if _, err := NormalizeFiscalCode(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestImportCounterFields: fiscal codes and access codes come in by JSON
// and CSV; the code is stored only hashed, and the database file holds
// no clear code.
func TestImportCounterFields(t *testing.T) {
	lowCost(t)
	dir := t.TempDir()
	s, err := openTest(t, dir, Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const code = "Zq7Kp2Wx"
	doc := `{"accounts":[{"id":"A1","holder":"Rossi Maria","holder_fiscal_code":"` + strings.ToLower(cfHolder) + `","access_code":"` + code + `","balance":1000}],
	 "pupils":[{"id":"P1","account_id":"A1","first_name":"Giulia","last_name":"Rossi","fiscal_code":"` + cfGiulia + `","weekdays":[1,2],"meal_price":450}]}`
	d, err := ParseImportJSON("roster.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(d); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, s: s}
	p := pullAllDirect(t, e.s)
	acc, pupil := p.Accounts[0], p.Pupils[0]
	if acc.HolderFiscalCode != cfHolder || pupil.FiscalCode != cfGiulia {
		t.Fatalf("fiscal codes as pulled: %q %q", acc.HolderFiscalCode, pupil.FiscalCode)
	}
	if !strings.HasPrefix(acc.AccessHash, "$2a$") || !pinhash.Verify(acc.AccessHash, code) || pinhash.Verify(acc.AccessHash, "Zq7Kp2Wy") {
		t.Fatalf("access hash %q", acc.AccessHash)
	}
	// Re-importing the same file changes nothing (the hash is kept).
	d, _ = ParseImportJSON("roster.json", []byte(doc))
	st, err := s.Import(d)
	if err != nil || st.Updated != 0 || st.Inserted != 0 {
		t.Fatalf("re-import: %+v %v", st, err)
	}
	// A CSV without the access_code column keeps the stored hash; one
	// with another code replaces it.
	if _, err := s.ImportFiles([]ImportFile{{Name: "accounts.csv", Data: []byte("id;holder;balance\nA1;Rossi Maria;10,00\n")}}); err != nil {
		t.Fatal(err)
	}
	if a := pullAllDirect(t, s).Accounts[0]; a.AccessHash != acc.AccessHash || a.HolderFiscalCode != "" {
		t.Fatalf("after a CSV without the code: %+v", a)
	}
	if _, err := s.ImportFiles([]ImportFile{{Name: "accounts.csv", Data: []byte("id;holder;balance;holder_fiscal_code;access_code\nA1;Rossi Maria;10,00;" + cfHolder + ";NEW4code\n")}}); err != nil {
		t.Fatal(err)
	}
	a := pullAllDirect(t, s).Accounts[0]
	if !pinhash.Verify(a.AccessHash, "NEW4code") || a.HolderFiscalCode != cfHolder {
		t.Fatalf("after a CSV with a new code: %+v", a)
	}
	// Bad input: a clear error naming the field, never the code, nothing written.
	for _, tc := range []struct{ file, data, field string }{
		{"accounts.csv", "id;access_code\nA1;ab\n", "access_code"},
		{"accounts.csv", "id;holder_fiscal_code\nA1;RSSMRA85T10A562X\n", "holder_fiscal_code"},
		{"accounts.csv", "id;access_code;access_hash\nA1;abcd1234;" + a.AccessHash + "\n", "access_code"},
		{"accounts.csv", "id;access_hash\nA1;notahash\n", "access_hash"},
		{"pupils.csv", "id;account_id;first_name;last_name;fiscal_code\nP1;A1;Giulia;Rossi;RSSGLI15D45H501\n", "fiscal_code"},
		{"pupils.csv", "id;account_id;first_name;last_name;fiscal_code\nP1;A1;Giulia;Rossi;" + cfGiulia + "\nP2;A1;Marco;Rossi;" + cfGiulia + "\n", "fiscal_code"},
	} {
		rev := e.counts().Revision
		_, err := s.ImportFiles([]ImportFile{{Name: tc.file, Data: []byte(tc.data)}})
		var ie *ImportError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s %q: %v, want an error on %s", tc.file, tc.data, err, tc.field)
		}
		if err != nil && strings.Contains(err.Error(), "abcd1234") {
			t.Errorf("the error repeats the access code: %v", err)
		}
		if e.counts().Revision != rev {
			t.Errorf("%s: a refused import wrote", tc.file)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{code, "NEW4code"} {
		if storeHolds(t, s.dataDir, []byte(clear)) { // teststore_test.go
			t.Fatalf("the database holds the access code %q in clear", clear)
		}
	}
}

func (e *env) client(token string) *central.Client {
	e.t.Helper()
	c, err := central.NewClient(central.ClientConfig{BaseURL: e.base, Token: token, Retries: -1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func staffEvent(id string, seq uint64, at time.Time, a app.StaffAction) app.OutboxEvent {
	return outboxEvent(id, seq, app.EventStaffAction, at, a)
}

// servedDay pushes the fixture's day: P1 served by K1 and again by K2 (a
// double serve), P2 served by K1 then voided, a staff login; P3 not served.
func servedDay(t *testing.T, e *env) (k1, k2 string) {
	mustImport(t, e.s, fixture())
	k1, k2 = e.token("K1"), e.token("K2")
	e.push(k1, app.PushBatch{Epoch: "e1", Events: []app.OutboxEvent{
		staffEvent("s-1", 1, testNow.Add(-2*time.Hour), app.StaffAction{StaffID: "S1", Action: "login"}),
		meal("m-1", 2, "K1", "P1"), meal("m-2", 3, "K1", "P2"), voidEvent("v-1", 4, "m-2"),
	}})
	dbl := meal("m-3", 1, "K2", "P1")
	e.push(k2, app.PushBatch{Epoch: "e2", Events: []app.OutboxEvent{dbl}})
	return k1, k2
}

func TestFamilyView(t *testing.T) {
	e := newEnv(t)
	k1, _ := servedDay(t, e)
	mustImport(t, e.s, ImportData{Bookings: []app.Booking{{PupilID: "P2", Day: "2025-03-07", Cancelled: true}, {PupilID: "P2", Day: "2025-03-12", Cancelled: true}}})
	c := e.client(k1)
	v, err := c.Family(t.Context(), "A1", "2025-03-01", "2025-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if v.Account.ID != "A1" || v.Account.Balance != 1000-450 || !v.Account.BalanceAsOf.Equal(testNow) || v.Account.AccessHash != "" {
		t.Fatalf("account %+v", v.Account)
	}
	// P1's charged meal and P2's voided one; K2's double serve is not the family's.
	if len(v.Meals) != 2 || v.Meals[0].EventID != "m-1" || v.Meals[0].Voided || v.Meals[1].EventID != "m-2" || !v.Meals[1].Voided {
		t.Fatalf("meals %+v", v.Meals)
	}
	// Today's and coming bookings only, by day.
	if len(v.Bookings) != 2 || v.Bookings[0] != (app.Booking{PupilID: "P1", Day: testDay, Bland: true}) || v.Bookings[1].Day != "2025-03-12" {
		t.Fatalf("bookings %+v", v.Bookings)
	}
	if v.BookingCutoff != DefaultBookingCutoff || !v.AsOf.Equal(testNow) || v.Notices == nil {
		t.Fatalf("cutoff %q as of %v notices %v", v.BookingCutoff, v.AsOf, v.Notices)
	}
	// Another month has no meals.
	if v, err := c.Family(t.Context(), "A1", "2025-02-01", "2025-02-28"); err != nil || len(v.Meals) != 0 {
		t.Fatalf("February: %+v %v", v.Meals, err)
	}
	_, err = c.Family(t.Context(), "NOPE", "2025-03-01", "2025-03-31")
	var ce *central.Error
	if !errors.Is(err, app.ErrNotFound) || !errors.As(err, &ce) || ce.Code != central.CodeUnknownAccount {
		t.Fatalf("unknown account: %v", err)
	}
	_, err = c.Family(t.Context(), "A1", "2024-01-01", "2025-03-31")
	if !errors.Is(err, app.ErrBadRequest) || !errors.As(err, &ce) || ce.Field != "to" {
		t.Fatalf("a range of 455 days: %v", err)
	}
	for _, path := range []string{"/v1/families/A1?from=2025-03-01", "/v1/families/A1?from=x&to=2025-03-01", "/v1/families/A1?from=2025-03-02&to=2025-03-01"} {
		if code, body, _ := e.do(http.MethodGet, path, k1, nil); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", path, code, body)
		}
	}
	if code, _, _ := e.do(http.MethodGet, "/v1/families/A1?from=2025-03-01&to=2025-03-31", "", nil); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d", code)
	}
}

// TestMealIndexBackfill: a database made before the meal index gets it
// filled from its events when opened.
func TestMealIndexBackfill(t *testing.T) {
	e := newEnv(t)
	servedDay(t, e)
	if err := e.s.db.Update(func(tx kv.Tx) error { return tx.DeleteBucket(bPupilMeals) }); err != nil {
		t.Fatal(err)
	}
	if err := e.s.db.Update(ensureMealIndex); err != nil {
		t.Fatal(err)
	}
	v, err := e.s.Family("A1", testDay, testDay)
	if err != nil || len(v.Meals) != 2 {
		t.Fatalf("after the backfill: %+v %v", v.Meals, err)
	}
}

func TestBookingCutoffAndPull(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	k1, k2 := e.token("K1"), e.token("K2")
	c1 := e.client(k1)
	cur1, _ := e.pullAll(k1, "", 0)
	cur2, _ := e.pullAll(k2, "", 0)
	ctx := t.Context()
	var ce *central.Error

	// testNow is 12:30 in Rome: today's bookings are closed, tomorrow's open.
	_, err := c1.Book(ctx, app.BookingRequest{PupilID: "P2", Day: testDay, Cancelled: true})
	if !errors.Is(err, app.ErrBadRequest) || !errors.As(err, &ce) || ce.Code != central.CodeAfterCutoff {
		t.Fatalf("today after the cut-off: %v", err)
	}
	_, err = c1.Book(ctx, app.BookingRequest{PupilID: "P2", Day: "2025-03-07", Cancelled: true})
	if !errors.As(err, &ce) || ce.Code != central.CodeAfterCutoff {
		t.Fatalf("a past day: %v", err)
	}
	_, err = c1.Book(ctx, app.BookingRequest{PupilID: "P2", Day: "2025-03-15", Cancelled: true}) // a Saturday
	if !errors.As(err, &ce) || ce.Code != central.CodeNotCanteenDay {
		t.Fatalf("a Saturday: %v", err)
	}
	_, err = c1.Book(ctx, app.BookingRequest{PupilID: "P9", Day: "2025-03-11", Cancelled: true})
	if !errors.Is(err, app.ErrNotFound) || !errors.As(err, &ce) || ce.Code != central.CodeUnknownPupil {
		t.Fatalf("an unknown pupil: %v", err)
	}
	// 09:29 in Rome (08:29 UTC in March): today is still open; 09:30 is not.
	e.clock.Set(time.Date(2025, 3, 10, 8, 29, 0, 0, time.UTC))
	if b, err := c1.Book(ctx, app.BookingRequest{PupilID: "P2", Day: testDay, Cancelled: true}); err != nil || !b.Cancelled {
		t.Fatalf("today before the cut-off: %+v %v", b, err)
	}
	e.clock.Set(time.Date(2025, 3, 10, 8, 30, 0, 0, time.UTC))
	if _, err := c1.Book(ctx, app.BookingRequest{PupilID: "P3", Day: testDay, Bland: true}); !errors.As(err, &ce) || ce.Code != central.CodeAfterCutoff {
		t.Fatalf("today at the cut-off: %v", err)
	}
	rev := e.counts().Revision
	want := app.Booking{PupilID: "P3", Day: "2025-03-11", Bland: true}
	for range 2 { // the same request twice: one change
		if b, err := c1.Book(ctx, app.BookingRequest{PupilID: "P3", Day: "2025-03-11", Bland: true}); err != nil || b != want {
			t.Fatalf("tomorrow: %+v %v", b, err)
		}
	}
	if got := e.counts().Revision; got != rev+1 {
		t.Fatalf("revision %d → %d: want one change", rev, got)
	}
	// Both kiosks get both bookings with their next pull.
	kiosks := []struct {
		tok string
		cur *app.PullPage
	}{{k1, &cur1}, {k2, &cur2}}
	for _, k := range kiosks {
		p, _ := e.pullAll(k.tok, k.cur.Cursor, 0)
		if len(p.Bookings) != 2 || p.Bookings[0].PupilID != "P2" || p.Bookings[1] != want {
			t.Fatalf("pull: %+v", p.Bookings)
		}
		*k.cur = p
	}
	// Undo: deleted, and each kiosk learns it.
	if b, err := c1.Book(ctx, app.BookingRequest{PupilID: "P3", Day: "2025-03-11"}); err != nil || b.Bland || b.Cancelled {
		t.Fatalf("undo: %+v %v", b, err)
	}
	for _, k := range kiosks {
		p, _ := e.pullAll(k.tok, k.cur.Cursor, 0)
		if len(p.Deleted) != 1 || p.Deleted[0] != (app.Ref{Kind: app.KindBooking, ID: "2025-03-11/P3"}) {
			t.Fatalf("pull after undo: %+v %+v", p.Bookings, p.Deleted)
		}
	}
	v, err := e.s.Family("A2", testDay, testDay)
	if err != nil || len(v.Bookings) != 0 {
		t.Fatalf("family after undo: %+v %v", v.Bookings, err)
	}
	if code, body, _ := e.do(http.MethodPost, central.PathBookings, k1, []byte(`{"pupil_id":"P3","day":"11/03/2025"}`)); code != http.StatusBadRequest {
		t.Fatalf("bad day: %d %s", code, body)
	}
	if code, _, _ := e.do(http.MethodGet, central.PathBookings, k1, nil); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET bookings: %d", code)
	}
}

func TestCutoffOption(t *testing.T) {
	if _, err := openTest(t, t.TempDir(), Options{BookingCutoff: "9.30"}); err == nil {
		t.Fatal("a malformed cut-off accepted")
	}
	s, err := openTest(t, t.TempDir(), Options{BookingCutoff: "10:15", Location: time.UTC, Clock: apptest.NewClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.BookingCutoff() != "10:15" {
		t.Fatal(s.BookingCutoff())
	}
	if code, _ := s.bookingOpen(testDay, time.Date(2025, 3, 10, 10, 14, 0, 0, time.UTC)); code != "" {
		t.Fatalf("10:14 UTC with a 10:15 UTC cut-off: %s", code)
	}
	if code, _ := s.bookingOpen(testDay, time.Date(2025, 3, 10, 10, 15, 0, 0, time.UTC)); code != central.CodeAfterCutoff {
		t.Fatalf("10:15 UTC: %q", code)
	}
}

func TestAudit(t *testing.T) {
	e := newEnv(t)
	servedDay(t, e)
	all, err := e.s.Audit(AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].EventID != "s-1" || all[0].Action != "login" || all[0].StaffID != "S1" || all[0].KioskID != "K1" ||
		all[1].EventID != "v-1" || all[1].Action != app.EventMealVoided || !strings.Contains(all[1].Detail, "m-2") || !strings.Contains(all[1].Detail, "wrong badge") {
		t.Fatalf("audit %+v", all)
	}
	for _, tc := range []struct {
		q    AuditQuery
		want int
	}{
		{AuditQuery{Kiosk: "K2"}, 0}, {AuditQuery{Kiosk: "K1"}, 2}, {AuditQuery{Day: testDay}, 2}, {AuditQuery{Day: "2025-03-11"}, 0},
		{AuditQuery{Limit: 1}, 1}, {AuditQuery{From: testNow.Add(-time.Hour)}, 1},
	} {
		got, err := e.s.Audit(tc.q)
		if err != nil || len(got) != tc.want {
			t.Errorf("%+v: %d entries, want %d (%v)", tc.q, len(got), tc.want, err)
		}
	}
	if got, _ := e.s.Audit(AuditQuery{Limit: 1}); len(got) == 1 && got[0].EventID != "v-1" {
		t.Errorf("limit keeps the newest: %+v", got)
	}
	if _, err := e.s.Audit(AuditQuery{Day: "10/03/2025"}); err == nil {
		t.Error("a malformed day accepted")
	}
}

// TestDayReport: the fixture day by hand. P1 (3A, bland booking) served
// twice (a double serve counts once); P2 (1B, gluten-free) served then
// voided; P3 (2A) not served.
func TestDayReport(t *testing.T) {
	e := newEnv(t)
	servedDay(t, e)
	r, err := e.s.DayReport(testDay, "")
	if err != nil {
		t.Fatal(err)
	}
	tot := r.Totals
	if tot.Booked != 3 || tot.Served != 1 || tot.Bland != 1 || tot.BlandServed != 1 || tot.Diet != 1 || tot.DietServed != 0 ||
		tot.Cancelled != 0 || tot.ServedUnbooked != 0 {
		t.Fatalf("totals %+v", tot)
	}
	if len(r.Rows) != 3 || len(r.NotEaten) != 2 || r.NotEaten[0].ID != "P2" || r.NotEaten[1].ID != "P3" {
		t.Fatalf("rows %+v not eaten %+v", r.Rows, r.NotEaten)
	}
	if len(r.Diets) != 1 || r.Diets[0].Booked != 1 || r.Diets[0].Served != 0 {
		t.Fatalf("diets %+v", r.Diets)
	}
	if _, err := e.s.DayReport("2025-3-10", ""); err == nil {
		t.Error("a malformed day accepted")
	}
	if _, err := e.s.DayReport(testDay, "dinner"); err == nil {
		t.Error("an unknown service accepted")
	}
	// The admin socket answers the same.
	ln, err := e.s.ListenAdmin()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.s.ServeAdmin(t.Context(), ln) }()
	ac := NewAdminClient(e.dir)
	r2, err := ac.DayReport(testDay, app.ServiceLunch)
	if err != nil || r2.Totals != r.Totals {
		t.Fatalf("admin report %+v %v", r2.Totals, err)
	}
	a2, err := ac.Audit(AuditQuery{Kiosk: "K1", Day: testDay})
	if err != nil || len(a2) != 2 {
		t.Fatalf("admin audit %+v %v", a2, err)
	}
	ln.Close()
}

// TestImportTestdataCounterFields: the shipped examples (JSON and CSV)
// carry the counter's fields, and they arrive hashed and upper-cased.
func TestImportTestdataCounterFields(t *testing.T) {
	lowCost(t)
	for _, path := range []string{"testdata/import.json", "testdata/csv"} {
		s, err := openTest(t, t.TempDir(), Options{Clock: apptest.NewClock(testNow)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportFile(path); err != nil {
			t.Fatal(err)
		}
		p := pullAllDirect(t, s)
		s.Close()
		var a1 app.Account
		for _, a := range p.Accounts {
			if a.ID == "A1" {
				a1 = a
			}
		}
		if a1.HolderFiscalCode != cfHolder || !pinhash.Verify(a1.AccessHash, "K7RM42") {
			t.Errorf("%s: A1 %+v", path, a1)
		}
		for _, pu := range p.Pupils {
			if (pu.ID == "P1") != (pu.FiscalCode == cfGiulia) {
				t.Errorf("%s: pupil %s fiscal code %q", path, pu.ID, pu.FiscalCode)
			}
		}
	}
}
