package central_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
)

// counterStory walks what the counter asks of the central server (the
// family view, bookings before and after the cut-off and on a day without
// canteen, a top-up and its retry, the notice before and after pagoPA's
// receipt, unknown ids) and writes down every answer, one per line. pay is
// pagoPA's receipt for a notice, on the server's side.
func counterStory(t *testing.T, cc app.CounterCentral, clk *apptest.Clock, pay func(app.Receipt) error) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	var codes []string // notice codes in the order given out: named by index
	note := func(what string, v any, err error) {
		raw, jerr := json.Marshal(v)
		if jerr != nil {
			t.Fatal(jerr)
		}
		line := what + " " + string(raw)
		for i, c := range codes {
			line = strings.ReplaceAll(line, c[1:], "NOTICE"+string(rune('0'+i))) // the IUV, in the code and the IUPD
		}
		if err != nil {
			line += " error:"
			for _, e := range []error{app.ErrNotFound, app.ErrBadRequest, app.ErrAfterCutoff, app.ErrNotCanteenDay, app.ErrForbidden, app.ErrUnreachable} {
				if errors.Is(err, e) {
					line += " [" + e.Error() + "]"
				}
			}
		}
		out = append(out, line)
	}
	family := func(what string) {
		v, err := cc.Family(ctx, "F1", "2026-11-01", "2026-11-30")
		note(what, v, err)
	}
	family("family")
	_, err := cc.Family(ctx, "F9", "2026-11-01", "2026-11-30")
	note("family of an unknown account", nil, err)
	for _, r := range []app.BookingRequest{
		{PupilID: "P1", Day: "2026-11-23", Cancelled: true}, // today, before 09:30
		{PupilID: "P2", Day: "2026-11-25", Bland: true},
		{PupilID: "P1", Day: "2026-11-24", Cancelled: true}, // a Tuesday: no canteen
		{PupilID: "P9", Day: "2026-11-25", Cancelled: true},
	} {
		b, err := cc.Book(ctx, r)
		note("book", b, err)
	}
	family("family after the bookings")
	// Absences of several days (app.AbsenceCentral): the canteen days of
	// the span cancelled, for all the children or one.
	ac := cc.(app.AbsenceCentral)
	for _, r := range []app.AbsenceRequest{
		{AccountID: "F1", From: "2026-11-26", To: "2026-11-30"},
		{AccountID: "F1", PupilIDs: []app.PupilID{"P2"}, From: "2026-12-02", To: "2026-12-02"},
		{AccountID: "F9", From: "2026-11-26", To: "2026-11-27"},
		{AccountID: "F1", From: "2026-11-20", To: "2026-11-27"}, // from a day past
	} {
		rep, err := ac.Absence(ctx, r)
		note("absence", rep, err)
	}
	family("family after the absences")
	clk.Add(2 * time.Hour) // 10:00: today is closed
	b, err := cc.Book(ctx, app.BookingRequest{PupilID: "P1", Day: "2026-11-23"})
	note("book after the cut-off", b, err)
	_, err = cc.TopUp(ctx, app.TopUpRequest{AccountID: "F1", Amount: 60_000, IdempotencyKey: "k0"})
	note("top-up out of range", nil, err)
	_, err = cc.TopUp(ctx, app.TopUpRequest{AccountID: "F9", Amount: 2000, IdempotencyKey: "k9"})
	note("top-up of an unknown account", nil, err)
	n, err := cc.TopUp(ctx, app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "k1"})
	if err != nil {
		t.Fatalf("top-up: %v", err)
	}
	codes = append(codes, n.NoticeCode)
	n.Created = time.Time{} // the server's own clock reading, rounded its way
	note("top-up", n, err)
	again, err := cc.TopUp(ctx, app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "k1"})
	note("top-up retried gives the same notice", again.NoticeCode == n.NoticeCode, err)
	got, err := cc.Notice(ctx, n.NoticeCode)
	note("notice before the receipt", got.State, err)
	_, err = cc.Notice(ctx, "301000000000000099")
	note("unknown notice", nil, err)
	clk.Add(3 * time.Minute)
	if err := pay(app.Receipt{ReceiptID: "R-1", NoticeCode: n.NoticeCode, Amount: 2000, PaidAt: clk.Now(), PSP: "Banca Test"}); err != nil {
		t.Fatal(err)
	}
	got, err = cc.Notice(ctx, n.NoticeCode)
	note("notice after the receipt", []any{got.State, got.Receipt}, err)
	v, err := cc.Family(ctx, "F1", "2026-11-01", "2026-11-30")
	for i := range v.Notices {
		v.Notices[i].Created = time.Time{}
	}
	note("family after the receipt", v, err)
	return out
}

// TestAppTestCentralAnswersLikeTheServer: the ui tests give the counter
// apptest.Central instead of the reference server; the same story through
// the real client against the real server on loopback, and against the
// fake, gives the same answers.
func TestAppTestCentralAnswersLikeTheServer(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, rome) // a Monday
	days := []time.Weekday{time.Monday, time.Wednesday, time.Friday}
	accounts := []app.Account{{ID: "F1", Holder: "Rossi Anna", HolderFiscalCode: "RSSNNA80A41H501L", Balance: 3650}}
	pupils := []app.Pupil{
		{ID: "P1", AccountID: "F1", FirstName: "Marco", LastName: "Rossi", FiscalCode: "RSSMRC15A01H501I", School: "Primaria Dante", Class: "3B", Weekdays: days, FeeBand: "B", MealPrice: 390},
		{ID: "P2", AccountID: "F1", FirstName: "Sara", LastName: "Rossi", FiscalCode: "RSSSRA17C41H501W", School: "Primaria Dante", Class: "1A", Weekdays: days, FeeBand: "B", MealPrice: 390},
	}

	realClock := apptest.NewClock(start)
	srv := servertest.Start(t, servertest.Options(server.Options{Clock: realClock, Location: rome}),
		servertest.Import(server.ImportData{Accounts: accounts, Pupils: pupils}), servertest.Kiosk("counter-1", server.RoleCounter))
	client, err := central.NewClient(central.ClientConfig{BaseURL: srv.URL, Token: srv.Tokens["counter-1"], Retries: -1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	want := counterStory(t, client, realClock, func(r app.Receipt) error { _, err := srv.RecordReceipt(r); return err })

	fakeClock := apptest.NewClock(start)
	fake := apptest.NewCentral(fakeClock, rome)
	fake.PutRoster(app.Roster{Accounts: accounts, Pupils: pupils})
	got := counterStory(t, fake, fakeClock, func(r app.Receipt) error { _, err := fake.Pay(r); return err })

	apptest.SameAnswers(t, got, want)
}
