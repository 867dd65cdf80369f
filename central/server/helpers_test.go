package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
)

// testDay is the fixtures' school day; testNow is lunch time on it.
const testDay app.Day = "2025-03-10"

var testNow = time.Date(2025, 3, 10, 11, 30, 0, 0, time.UTC)

// env is a real server on a real bbolt file, answering real HTTP on
// loopback.
type env struct {
	t     testing.TB
	s     *Server
	dir   string
	base  string
	clock *apptest.Clock
	http  *http.Client
	stop  func()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvAt(t, testNow, Options{})
}

// newEnvAt is newEnv with the server's clock at now and opts (their Clock
// is apptest's, at now).
func newEnvAt(t testing.TB, now time.Time, opts Options) *env {
	t.Helper()
	return newEnvOn(t, now, opts, func(dir string, opts Options) (*Server, error) { return openTest(t, dir, opts) })
}

// newEnvOn is newEnvAt on the store open opens (the benchmarks run a pair:
// bbolt and PostgreSQL).
func newEnvOn(t testing.TB, now time.Time, opts Options, open func(dir string, opts Options) (*Server, error)) *env {
	t.Helper()
	dir := t.TempDir()
	clock := apptest.NewClock(now)
	opts.Clock = clock
	s, err := open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, s: s, dir: dir, clock: clock, http: &http.Client{Timeout: 30 * time.Second}}
	e.serve()
	t.Cleanup(func() {
		e.stop()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

func (e *env) serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.s.Serve(ctx, ln, nil) }()
	stopped := false
	e.stop = func() { // once: a test that fails between a stop and the next serve has its cleanup stop again
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("serve: %v", err)
		}
	}
}

// token makes a kiosk's token as the server made them before tokens had a
// role (both kiosk roles): see legacyToken.
func (e *env) token(kiosk string) string {
	e.t.Helper()
	return legacyToken(e.t, e.s, kiosk)
}

// roleToken makes a kiosk's token for role, as `central token` does.
func (e *env) roleToken(kiosk, role string) string {
	e.t.Helper()
	tok, err := e.s.CreateToken(kiosk, role)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// receiptToken makes a pagoPA connector's receipts token, as `central
// token -receipts` does.
func (e *env) receiptToken(connector string) string {
	e.t.Helper()
	tok, err := e.s.CreateReceiptToken(connector)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// legacyToken stores a token the way the server stored every token
// before tokens had a role (the kiosk id alone), as a database made then
// holds it.
func legacyToken(t testing.TB, s *Server, kiosk string) string {
	t.Helper()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	err := s.db.Update(func(tx kv.Tx) error {
		return putToken(tx, kiosk, roleLegacy, tokenHash(tok))
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// do sends a request; token "" sends none.
func (e *env) do(method, path, token string, body []byte) (int, []byte, http.Header) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, data, resp.Header
}

func pullPath(cursor string, limit int, epoch string) string {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	if epoch != "" {
		q.Set("epoch", epoch)
	}
	return central.PathPull + "?" + q.Encode()
}

func (e *env) pull(token, cursor string, limit int, epoch string) app.PullPage {
	e.t.Helper()
	code, body, _ := e.do(http.MethodGet, pullPath(cursor, limit, epoch), token, nil)
	if code != http.StatusOK {
		e.t.Fatalf("pull: %d %s", code, body)
	}
	var p app.PullPage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		e.t.Fatalf("pull page does not decode as app.PullPage: %v\n%s", err, body)
	}
	return p
}

// pullAll pulls every page from cursor and merges them.
func (e *env) pullAll(token, cursor string, limit int) (app.PullPage, []app.PullPage) {
	e.t.Helper()
	var all app.PullPage
	var pages []app.PullPage
	for range 10_000 {
		p := e.pull(token, cursor, limit, "")
		pages = append(pages, p)
		all.Accounts = append(all.Accounts, p.Accounts...)
		all.Pupils = append(all.Pupils, p.Pupils...)
		all.Badges = append(all.Badges, p.Badges...)
		all.Bookings = append(all.Bookings, p.Bookings...)
		all.FeeBands = append(all.FeeBands, p.FeeBands...)
		all.Diets = append(all.Diets, p.Diets...)
		all.Staff = append(all.Staff, p.Staff...)
		all.News = append(all.News, p.News...)
		all.Documents = append(all.Documents, p.Documents...)
		all.Deleted = append(all.Deleted, p.Deleted...)
		all.Cursor, all.Reset, all.Done, all.Total, all.Kiosk = p.Cursor, all.Reset || p.Reset, p.Done, p.Total, p.Kiosk
		cursor = p.Cursor
		if !p.More {
			return all, pages
		}
	}
	e.t.Fatal("pull never ends")
	return all, pages
}

func (e *env) pushRaw(token string, body []byte) (int, []byte) {
	e.t.Helper()
	code, data, _ := e.do(http.MethodPost, central.PathEvents, token, body)
	return code, data
}

func (e *env) push(token string, b app.PushBatch) app.PushReply {
	e.t.Helper()
	body, err := json.Marshal(b)
	if err != nil {
		e.t.Fatal(err)
	}
	code, data := e.pushRaw(token, body)
	if code != http.StatusOK {
		e.t.Fatalf("push: %d %s", code, data)
	}
	var r app.PushReply
	if err := json.Unmarshal(data, &r); err != nil {
		e.t.Fatal(err)
	}
	if len(r.Results) != len(b.Events) {
		e.t.Fatalf("push of %d events answered %d results", len(b.Events), len(r.Results))
	}
	for i, a := range r.Results {
		if a.ID != b.Events[i].ID || a.Seq != b.Events[i].Seq {
			e.t.Fatalf("result %d is for %s/%d, not %s/%d", i, a.ID, a.Seq, b.Events[i].ID, b.Events[i].Seq)
		}
	}
	if r.ServerTime.IsZero() {
		e.t.Fatal("push reply without server_time")
	}
	return r
}

func (e *env) counts() Counts {
	e.t.Helper()
	c, err := e.s.Counts()
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) balance(acc app.AccountID) app.Cents {
	e.t.Helper()
	b, err := e.s.Balance(acc)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// fixture: family A1 (two siblings P1, P2; 10,00 €), family A2 (P3;
// 3,00 €), meals at 4,50 € (fee band B) or 2,00 € (P3's own price).
func fixture() ImportData {
	wd := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	return ImportData{
		FeeBands: []app.FeeBand{{Code: "B", Name: "Fascia B", MealPrice: 450}},
		Diets:    []app.Diet{{Code: "GLU", Name: "Senza glutine", Allergens: []string{"glutine"}}},
		Accounts: []app.Account{{ID: "A1", Holder: "Rossi Maria", Balance: 1000}, {ID: "A2", Holder: "Bianchi Luca", Balance: 300}},
		Pupils: []app.Pupil{
			{ID: "P1", AccountID: "A1", FirstName: "Giulia", LastName: "Rossi", School: "Rodari", Class: "3A", Weekdays: wd, FeeBand: "B"},
			{ID: "P2", AccountID: "A1", FirstName: "Marco", LastName: "Rossi", School: "Rodari", Class: "1B", Weekdays: wd, FeeBand: "B", Diet: &app.Diet{Code: "GLU"}},
			{ID: "P3", AccountID: "A2", FirstName: "Sara", LastName: "Bianchi", School: "Rodari", Class: "2A", Weekdays: wd, MealPrice: 200},
		},
		Badges:   []app.Badge{{ID: "01000000A1", PupilID: "P1"}, {ID: "01000000A2", PupilID: "P2"}, {ID: "01000000A3", PupilID: "P3"}},
		Bookings: []app.Booking{{PupilID: "P1", Day: testDay, Bland: true}},
		Staff:    []ImportStaff{{ID: "S1", Name: "Anna Verdi", Role: app.StaffCanteen, PIN: "4321"}},
	}
}

func mustImport(t testing.TB, s *Server, d ImportData) ImportStats {
	t.Helper()
	st, err := s.Import(d)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var pupilAccount = map[app.PupilID]app.AccountID{"P1": "A1", "P2": "A1", "P3": "A2"}
var pupilPrice = map[app.PupilID]app.Cents{"P1": 450, "P2": 450, "P3": 200}

// meal makes a meal.recorded event as a kiosk would.
func meal(id string, seq uint64, kiosk string, pupil app.PupilID) app.OutboxEvent {
	// A kiosk records on the meal what the kitchen knew when serving: P1 has
	// a bland booking on testDay in the fixture, so its meal is bland.
	m := app.Meal{EventID: id, Seq: seq, KioskID: kiosk, PupilID: pupil, AccountID: pupilAccount[pupil], Day: testDay,
		Service: app.ServiceLunch, Price: pupilPrice[pupil], At: testNow.Add(-time.Minute), Via: app.ViaBadge,
		Bland: pupil == "P1"}
	return mealEvent(m)
}

// outboxEvent is a kiosk's event of kind with payload as its JSON.
func outboxEvent(id string, seq uint64, kind string, at time.Time, payload any) app.OutboxEvent {
	p, err := json.Marshal(payload)
	if err != nil {
		panic(err)
	}
	return app.OutboxEvent{ID: id, Seq: seq, Kind: kind, At: at, Payload: p}
}

func mealEvent(m app.Meal) app.OutboxEvent {
	return outboxEvent(m.EventID, m.Seq, app.EventMealRecorded, m.At, m)
}

// voidEvent voids mealID in the name of the fixture's staff member S1.
func voidEvent(id string, seq uint64, mealID string) app.OutboxEvent {
	return voidBy(id, seq, mealID, "S1")
}

func alarmCodes(as []app.Alarm) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Code)
	}
	return out
}
