package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
	"mensakiosk/central/pinhash"
)

func decodeError(t *testing.T, body []byte) central.Error {
	t.Helper()
	var ce central.Error
	if err := json.Unmarshal(body, &ce); err != nil || ce.Code == "" || ce.Message == "" {
		t.Fatalf("error body is not a central.Error: %v %s", err, body)
	}
	return ce
}

func TestHealthAndAuth(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.do(http.MethodGet, central.PathHealth, "", nil)
	var h app.Health
	if code != 200 || json.Unmarshal(body, &h) != nil || h.Status != "ok" || !h.ServerTime.Equal(testNow) || h.Version == "" {
		t.Fatalf("health: %d %s", code, body)
	}
	good := e.token("k1")
	revoked := e.token("k2")
	if err := e.s.RevokeToken("k2"); err != nil {
		t.Fatal(err)
	}
	replaced := e.token("k3")
	e.token("k3") // a new token replaces the old one
	cases := []struct{ method, path string }{
		{"GET", central.PathPull}, {"POST", central.PathEvents}, {"GET", central.PathEvents},
		{"DELETE", central.PathPull}, {"GET", "/v1/unknown"}, {"GET", "/"}, {"POST", "/v1/pull"},
	}
	for _, c := range cases {
		for name, tok := range map[string]string{"none": "", "garbage": "not-a-token", "revoked": revoked, "replaced": replaced} {
			code, body, hdr := e.do(c.method, c.path, tok, []byte(`{"epoch":"e","events":[]}`))
			if code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s with %s token: %d %s", c.method, c.path, name, code, body)
				continue
			}
			if ce := decodeError(t, body); ce.Code != "unauthorized" {
				t.Errorf("%s %s: code %q", c.method, c.path, ce.Code)
			}
		}
	}
	// With the token: unknown paths 404, wrong methods 405, both JSON.
	for _, c := range []struct {
		method, path string
		want         int
		code         string
	}{
		{"GET", "/v1/unknown", 404, "not_found"},
		{"GET", central.PathEvents, 405, "method_not_allowed"},
		{"POST", central.PathPull, 405, "method_not_allowed"},
		{"POST", central.PathHealth, 405, "method_not_allowed"},
	} {
		code, body, _ := e.do(c.method, c.path, good, nil)
		if code != c.want || decodeError(t, body).Code != c.code {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, code, body, c.want, c.code)
		}
	}
	if code, body, _ := e.do("GET", central.PathPull, good, nil); code != 200 {
		t.Fatalf("pull with a good token: %d %s", code, body)
	}
}

func TestPullPagingResetDeletions(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	d := fixture()
	for i := range 40 {
		d.Accounts = append(d.Accounts, app.Account{ID: app.AccountID(fmt.Sprintf("X%02d", i)), Holder: "H", Balance: 100})
		d.Pupils = append(d.Pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("Q%02d", i)), AccountID: app.AccountID(fmt.Sprintf("X%02d", i)),
			FirstName: "F", LastName: "L", MealPrice: 300})
	}
	mustImport(t, e.s, d)
	want := len(d.Accounts) + len(d.Pupils) + len(d.Badges) + len(d.Bookings) + len(d.FeeBands) + len(d.Diets) + len(d.Staff)

	all, pages := e.pullAll(tok, "", 7)
	if len(pages) != (want+6)/7 {
		t.Fatalf("%d records in %d pages at 7 a page", want, len(pages))
	}
	for i, p := range pages {
		if !p.Reset || p.Total != want || p.Done != min(7*(i+1), want) || p.ServerTime.IsZero() || p.Kiosk.KioskID != "k1" {
			t.Fatalf("page %d: reset %v done %d total %d kiosk %+v", i, p.Reset, p.Done, p.Total, p.Kiosk)
		}
		if p.Len() > 7 || (p.More && p.Len() != 7) {
			t.Fatalf("page %d carries %d records", i, p.Len())
		}
	}
	if all.Len() != want || len(all.Pupils) != len(d.Pupils) || len(all.Staff) != 1 || len(all.Deleted) != 0 {
		t.Fatalf("pulled %d records, want %d", all.Len(), want)
	}
	// Derived values are in the records: fee band price, diet from diets,
	// staff PIN hashed (never the PIN).
	for _, p := range all.Pupils {
		if p.ID == "P2" && (p.MealPrice != 450 || p.Diet == nil || p.Diet.Name != "Senza glutine") {
			t.Fatalf("P2 as pulled: %+v", p)
		}
	}
	if !pinhash.Verify(all.Staff[0].PINHash, "4321") || !strings.HasPrefix(all.Staff[0].PINHash, "$2a$") {
		t.Fatalf("staff PIN hash %q does not verify as bcrypt", all.Staff[0].PINHash)
	}

	// Nothing changed: an empty delta, and the cursor stays usable.
	p := e.pull(tok, all.Cursor, 0, "")
	if p.Len() != 0 || p.More || p.Reset || p.Done != 0 || p.Total != 0 {
		t.Fatalf("empty delta: %+v", p)
	}
	cur := p.Cursor

	// A change and a deletion: the delta carries exactly those.
	d2 := fixture()
	d2.Pupils[0].Class = "4A"
	d2.Deleted = []app.Ref{{Kind: app.KindBooking, ID: string(testDay) + "/P1"}}
	d2.Bookings = nil
	st := mustImport(t, e.s, d2)
	if st.Updated != 1 || st.Deleted != 1 || st.Inserted != 0 {
		t.Fatalf("import stats %+v", st)
	}
	delta, _ := e.pullAll(tok, cur, 0)
	if delta.Len() != 2 || len(delta.Pupils) != 1 || delta.Pupils[0].Class != "4A" || delta.Reset ||
		!slices.Equal(delta.Deleted, []app.Ref{{Kind: app.KindBooking, ID: "2025-03-10/P1"}}) || delta.Total != 2 {
		t.Fatalf("delta: %+v", delta)
	}

	// A fresh kiosk: reset, the tombstone not sent, everything live is.
	fresh, _ := e.pullAll(tok, "", 1000)
	if !fresh.Reset || len(fresh.Deleted) != 0 || fresh.Len() != want-1 || fresh.Total != want-1 {
		t.Fatalf("reset pull: %d records, %d deleted, total %d; want %d", fresh.Len(), len(fresh.Deleted), fresh.Total, want-1)
	}

	// A deletion during a reset pull reaches the kiosk.
	p1 := e.pull(tok, "", 10, "")
	if !p1.More {
		t.Fatal("want more pages")
	}
	mustImport(t, e.s, ImportData{Deleted: []app.Ref{{Kind: app.KindStaff, ID: "S1"}}})
	rest, _ := e.pullAll(tok, p1.Cursor, 10)
	if !rest.Reset || !slices.Contains(rest.Deleted, app.Ref{Kind: app.KindStaff, ID: "S1"}) {
		t.Fatalf("a deletion during a reset pull is lost: %+v", rest.Deleted)
	}

	// Cursors: from another server database → reset; garbage → 400.
	other := newEnv(t)
	otherTok := other.token("k1")
	mustImport(t, other.s, fixture())
	foreign := other.pull(otherTok, "", 0, "").Cursor
	if p := e.pull(tok, foreign, 5, ""); !p.Reset || p.Done != 5 {
		t.Fatalf("foreign cursor: reset %v done %d", p.Reset, p.Done)
	}
	for _, bad := range []string{"x", "!!!", strings.Repeat("A", 56), all.Cursor + "AA", all.Cursor[:len(all.Cursor)-2]} {
		code, body, _ := e.do("GET", pullPath(bad, 0, ""), tok, nil)
		if code != 400 || decodeError(t, body).Code != "bad_cursor" {
			t.Errorf("cursor %q: %d %s", bad, code, body)
		}
	}
	// Limits refused (clamping above the maximum: TestPullLimitClamped).
	for _, q := range []string{"limit=0", "limit=-3", "limit=abc", "limit=1&limit=2", "epoch=%00", "cursor=%zz"} {
		code, body, _ := e.do("GET", central.PathPull+"?"+q, tok, nil)
		if code != 400 {
			t.Errorf("pull ?%s: %d %s", q, code, body)
		}
	}
}

func TestPullLimitClamped(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	var d ImportData
	for i := range central.MaxPullLimit + 10 {
		d.Accounts = append(d.Accounts, app.Account{ID: app.AccountID(fmt.Sprint(i)), Holder: "H"})
	}
	mustImport(t, e.s, d)
	p := e.pull(tok, "", central.MaxPullLimit*3, "")
	if len(p.Accounts) != central.MaxPullLimit || !p.More || p.Total != central.MaxPullLimit+10 {
		t.Fatalf("page of %d (more %v, total %d): want the limit clamped to %d", len(p.Accounts), p.More, p.Total, central.MaxPullLimit)
	}
	if p := e.pull(tok, "", 0, ""); len(p.Accounts) != central.DefaultPullLimit {
		t.Fatalf("default page of %d", len(p.Accounts))
	}
}

func TestPushAnswers(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	mustImport(t, e.s, fixture())
	good := meal("m1", 1, "k1", "P1")
	changed := meal("m1", 1, "k1", "P2")

	bad := func(id string, seq uint64, edit func(*app.Meal)) app.OutboxEvent {
		m, _ := app.MealPayload(meal(id, seq, "k1", "P3"))
		edit(&m)
		return mealEvent(m)
	}
	evs := []app.OutboxEvent{
		good,
		bad("r-pupil", 2, func(m *app.Meal) { m.PupilID = "NOPE" }),
		bad("r-mismatch", 3, func(m *app.Meal) { m.AccountID = "A1" }),
		bad("r-price", 4, func(m *app.Meal) { m.Price = central.MaxMealPrice + 1 }),
		bad("r-neg", 5, func(m *app.Meal) { m.Price = -1 }),
		bad("r-day", 6, func(m *app.Meal) { m.Day = "2025-02-30" }),
		bad("r-service", 7, func(m *app.Meal) { m.Service = "dinner" }),
		{ID: "r-kind", Seq: 8, Kind: "meal.eaten", At: testNow, Payload: json.RawMessage(`{}`)},
		{ID: "r-payload", Seq: 9, Kind: app.EventMealRecorded, At: testNow, Payload: json.RawMessage(`{"price":"x"}`)},
		{ID: "r-at", Seq: 10, Kind: app.EventMealRecorded, At: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), Payload: meal("r-at", 10, "k1", "P3").Payload},
		{ID: "r-future", Seq: 11, Kind: app.EventMealRecorded, At: testNow.Add(48 * time.Hour), Payload: meal("r-future", 11, "k1", "P3").Payload},
		{ID: "r-id", Seq: 12, Kind: app.EventMealRecorded, At: testNow, Payload: meal("other", 12, "k1", "P3").Payload},
		voidEvent("r-void", 13, "no-such-meal"),
		{ID: "r-null", Seq: 14, Kind: app.EventMealRecorded, At: testNow, Payload: json.RawMessage(`null`)},
		bad("r-dayfar", 15, func(m *app.Meal) { m.Day = "2025-01-10" }),
		{ID: "r-staff", Seq: 16, Kind: app.EventStaffAction, At: testNow, Payload: json.RawMessage(`{"staff_id":"S1"}`)},
		{ID: "ok-staff", Seq: 17, Kind: app.EventStaffAction, At: testNow, Payload: json.RawMessage(`{"staff_id":"S1","action":"login"}`)},
	}
	reasons := map[string]string{
		"r-pupil": "unknown pupil", "r-mismatch": "pupil/account mismatch", "r-price": "price", "r-neg": "price",
		"r-day": "bad day", "r-service": "unknown service", "r-kind": "unknown event kind", "r-payload": "malformed payload",
		"r-at": "absurd", "r-future": "absurd", "r-id": "event_id", "r-void": "unknown meal", "r-null": "event_id",
		"r-dayfar": "does not match", "r-staff": "action",
	}
	r := e.push(tok, app.PushBatch{Epoch: "E1", Events: evs})
	for _, a := range r.Results {
		want, isBad := reasons[a.ID]
		switch {
		case isBad && (a.Status != app.EventRejected || !strings.Contains(a.Reason, want)):
			t.Errorf("%s: %s %q, want rejected %q", a.ID, a.Status, a.Reason, want)
		case !isBad && (a.Status != app.EventAccepted || a.Reason != ""):
			t.Errorf("%s: %s %q, want accepted", a.ID, a.Status, a.Reason)
		}
	}
	if r.Kiosk.AckedSeq != uint64(len(evs)) || r.Kiosk.Epoch != "E1" || r.Kiosk.KioskID != "k1" {
		t.Fatalf("rejected events are held too: kiosk view %+v", r.Kiosk)
	}
	if !slices.Contains(alarmCodes(r.Alarms), app.AlarmRejected) {
		t.Fatalf("no rejected_events alarm: %v", r.Alarms)
	}
	if got := e.balance("A1"); got != 1000-450 {
		t.Fatalf("A1 balance %d after one meal of 450", got)
	}
	if got := e.balance("A2"); got != 300 {
		t.Fatalf("A2 balance %d: rejected meals were charged", got)
	}
	review, err := e.s.Review()
	if err != nil || len(review) != len(reasons) {
		t.Fatalf("review: %d items, want %d (%v)", len(review), len(reasons), err)
	}

	// Re-sent: duplicate, even with a different content; a rejected one is
	// rejected again with its reason; nothing charged again, nothing
	// stored again.
	before := e.counts()
	r = e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{good, changed, evs[1]}})
	for _, a := range r.Results {
		want, isBad := reasons[a.ID]
		switch {
		case isBad && (a.Status != app.EventRejected || !strings.Contains(a.Reason, want)):
			t.Fatalf("re-sent rejected %s: %s %q, want rejected %q again", a.ID, a.Status, a.Reason, want)
		case !isBad && a.Status != app.EventDuplicate:
			t.Fatalf("re-sent %s: %s", a.ID, a.Status)
		}
	}
	if after := e.counts(); after != before || e.balance("A1") != 550 {
		t.Fatalf("a duplicate changed the store: %+v → %+v", before, after)
	}
	if n, _ := e.s.EventCount("k1"); n != len(evs) {
		t.Fatalf("EventCount %d, want %d", n, len(evs))
	}
}

func TestPushSequenceAlarms(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	mustImport(t, e.s, fixture())
	staff := func(id string, seq uint64) app.OutboxEvent {
		return app.OutboxEvent{ID: id, Seq: seq, Kind: app.EventStaffAction, At: testNow, Payload: json.RawMessage(`{"staff_id":"S1","action":"login"}`)}
	}
	stored := func() []string {
		alarms, err := e.s.Alarms()
		if err != nil {
			t.Fatal(err)
		}
		return alarmCodes(alarms)
	}
	r := e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{staff("a1", 1), staff("a2", 2)}})
	if r.Kiosk.AckedSeq != 2 || len(r.Alarms) != 0 {
		t.Fatalf("contiguous: %+v %v", r.Kiosk, r.Alarms)
	}
	// A hole at 3: the watermark stays, one alarm for the hole however
	// many pushes arrive above it.
	r = e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{staff("a4", 4), staff("a5", 5)}})
	if r.Kiosk.AckedSeq != 2 || !slices.Equal(alarmCodes(r.Alarms), []string{app.AlarmSeqGap}) {
		t.Fatalf("gap: %+v %v", r.Kiosk, r.Alarms)
	}
	// The same hole: no new alarm stored; the reply repeats the day's
	// alarms (in case the first reply was lost).
	r = e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{staff("a6", 6)}})
	if r.Kiosk.AckedSeq != 2 || !slices.Equal(stored(), []string{app.AlarmSeqGap}) || !slices.Equal(alarmCodes(r.Alarms), []string{app.AlarmSeqGap}) {
		t.Fatalf("same gap alarmed again: %+v stored %v, in the reply %v", r.Kiosk, stored(), alarmCodes(r.Alarms))
	}
	if p := e.pull(tok, "", 1, "E1"); p.Kiosk.AckedSeq != 2 || p.Kiosk.Epoch != "E1" {
		t.Fatalf("pull kiosk view %+v", p.Kiosk)
	}
	// The hole filled: the watermark jumps over everything held.
	r = e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{staff("a3", 3)}})
	if r.Kiosk.AckedSeq != 6 || len(stored()) != 1 {
		t.Fatalf("filled: %+v %v", r.Kiosk, r.Alarms)
	}

	// A restored copy: seq 5 again, another event id. Kept, applied,
	// flagged, alarmed.
	m := meal("m-restored", 5, "k1", "P3")
	r = e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{m}})
	if a := r.Results[0]; a.Status != app.EventAccepted || !slices.Contains(a.Flags, app.FlagSeqConflict) ||
		!slices.Contains(alarmCodes(r.Alarms), app.AlarmRestoredCopy) || len(stored()) != 2 || e.balance("A2") != 100 {
		t.Fatalf("restored copy: %+v alarms %v balance %d", r.Results[0], alarmCodes(r.Alarms), e.balance("A2"))
	}

	// A new database on the same kiosk: alarm, a new stream from 1, the
	// old stream's state kept.
	r = e.push(tok, app.PushBatch{Epoch: "E2", Events: []app.OutboxEvent{staff("b1", 1)}})
	if r.Kiosk.AckedSeq != 1 || r.Kiosk.Epoch != "E2" || !slices.Contains(alarmCodes(r.Alarms), app.AlarmEpochChanged) || len(stored()) != 3 {
		t.Fatalf("epoch change: %+v %v", r.Kiosk, alarmCodes(r.Alarms))
	}
	if v, _ := e.s.KioskView("k1", "E1"); v.AckedSeq != 6 {
		t.Fatalf("old stream lost: %+v", v)
	}
	if p := e.pull(tok, "", 1, "E9"); p.Kiosk.AckedSeq != 0 || p.Kiosk.Epoch != "E9" {
		t.Fatalf("unknown epoch: %+v", p.Kiosk)
	}
	if p := e.pull(tok, "", 1, ""); p.Kiosk.Epoch != "E2" || p.Kiosk.AckedSeq != 1 {
		t.Fatalf("no epoch: the latest %+v", p.Kiosk)
	}
	alarms, _ := e.s.Alarms()
	if got := alarmCodes(alarms); !slices.Equal(got, []string{app.AlarmSeqGap, app.AlarmRestoredCopy, app.AlarmEpochChanged}) {
		t.Fatalf("stored alarms %v", got)
	}
}

func TestPushMoney(t *testing.T) {
	e := newEnv(t)
	k1, k2 := e.token("k1"), e.token("k2")
	mustImport(t, e.s, fixture())
	_, pages := e.pullAll(k1, "", 0)
	cursor := pages[len(pages)-1].Cursor

	// Siblings served by two kiosks: the family pays both.
	r1 := e.push(k1, app.PushBatch{Epoch: "K1", Events: []app.OutboxEvent{meal("s1", 1, "k1", "P1")}})
	r2 := e.push(k2, app.PushBatch{Epoch: "K2", Events: []app.OutboxEvent{meal("s2", 1, "k2", "P2")}})
	if r1.Results[0].Status != app.EventAccepted || r2.Results[0].Status != app.EventAccepted || e.balance("A1") != 1000-900 {
		t.Fatalf("siblings: balance %d", e.balance("A1"))
	}
	// The same pupil served again by the other kiosk: kept, flagged, not
	// charged.
	r2 = e.push(k2, app.PushBatch{Epoch: "K2", Events: []app.OutboxEvent{meal("s3", 2, "k2", "P1")}})
	if a := r2.Results[0]; a.Status != app.EventAccepted || !slices.Equal(a.Flags, []string{app.FlagDoubleServe}) || e.balance("A1") != 100 {
		t.Fatalf("double serve: %+v balance %d", a, e.balance("A1"))
	}
	// Below zero: applied and flagged.
	r1 = e.push(k1, app.PushBatch{Epoch: "K1", Events: []app.OutboxEvent{meal("s4", 2, "k1", "P3")}})
	if a := r1.Results[0]; !slices.Equal(a.Flags, nil) || e.balance("A2") != 100 {
		t.Fatalf("P3 first meal: %+v %d", a, e.balance("A2"))
	}
	m, _ := app.MealPayload(meal("s5", 3, "k1", "P3"))
	m.Day, m.At = "2025-03-11", testNow.Add(24*time.Hour-time.Hour)
	r1 = e.push(k1, app.PushBatch{Epoch: "K1", Events: []app.OutboxEvent{mealEvent(m)}})
	if a := r1.Results[0]; !slices.Equal(a.Flags, []string{app.FlagBelowZero}) || e.balance("A2") != -100 {
		t.Fatalf("below zero not flagged: %+v balance %d", a, e.balance("A2"))
	}
	m.EventID, m.Seq, m.Day, m.At = "s6", 4, "2025-03-09", testNow.Add(-24*time.Hour)
	r1 = e.push(k1, app.PushBatch{Epoch: "K1", Events: []app.OutboxEvent{mealEvent(m)}})
	if a := r1.Results[0]; !slices.Equal(a.Flags, []string{app.FlagBelowZero}) || e.balance("A2") != -300 {
		t.Fatalf("below zero again: %+v balance %d", a, e.balance("A2"))
	}
	// Voids give back; voiding twice gives back once; voiding the held
	// double serve (by its kiosk, k2) gives nothing.
	r1 = e.push(k1, app.PushBatch{Epoch: "K1", Events: []app.OutboxEvent{voidEvent("v1", 5, "s6"), voidEvent("v2", 6, "s6")}})
	r2 = e.push(k2, app.PushBatch{Epoch: "K2", Events: []app.OutboxEvent{voidEvent("v3", 3, "s3")}})
	for _, a := range append(r1.Results, r2.Results...) {
		if a.Status != app.EventAccepted {
			t.Fatalf("void %s: %+v", a.ID, a)
		}
	}
	if e.balance("A2") != -100 || e.balance("A1") != 100 {
		t.Fatalf("after voids: A1 %d A2 %d", e.balance("A1"), e.balance("A2"))
	}
	// After the void, the same pupil/day can be served and charged again.
	m.EventID, m.Seq = "s7", 7
	r1 = e.push(k1, app.PushBatch{Epoch: "K1", Events: []app.OutboxEvent{mealEvent(m)}})
	if a := r1.Results[0]; slices.Contains(a.Flags, app.FlagDoubleServe) || e.balance("A2") != -300 {
		t.Fatalf("served again after a void: %+v %d", a, e.balance("A2"))
	}
	// Kiosks pull the server's balances.
	delta, _ := e.pullAll(k1, cursor, 0)
	bal := map[app.AccountID]app.Account{}
	for _, a := range delta.Accounts {
		bal[a.ID] = a
	}
	if len(delta.Accounts) != 2 || bal["A1"].Balance != 100 || bal["A2"].Balance != -300 || !bal["A1"].BalanceAsOf.Equal(testNow) {
		t.Fatalf("pulled balances %+v", delta.Accounts)
	}
	c := e.counts()
	if c.MealsCharged != 5 || c.Events != 10 {
		t.Fatalf("counts %+v", c)
	}
	// Re-importing the same opening balance changes nothing; a new one
	// moves the balance by the difference.
	mustImport(t, e.s, fixture())
	if e.balance("A1") != 100 {
		t.Fatalf("re-import moved the balance: %d", e.balance("A1"))
	}
	d := fixture()
	d.Accounts[0].Balance = 2000
	mustImport(t, e.s, d)
	if e.balance("A1") != 1100 {
		t.Fatalf("new opening balance: %d", e.balance("A1"))
	}
}

// TestBadRequestsWriteNothing sends malformed requests to every endpoint:
// each is answered 4xx with a JSON error, and the store is unchanged.
func TestBadRequestsWriteNothing(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	mustImport(t, e.s, fixture())
	e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1")}})
	good, _ := json.Marshal(app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m2", 2, "k1", "P2")}})
	many := app.PushBatch{Epoch: "E1"}
	for i := range central.MaxPushEvents + 1 {
		many.Events = append(many.Events, meal(fmt.Sprint("x", i), uint64(i+2), "k1", "P3"))
	}
	manyJSON, _ := json.Marshal(many)
	huge := append([]byte(`{"epoch":"E1","events":[],"pad":"`), make([]byte, central.MaxBodyBytes)...)
	for i := 34; i < len(huge); i++ {
		huge[i] = 'a'
	}
	huge = append(huge, `"}`...)
	bodies := map[string]struct {
		body []byte
		code int
		err  string
	}{
		"empty":         {[]byte(``), 400, "malformed_json"},
		"not json":      {[]byte(`hello`), 400, "malformed_json"},
		"trailing":      {append(append([]byte{}, good...), `{}`...), 400, "malformed_json"},
		"trailing junk": {append(append([]byte{}, good...), `x`...), 400, "malformed_json"},
		"array":         {[]byte(`[]`), 400, "malformed_json"},
		"wrong type":    {[]byte(`{"epoch":5,"events":[]}`), 400, "malformed_json"},
		"seq string":    {[]byte(`{"epoch":"E1","events":[{"id":"z","seq":"1","kind":"meal.recorded"}]}`), 400, "malformed_json"},
		"truncated":     {good[:len(good)-3], 400, "malformed_json"},
		"no epoch":      {[]byte(`{"events":[]}`), 400, central.CodeBadID},
		"seq 0":         {[]byte(`{"epoch":"E1","events":[{"id":"q","seq":0,"kind":"meal.recorded"}]}`), 400, "bad_request"},
		"too many":      {manyJSON, 400, "bad_request"},
		"too large":     {huge, 413, "too_large"},
		"control epoch": {[]byte(`{"epoch":"E\u0001","events":[{"id":"q","seq":1,"kind":"x"}]}`), 400, central.CodeBadID},
		"null":          {[]byte(`null`), 400, central.CodeBadID},
	}
	before := e.counts()
	for name, c := range bodies {
		code, body := e.pushRaw(tok, c.body)
		if code != c.code {
			t.Errorf("%s: %d %s, want %d", name, code, body, c.code)
			continue
		}
		if ce := decodeError(t, body); c.err != "" && ce.Code != c.err {
			t.Errorf("%s: code %q, want %q (%s)", name, ce.Code, c.err, ce.Message)
		}
	}
	for _, q := range []string{"cursor=zzz", "limit=x", "limit=0", "epoch=" + strings.Repeat("e", 200)} {
		if code, body, _ := e.do("GET", central.PathPull+"?"+q, tok, nil); code != 400 {
			t.Errorf("pull ?%s: %d %s", q, code, body)
		}
	}
	if after := e.counts(); after != before {
		t.Fatalf("bad requests wrote: %+v → %+v", before, after)
	}
	if e.balance("A1") != 550 {
		t.Fatalf("balance moved: %d", e.balance("A1"))
	}
	// And the good batch still works afterwards.
	if code, body := e.pushRaw(tok, good); code != 200 {
		t.Fatalf("good push: %d %s", code, body)
	}
}

func TestOpenLockedAndPlainHTTP(t *testing.T) {
	skipOnPostgres(t, "the file's lock (PostgreSQL takes several servers)")
	dir := t.TempDir()
	s, err := openTest(t, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = openTest(t, dir, Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrInUse) || time.Since(start) > 5*time.Second {
		t.Fatalf("second open: %v", err)
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Fatalf("error does not say in use: %v", err)
	}
	for addr, want := range map[string]bool{"127.0.0.1:80": true, "[::1]:80": true, "localhost:8700": true, ":8700": false,
		"0.0.0.0:8700": false, "192.168.1.5:8700": false, "example.org:80": false} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%q) = %v", addr, !want)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Serve(t.Context(), fakeAddrListener{ln}, nil)
	if !errors.Is(err, ErrPlainHTTP) {
		t.Fatalf("plain HTTP on a network address: %v", err)
	}
}

// fakeAddrListener claims a network address.
type fakeAddrListener struct{ net.Listener }

func (fakeAddrListener) Addr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(192, 168, 1, 5), Port: 8700}
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s, err := openTest(t, dir, Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, fixture())
	tok, _ := s.CreateToken("k1", RoleCanteen)
	if _, err := s.Push("k1", app.PushBatch{Epoch: "E", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1")}}); err != nil {
		t.Fatal(err)
	}
	body, err := s.Pull("k1", "", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	var p app.PullPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Counts()
	s.Close()
	s, err = openTest(t, dir, Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after, _ := s.Counts()
	if before != after {
		t.Fatalf("counts changed on reopen: %+v → %+v", before, after)
	}
	if k, r, _ := s.kioskFor(tok); k != "k1" || r != RoleCanteen {
		t.Fatal("token lost on reopen")
	}
	// The cursor is still this database's: an empty delta, no reset.
	body, _ = s.Pull("k1", p.Cursor, 100, "")
	var p2 app.PullPage
	if err := json.Unmarshal(body, &p2); err != nil || p2.Reset || p2.Len() != 0 {
		t.Fatalf("cursor after reopen: %v %+v", err, p2)
	}
}

// After MarkRestored every kiosk's cursor is foreign: the next pull is a
// reset carrying the whole roster again.
func TestMarkRestoredResetsCursors(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	mustImport(t, e.s, fixture())
	p := e.pull(tok, "", 1000, "E1")
	if !p.Reset || p.More {
		t.Fatalf("first pull: reset %v more %v", p.Reset, p.More)
	}
	if again := e.pull(tok, p.Cursor, 1000, "E1"); again.Reset || again.Len() != 0 {
		t.Fatalf("delta before restore: reset %v, %d records", again.Reset, again.Len())
	}
	if err := e.s.MarkRestored(); err != nil {
		t.Fatal(err)
	}
	after := e.pull(tok, p.Cursor, 1000, "E1")
	if !after.Reset || after.Len() != p.Len() {
		t.Fatalf("pull after MarkRestored: reset %v, %d records, want a reset with all %d", after.Reset, after.Len(), p.Len())
	}
	alarms, _ := e.s.Alarms()
	if len(alarms) != 1 || alarms[0].Code != AlarmServerRestored {
		t.Fatalf("alarms %+v", alarms)
	}
}
