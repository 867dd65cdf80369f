package server

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
)

// TestAbsenceOverSeveralDays: one request cancels every canteen day of the
// span for all the family's children (weekends skipped), in one answer;
// the first day's cut-off applies; one day can be undone on its own; other
// families are untouched; a counter token is needed.
func TestAbsenceOverSeveralDays(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	// 09:00 in Rome on Monday 10 March: today is still open.
	e.clock.Set(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	tok := e.roleToken("C1", RoleCounter)
	c := e.client(tok)
	ctx := t.Context()

	rev := e.counts().Revision
	rep, err := c.Absence(ctx, app.AbsenceRequest{AccountID: "A1", From: testDay, To: "2025-03-17"})
	if err != nil {
		t.Fatal(err)
	}
	// Mon 10 … Fri 14 and Mon 17: six canteen days × two children.
	if len(rep.Bookings) != 12 || rep.Bookings[0] != (app.Booking{PupilID: "P1", Day: testDay, Cancelled: true}) ||
		rep.Bookings[11] != (app.Booking{PupilID: "P2", Day: "2025-03-17", Cancelled: true}) {
		t.Fatalf("absence: %+v", rep.Bookings)
	}
	for _, b := range rep.Bookings {
		if b.Day == "2025-03-15" || b.Day == "2025-03-16" {
			t.Fatalf("a weekend day cancelled: %+v", b)
		}
	}
	if got := e.counts().Revision; got != rev+12 {
		t.Fatalf("revision %d → %d: want 12 changes", rev, got)
	}
	// The same request again changes nothing.
	if _, err := c.Absence(ctx, app.AbsenceRequest{AccountID: "A1", From: testDay, To: "2025-03-17"}); err != nil || e.counts().Revision != rev+12 {
		t.Fatalf("repeat: %v, revision %d", err, e.counts().Revision)
	}
	v, err := e.s.Family("A1", testDay, testDay)
	if err != nil || len(v.Bookings) != 12 {
		t.Fatalf("family: %d bookings %v", len(v.Bookings), err)
	}
	if v2, _ := e.s.Family("A2", testDay, testDay); len(v2.Bookings) != 0 {
		t.Fatalf("the other family: %+v", v2.Bookings)
	}
	// Undo one day for one child: the other days stay.
	if _, err := c.Book(ctx, app.BookingRequest{PupilID: "P2", Day: "2025-03-12"}); err != nil {
		t.Fatal(err)
	}
	v, _ = e.s.Family("A1", testDay, testDay)
	if len(v.Bookings) != 11 || viewBooking(v, "P2", "2025-03-12").Cancelled || !viewBooking(v, "P2", "2025-03-13").Cancelled {
		t.Fatalf("after undoing one day: %+v", v.Bookings)
	}

	// One child only.
	rep, err = c.Absence(ctx, app.AbsenceRequest{AccountID: "A2", PupilIDs: []app.PupilID{"P3"}, From: "2025-03-18", To: "2025-03-19"})
	if err != nil || len(rep.Bookings) != 2 || rep.Bookings[0].PupilID != "P3" {
		t.Fatalf("one child: %+v %v", rep, err)
	}

	var ce *central.Error
	// Another family's child.
	if _, err := c.Absence(ctx, app.AbsenceRequest{AccountID: "A2", PupilIDs: []app.PupilID{"P1"}, From: "2025-03-18", To: "2025-03-19"}); !errors.As(err, &ce) || ce.Code != central.CodeUnknownPupil {
		t.Fatalf("another family's child: %v", err)
	}
	if _, err := c.Absence(ctx, app.AbsenceRequest{AccountID: "A9", From: "2025-03-18", To: "2025-03-19"}); !errors.As(err, &ce) || ce.Code != central.CodeUnknownAccount {
		t.Fatalf("unknown account: %v", err)
	}
	// Too long a span, nothing written.
	rev = e.counts().Revision
	if _, err := c.Absence(ctx, app.AbsenceRequest{AccountID: "A1", From: "2025-03-18", To: "2025-06-30"}); !errors.As(err, &ce) || ce.Code != "bad_request" || ce.Field != "to" {
		t.Fatalf("a long span: %v", err)
	}
	if e.counts().Revision != rev {
		t.Fatal("a refused absence wrote something")
	}
	// After the cut-off the first day is closed, however long the span.
	e.clock.Set(time.Date(2025, 3, 10, 8, 30, 0, 0, time.UTC))
	if _, err := c.Absence(ctx, app.AbsenceRequest{AccountID: "A2", From: testDay, To: "2025-03-21"}); !errors.Is(err, app.ErrAfterCutoff) || !errors.As(err, &ce) || ce.Code != central.CodeAfterCutoff {
		t.Fatalf("after the cut-off: %v", err)
	}
	if e.counts().Revision != rev {
		t.Fatal("a refused absence wrote something")
	}
	// A canteen's token may not.
	body := []byte(`{"account_id":"A1","from":"2025-03-20","to":"2025-03-21"}`)
	if code, b, _ := e.do(http.MethodPost, central.PathAbsences, e.roleToken("K1", RoleCanteen), body); code != http.StatusForbidden {
		t.Fatalf("canteen token: %d %s", code, b)
	}
	if code, b, _ := e.do(http.MethodGet, central.PathAbsences, tok, nil); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d %s", code, b)
	}
	if code, b, _ := e.do(http.MethodPost, central.PathAbsences, tok, []byte(`{"account_id":"A1","from":"20/03/2025","to":"2025-03-21"}`)); code != http.StatusBadRequest {
		t.Fatalf("a malformed day: %d %s", code, b)
	}
}

// TestKitchenReportWithAbsence: the kitchen report of a day inside a
// multi-day absence counts the absent children as cancelled, not booked;
// the day after the absence they are booked again.
func TestKitchenReportWithAbsence(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	e.clock.Set(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	c := e.client(e.roleToken("C1", RoleCounter))
	if _, err := c.Absence(t.Context(), app.AbsenceRequest{AccountID: "A1", From: "2025-03-11", To: "2025-03-13"}); err != nil {
		t.Fatal(err)
	}
	r, err := e.s.DayReport("2025-03-12", "")
	if err != nil {
		t.Fatal(err)
	}
	// P1 and P2 away; P3 booked.
	if r.Totals.Cancelled != 2 || r.Totals.Booked != 1 {
		t.Fatalf("inside the absence: %+v", r.Totals)
	}
	r, _ = e.s.DayReport("2025-03-14", "")
	if r.Totals.Cancelled != 0 || r.Totals.Booked != 3 {
		t.Fatalf("the day after: %+v", r.Totals)
	}
}

func viewBooking(v app.FamilyView, p app.PupilID, d app.Day) app.Booking {
	for _, b := range v.Bookings {
		if b.PupilID == p && b.Day == d {
			return b
		}
	}
	return app.Booking{PupilID: p, Day: d}
}
