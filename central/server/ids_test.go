package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// hostile are epochs and ids the protocol's rule refuses: a path, a
// right-to-left override, invalid UTF-8, a control character, too long,
// a leading dot or dash.
var hostile = []string{"../../é\u202e", "a/b", "\xff\xfe", "E\x01", ".hidden", "-rf", strings.Repeat("e", central.MaxIDLen+1), "a b", ""}

// TestBadEpochRefused: a push (with events or none) or a pull naming an
// epoch that breaks the rule is answered 400 bad_id, and nothing is stored:
// no stream, no alarm.
func TestBadEpochRefused(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	mustImport(t, e.s, fixture())
	e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1")}})
	before := e.counts()
	for _, epoch := range hostile {
		for _, events := range [][]app.OutboxEvent{nil, {meal("m2", 2, "k1", "P2")}} {
			// Raw JSON: encoding/json would replace invalid UTF-8.
			evs, _ := json.Marshal(events)
			body := append(append([]byte(`{"epoch":"`), jsonStringBody(epoch)...), `","events":`...)
			body = append(append(body, evs...), '}')
			code, data := e.pushRaw(tok, body)
			if code != http.StatusBadRequest {
				t.Fatalf("push epoch %q with %d events: %d %s", epoch, len(events), code, data)
			}
			if ce := decodeError(t, data); ce.Code != central.CodeBadID || ce.Field != "epoch" {
				t.Fatalf("push epoch %q: %+v", epoch, ce)
			}
			if strings.ContainsRune(string(data), '\u202e') {
				t.Fatalf("the answer repeats the override raw: %s", data)
			}
		}
		if epoch == "" {
			continue // no epoch on a pull is the kiosk's latest
		}
		code, data, _ := e.do(http.MethodGet, central.PathPull+"?epoch="+url.QueryEscape(epoch), tok, nil)
		if ce := decodeError(t, data); code != http.StatusBadRequest || ce.Code != central.CodeBadID {
			t.Fatalf("pull epoch %q: %d %s", epoch, code, data)
		}
	}
	if after := e.counts(); after != before {
		t.Fatalf("bad epochs wrote: %+v → %+v", before, after)
	}
	_ = e.s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bStreams).Bucket([]byte("k1")).ForEach(func(k, v []byte) error {
			if v == nil && string(k) != "E1" {
				t.Errorf("a stream was made for epoch %q", k)
			}
			return nil
		})
	})
}

// jsonStringBody writes s inside a JSON string as is, except the quote,
// the backslash and control characters (invalid UTF-8 stays invalid).
func jsonStringBody(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, []byte(`\u00`)...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			b = append(b, c)
		}
	}
	return b
}

// TestBadEventIDRejectedPerEvent: an event whose id breaks the rule is
// answered rejected, with the reason, in a batch whose other events are
// applied; it is kept (under a key made from it, never under its raw id),
// its number is acknowledged, and a retry is recognised.
func TestBadEventIDRejectedPerEvent(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	mustImport(t, e.s, fixture())
	bad := meal("m2", 2, "k1", "P2")
	bad.ID = "../../é\u202e"
	b := app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1"), bad, meal("m3", 3, "k1", "P3")}}
	for try := range 2 {
		r := e.push(tok, b)
		if r.Results[0].Status == app.EventRejected || r.Results[2].Status == app.EventRejected {
			t.Fatalf("try %d: good events refused: %+v", try, r.Results)
		}
		got := r.Results[1]
		if got.Status != app.EventRejected || !strings.Contains(got.Reason, "event id") || strings.ContainsRune(got.Reason, '\u202e') {
			t.Fatalf("try %d: bad id answered %+v", try, got)
		}
		if r.Kiosk.AckedSeq != 3 {
			t.Fatalf("try %d: acked %d, want 3", try, r.Kiosk.AckedSeq)
		}
	}
	if n, _ := e.s.EventCount("k1"); n != 3 {
		t.Fatalf("%d events stored, want 3 (the retry is a duplicate)", n)
	}
	if _, ok, _ := e.s.Event(bad.ID); ok {
		t.Fatal("the raw id is a key")
	}
	items, _ := e.s.Review()
	if len(items) != 1 || items[0].Status != app.EventRejected || central.CheckID(items[0].ID) != nil {
		t.Fatalf("review %+v", items)
	}
	if e.balance("A1") != 1000-450 || e.balance("A2") != 300-200 {
		t.Fatalf("balances %d %d", e.balance("A1"), e.balance("A2"))
	}
}

// TestBadStaffIDRejected: a staff action or a void whose staff id (or
// meal id) breaks the rule is rejected with the reason; a staff roster
// with such an id is refused at import, so no kiosk can send it.
func TestBadStaffIDRejected(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	mustImport(t, e.s, fixture())
	act, _ := json.Marshal(app.StaffAction{StaffID: "S1\u202e", Action: app.ActionLogin})
	void, _ := json.Marshal(app.MealVoid{MealEventID: "m1", Reason: "wrong badge", StaffID: "Anna Verdi"})
	voidMeal, _ := json.Marshal(app.MealVoid{MealEventID: "m1/../x", Reason: "wrong badge", StaffID: "S1"})
	good, _ := json.Marshal(app.StaffAction{StaffID: "unknown", Action: app.ActionLoginFailed})
	r := e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{
		meal("m1", 1, "k1", "P1"),
		{ID: "a2", Seq: 2, Kind: app.EventStaffAction, At: testNow, Payload: act},
		{ID: "a3", Seq: 3, Kind: app.EventMealVoided, At: testNow, Payload: void},
		{ID: "a4", Seq: 4, Kind: app.EventMealVoided, At: testNow, Payload: voidMeal},
		{ID: "a5", Seq: 5, Kind: app.EventStaffAction, At: testNow, Payload: good},
	}})
	for i, want := range []string{"", "staff_id", "staff_id", "meal_event_id", ""} {
		got := r.Results[i]
		if want == "" {
			if got.Status != app.EventAccepted {
				t.Errorf("event %d: %+v", i, got)
			}
			continue
		}
		if got.Status != app.EventRejected || !strings.Contains(got.Reason, want) {
			t.Errorf("event %d: %+v, want rejected for %s", i, got, want)
		}
	}
	if e.balance("A1") != 1000-450 {
		t.Fatalf("a void with a bad staff id refunded: %d", e.balance("A1"))
	}
	d := fixture()
	d.Staff = append(d.Staff, ImportStaff{ID: "Anna Rossi", Name: "Anna Rossi", Role: app.StaffCanteen, PIN: "1234"})
	if _, err := e.s.Import(d); err == nil || !strings.Contains(err.Error(), "staff") {
		t.Fatalf("a staff id with a space imported: %v", err)
	}
}

// TestKioskIDRule: a token is made only for a kiosk id that follows the
// protocol's rule.
func TestKioskIDRule(t *testing.T) {
	e := newEnv(t)
	for _, id := range hostile {
		if _, err := e.s.CreateToken(id, RoleCanteen); err == nil {
			t.Errorf("token made for kiosk %q", id)
		}
	}
	for _, id := range []string{"k1", "mensa-rodari-1", "kiosk.01_a", strings.Repeat("k", central.MaxIDLen)} {
		if _, err := e.s.CreateToken(id, RoleCanteen); err != nil {
			t.Errorf("kiosk %q: %v", id, err)
		}
	}
}
