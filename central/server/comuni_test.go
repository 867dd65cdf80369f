package server

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
	"mensakiosk/central/server/kv"
)

// Two Comuni in one service, each on its own store, behind the real front
// (Comuni) on loopback.
const (
	comuneA = "A001"
	comuneB = "B002"
	// bMarker is in every name, title and dish of Comune B's data, and in
	// none of A's: no answer to A's tokens may hold it.
	bMarker = "Zeta"
)

type comuniEnv struct {
	*env  // the front's address: its do sends a request there
	a, b  *Server
	front *Comuni
}

// openComune opens a Comune's server on its own store in the service's
// directory, as `central serve` does for each Comune of its settings.
func openComune(t *testing.T, dir, code string, clock *apptest.Clock, pp *PagoPAConfig) *Server {
	t.Helper()
	s, err := openComuneStore(t, filepath.Join(dir, "comuni", code), Options{Comune: code, Clock: clock, PagoPA: pp}) // comuni_store_test.go
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newComuniEnv(t *testing.T) *comuniEnv {
	t.Helper()
	dir := t.TempDir()
	clock := apptest.NewClock(testNow)
	e := &comuniEnv{env: &env{t: t, dir: dir, clock: clock, http: &http.Client{Timeout: 30 * time.Second}}}
	e.a = openComune(t, dir, comuneA, clock, nil)
	e.b = openComune(t, dir, comuneB, clock, &PagoPAConfig{
		Creditor:        app.Creditor{FiscalCode: TestCreditorCF, Name: "Comune di " + bMarker},
		SegregationCode: "02"})
	front, err := NewComuni([]*Server{e.b, e.a}, ComuniOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	e.front = front
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- front.Serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		front.Close()
		for _, s := range []*Server{e.a, e.b} {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		}
	})
	return e
}

func (e *comuniEnv) token(s *Server, kiosk, role string) string {
	e.t.Helper()
	tok, err := s.CreateToken(kiosk, role)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// comuneBFixture is the fixture with the same ids as A's (accounts A1, A2,
// F1, pupils P1–P3, their badges, staff S1) but B's own names, and records
// only B has.
func comuneBFixture() ImportData {
	d := fixture()
	d.Accounts = append(d.Accounts, topUpFixture().Accounts...)
	for i := range d.Accounts {
		d.Accounts[i].Holder = bMarker + " " + d.Accounts[i].Holder
	}
	for i := range d.Pupils {
		d.Pupils[i].FirstName = bMarker + d.Pupils[i].FirstName
	}
	d.FeeBands[0].Name = bMarker + " fascia"
	d.Diets[0].Name = bMarker + " dieta"
	d.Staff[0].Name = bMarker + " Anna"
	d.Staff[0].PIN = "9876"
	wd := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	d.Accounts = append(d.Accounts, app.Account{ID: "BX1", Holder: bMarker + " Ottavia", HolderFiscalCode: holderCF, Balance: 2500})
	d.Pupils = append(d.Pupils, app.Pupil{ID: "BXP1", AccountID: "BX1", FirstName: bMarker + "Nives", LastName: "Neri",
		School: "Rodari", Class: "4C", Weekdays: wd, MealPrice: 300})
	d.Badges = append(d.Badges, app.Badge{ID: "0B0000EE01", PupilID: "BXP1"})
	d.News = []app.News{{ID: "N1", Title: bMarker + " notizia", Body: bMarker, Published: testNow.Add(-48 * time.Hour)}}
	d.Documents = []app.Document{{ID: "D1", Title: bMarker + " documento", URL: "https://zeta.example.it/d.pdf", Published: testNow.Add(-48 * time.Hour)}}
	return d
}

// comuneAFixture: A's own names on the same ids, a news item and a
// document with B's ids.
func comuneAFixture() ImportData {
	d := fixture()
	d.Accounts = append(d.Accounts, topUpFixture().Accounts...)
	d.News = []app.News{{ID: "N1", Title: "Notizia di A", Body: "A", Published: testNow.Add(-48 * time.Hour)}}
	d.Documents = []app.Document{{ID: "D1", Title: "Documento di A", URL: "https://a.example.it/d.pdf", Published: testNow.Add(-48 * time.Hour)}}
	return d
}

// importMenu imports a menu of one dish into s.
func importMenu(t *testing.T, s *Server, dish string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "menu.json")
	menu := fmt.Sprintf(`{"menu": [{"day": "2025-03-12", "school": "Rodari", "course": "primo", "dish": %q}]}`, dish)
	if err := os.WriteFile(path, []byte(menu), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportFile(path); err != nil {
		t.Fatal(err)
	}
}

// tenantProbe is one request of the isolation test: tmpl names the
// openapi.yaml operation ("GET /v1/notices/{code}"). refused: it names
// Comune B's ids only, so every token of A must be refused (4xx). want:
// text of A's data that a 2xx answer holds.
type tenantProbe struct {
	tmpl, path string
	body       []byte
	refused    bool
	want       string
}

// TestComuniTenantIsolation: Comune A's tokens (canteen, counter, a token
// made before roles, a receipts token) try every operation of
// openapi.yaml with Comune B's ids (accounts, pupils, notices, cursors,
// epochs, messages, event ids) and with ids both Comuni use: every answer
// is a refusal or A's own data, none holds anything of B, and B's store
// is byte for byte as it was.
func TestComuniTenantIsolation(t *testing.T) {
	e := newComuniEnv(t)
	e.clock.Set(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)) // before the booking cut-off
	mustImport(t, e.a, comuneAFixture())
	mustImport(t, e.b, comuneBFixture())
	importMenu(t, e.a, "Pasta di A")
	importMenu(t, e.b, bMarker+" lasagne")
	if _, err := e.a.SendMessage(app.Message{Title: "Avviso di A", Audience: app.MessageAudience{Kind: app.AudienceAll}}); err != nil {
		t.Fatal(err)
	}
	bMsg, err := e.b.SendMessage(app.Message{Title: bMarker + " avviso", Body: bMarker, Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "BX1"}})
	if err != nil {
		t.Fatal(err)
	}

	// Comune B at work: its kiosks pull, push meals, make a notice.
	bCanteen, bCounter := e.token(e.b, "k1", RoleCanteen), e.token(e.b, "c1", RoleCounter)
	status, data, _ := e.do("GET", central.PathPull, bCounter, nil)
	if status != 200 || !strings.Contains(string(data), bMarker) {
		t.Fatalf("B's pull: %d %.300s", status, data)
	}
	var bPage app.PullPage
	if err := json.Unmarshal(data, &bPage); err != nil {
		t.Fatal(err)
	}
	bMeal := mealEvent(app.Meal{EventID: "bm1", Seq: 1, KioskID: "k1", PupilID: "BXP1", AccountID: "BX1", Day: testDay,
		Service: app.ServiceLunch, Price: 300, At: testNow.Add(-time.Minute), Via: app.ViaBadge})
	status, data, _ = e.do("POST", central.PathEvents, bCanteen, exchangeBody(app.PushBatch{Epoch: "EB", Events: []app.OutboxEvent{bMeal, meal("m1", 2, "k1", "P1")}}))
	if status != 200 {
		t.Fatalf("B's push: %d %s", status, data)
	}
	status, data, _ = e.do("POST", central.PathTopUps, bCounter, exchangeBody(app.TopUpRequest{AccountID: "BX1", Amount: 2000, IdempotencyKey: "kb"}))
	var bNotice app.Notice
	if status != 201 || json.Unmarshal(data, &bNotice) != nil || bNotice.NoticeCode == "" {
		t.Fatalf("B's top-up: %d %s", status, data)
	}
	e.clock.Set(testNow)
	before := storeDump(t, e.b)
	bBalance, err := e.b.Balance("BX1")
	if err != nil {
		t.Fatal(err)
	}

	// Comune A's tokens, every role.
	rtok, err := e.a.CreateReceiptToken("connector")
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{
		RoleCanteen: e.token(e.a, "k1", RoleCanteen), RoleCounter: e.token(e.a, "c1", RoleCounter),
		"before roles": legacyComuneToken(t, e.a, "k2"), "receipts": rtok,
	}
	for name, tok := range tokens {
		if !strings.HasPrefix(tok, comuneA+".") {
			t.Errorf("%s token %q lacks the prefix %s.", name, tok, comuneA)
		}
	}
	bVoid := voidEvent("v1", 3, "bm1")
	bForeignMeal := mealEvent(app.Meal{EventID: "bm1", Seq: 1, KioskID: "k1", PupilID: "BXP1", AccountID: "BX1", Day: testDay,
		Service: app.ServiceLunch, Price: 300, At: testNow.Add(-time.Minute), Via: app.ViaBadge})
	month := "?from=2025-03-01&to=2025-03-31"
	probes := []tenantProbe{
		{tmpl: "GET /v1/health", path: central.PathHealth},
		{tmpl: "GET /v1/pull", path: central.PathPull, want: "Rossi"},
		{tmpl: "GET /v1/pull", path: central.PathPull + "?cursor=" + bPage.Cursor},
		{tmpl: "GET /v1/pull", path: central.PathPull + "?epoch=EB"},
		{tmpl: "POST /v1/events", path: central.PathEvents, body: exchangeBody(app.PushBatch{Epoch: "EB", Events: []app.OutboxEvent{bForeignMeal, bVoid}})},
		{tmpl: "POST /v1/events", path: central.PathEvents, body: exchangeBody(app.PushBatch{Epoch: "EB", Events: []app.OutboxEvent{meal("m1", 2, "k1", "P1")}})},
		{tmpl: "POST /v1/topups", path: central.PathTopUps, body: exchangeBody(app.TopUpRequest{AccountID: "BX1", Amount: 2000, IdempotencyKey: "kb"}), refused: true},
		{tmpl: "POST /v1/topups", path: central.PathTopUps, body: exchangeBody(app.TopUpRequest{AccountID: "F1", Amount: 2000, IdempotencyKey: "kb"})},
		{tmpl: "GET /v1/notices/{code}", path: central.PathNotices + bNotice.NoticeCode, refused: true},
		{tmpl: "POST /v1/receipts", path: central.PathReceipts, body: exchangeBody(app.Receipt{ReceiptID: "R1", NoticeCode: bNotice.NoticeCode, Amount: 2000, PaidAt: testNow, PSP: "Banca"}), refused: true},
		{tmpl: "GET /v1/families/{account_id}", path: central.PathFamilies + "BX1" + month, refused: true},
		{tmpl: "GET /v1/families/{account_id}", path: central.PathFamilies + "A1" + month, want: "Rossi Maria"},
		{tmpl: "POST /v1/bookings", path: central.PathBookings, body: exchangeBody(app.BookingRequest{PupilID: "BXP1", Day: "2025-03-12", Cancelled: true}), refused: true},
		{tmpl: "POST /v1/absences", path: central.PathAbsences, body: exchangeBody(app.AbsenceRequest{AccountID: "BX1", From: "2025-03-11", To: "2025-03-14"}), refused: true},
		{tmpl: "GET /v1/messages", path: central.PathMessages, want: "Avviso di A"},
		{tmpl: "GET /v1/messages", path: central.PathMessages + "?after=" + bMsg.ID},
		{tmpl: "GET /v1/certificates/{account_id}", path: central.PathCertificates + "BX1?year=2025", refused: true},
		{tmpl: "GET /v1/certificates/{account_id}", path: central.PathCertificates + "A1?year=2025", want: "Rossi Maria"},
		{tmpl: "GET /v1/menu", path: central.PathMenu + month, want: "Pasta di A"},
	}

	// Every operation of openapi.yaml is probed: a new endpoint must be
	// added here.
	covered := map[string]bool{}
	for _, p := range probes {
		covered[p.tmpl] = true
	}
	doc := loadOpenAPI(t)
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	slices.Sort(ops)
	for _, op := range ops {
		if !covered[op] {
			t.Errorf("operation %s of openapi.yaml is not probed across Comuni: add it to the probes", op)
		}
	}
	if len(ops) < 12 {
		t.Fatalf("only %d operations read from openapi.yaml: %v", len(ops), ops)
	}
	// And every path the protocol's Go side names (central.Path*), in case
	// one is served before openapi.yaml documents it.
	for name, path := range wirePaths(t) {
		if !slices.ContainsFunc(probes, func(p tenantProbe) bool { return strings.HasPrefix(p.path, path) }) {
			t.Errorf("central.%s (%s) is not probed across Comuni: add it to the probes", name, path)
		}
	}

	answered := map[string]int{}
	for name, tok := range tokens {
		for _, p := range probes {
			method, _, _ := strings.Cut(p.tmpl, " ")
			send := tok
			if p.tmpl == "GET /v1/health" {
				send = ""
			}
			status, data, header := e.do(method, p.path, send, p.body)
			what := fmt.Sprintf("%s token: %s %s → %d", name, method, p.path, status)
			if status >= 500 {
				t.Errorf("%s: %s", what, data)
			}
			if leak := bMarker; strings.Contains(string(data), leak) || strings.Contains(fmt.Sprint(header), leak) {
				t.Errorf("%s: the answer holds Comune B's data: %s", what, data)
			}
			if p.refused && status/100 == 2 {
				t.Errorf("%s: Comune B's ids were answered: %s", what, data)
			}
			if status/100 == 2 && p.want != "" && !strings.Contains(string(data), p.want) {
				t.Errorf("%s: A's data %q missing: %.300s", what, p.want, data)
			}
			if status/100 == 2 {
				answered[name]++
			}
		}
	}
	// Each kiosk role reached A's server and was answered with A's data.
	for _, name := range []string{RoleCanteen, RoleCounter, "before roles"} {
		if answered[name] < 4 {
			t.Errorf("%s token: only %d answers 2xx: the probes did not reach Comune A", name, answered[name])
		}
	}

	if after := storeDump(t, e.b); !maps.Equal(before, after) {
		t.Errorf("Comune B's store changed under A's requests: %d keys before, %d after", len(before), len(after))
		for k, v := range after {
			if before[k] != v {
				t.Errorf("  changed %s", k)
			}
		}
	}
	if got := storeTenants(t); got != nil && !slices.Equal(got, []string{comuneA, comuneB}) {
		t.Errorf("rows written for tenants %v, want only %s and %s", got, comuneA, comuneB)
	}
	if got, err := e.b.Balance("BX1"); err != nil || got != bBalance {
		t.Errorf("B's balance of BX1: %d %v, want %d", got, err, bBalance)
	}
}

// wirePaths are the central.Path* constants of package central's files,
// by name.
func wirePaths(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, sp := range gd.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Path") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						out[n.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	if len(out) < 12 {
		t.Fatalf("only %d central.Path* constants found: %v", len(out), out)
	}
	return out
}

// legacyComuneToken is a token of a Comune with no role (both kiosk
// roles), as a store made before roles holds them (legacyToken).
func legacyComuneToken(t *testing.T, s *Server, kiosk string) string {
	t.Helper()
	tok := s.comuneTokenPrefix() + legacyToken(t, s, kiosk+"-unused")
	err := s.db.Update(func(tx kv.Tx) error {
		return putToken(tx, kiosk, roleLegacy, tokenHash(tok))
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestComuniForgedPrefix: the front picks a Comune by a token's prefix,
// but only that Comune's store can vouch for the token: A's token under
// B's prefix, B's under A's, an unknown Comune, no prefix: all 401.
func TestComuniForgedPrefix(t *testing.T) {
	e := newComuniEnv(t)
	mustImport(t, e.a, fixture())
	mustImport(t, e.b, fixture())
	ta, tb := e.token(e.a, "k1", RoleCounter), e.token(e.b, "k1", RoleCounter)
	_, ra, _ := strings.Cut(ta, ".")
	_, rb, _ := strings.Cut(tb, ".")
	for _, tok := range []string{ta, tb} {
		if status, data, _ := e.do("GET", central.PathPull, tok, nil); status != 200 {
			t.Fatalf("a valid token: %d %s", status, data)
		}
	}
	for _, forged := range []string{comuneB + "." + ra, comuneA + "." + rb, "C003." + ra, ra, "." + ra, comuneA + ".", comuneA, "nope"} {
		status, data, header := e.do("GET", central.PathPull, forged, nil)
		if status != 401 || !strings.Contains(header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("token %q: %d %s, want 401", forged, status, data)
		}
	}
	if status, _, _ := e.do("GET", central.PathPull, "", nil); status != 401 {
		t.Errorf("no token: %d, want 401", status)
	}
	status, data, _ := e.do("GET", central.PathHealth, "", nil)
	var h app.Health
	if status != 200 || json.Unmarshal(data, &h) != nil || h.Status != "ok" {
		t.Errorf("health through the front: %d %s", status, data)
	}
}

// TestComuniSameKioskTwoComuni: kiosk k1 of A and kiosk k1 of B are two
// kiosks: each pushes its own sequence 1 with the same event id, both are
// taken, each charges its own Comune's family; revoking A's k1 leaves B's
// k1 working.
func TestComuniSameKioskTwoComuni(t *testing.T) {
	e := newComuniEnv(t)
	mustImport(t, e.a, fixture())
	mustImport(t, e.b, fixture())
	ta, tb := e.token(e.a, "k1", RoleCanteen), e.token(e.b, "k1", RoleCanteen)
	batch := exchangeBody(app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1")}})
	for _, tok := range []string{ta, tb} {
		status, data, _ := e.do("POST", central.PathEvents, tok, batch)
		var r app.PushReply
		if status != 200 || json.Unmarshal(data, &r) != nil || r.Kiosk.AckedSeq != 1 || len(r.Results) != 1 || r.Results[0].Status != "accepted" {
			t.Fatalf("push: %d %s", status, data)
		}
	}
	for _, s := range []*Server{e.a, e.b} {
		if n, err := s.EventCount("k1"); err != nil || n != 1 {
			t.Errorf("Comune %s: %d events of k1 (%v), want 1", s.Comune(), n, err)
		}
		if b, err := s.Balance("A1"); err != nil || b != 1000-450 {
			t.Errorf("Comune %s: balance of A1 %d (%v), want 550", s.Comune(), b, err)
		}
	}
	if err := e.a.RevokeToken("k1"); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := e.do("GET", central.PathPull, ta, nil); status != 401 {
		t.Errorf("A's revoked token: %d, want 401", status)
	}
	if status, data, _ := e.do("GET", central.PathPull, tb, nil); status != 200 {
		t.Errorf("B's token after A revoked its own k1: %d %s", status, data)
	}
}

// TestComuneStoreMarked: a Comune's bbolt store is marked with its code
// at first use; opened as another Comune it is refused (its creditor would be
// wrong), and a front refuses a server without a code or two of one code.
func TestComuneStoreMarked(t *testing.T) {
	dir := t.TempDir()
	// bbolt's files: on PostgreSQL a Comune's key space is its code.
	openComune := func(t *testing.T, dir, code string, _ *apptest.Clock, _ *PagoPAConfig) *Server {
		t.Helper()
		s, err := Open(filepath.Join(dir, "comuni", code), Options{Comune: code})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := openComune(t, dir, comuneB, nil, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(filepath.Join(dir, "comuni", comuneB), Options{Comune: comuneA})
	if err == nil || !strings.Contains(err.Error(), "belongs to Comune "+comuneB) {
		t.Fatalf("B's store opened as A: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "x"), Options{Comune: "A.1"}); err == nil {
		t.Error("a code with '.' was taken")
	}
	one, err := Open(filepath.Join(dir, "one"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	tok, err := one.CreateToken("k1", RoleCanteen)
	if err != nil || strings.Contains(tok, ".") {
		t.Errorf("a single Comune's token %q (%v) has a prefix", tok, err)
	}
	if _, err := NewComuni([]*Server{one}, ComuniOptions{}); err == nil {
		t.Error("a front took a server without a Comune code")
	}
	b := openComune(t, dir, comuneB, nil, nil)
	defer b.Close()
	b2 := openComune(t, t.TempDir(), comuneB, nil, nil)
	defer b2.Close()
	if _, err := NewComuni([]*Server{b, b2}, ComuniOptions{}); err == nil {
		t.Error("a front took two servers of one Comune")
	}
}

// TestComuniRefusedLogBounded: a flood of tokens naming no Comune served,
// or none, refused by the front, writes one "requests refused" line with
// the counts, not a line per request.
func TestComuniRefusedLogBounded(t *testing.T) {
	var logBuf apptest.LogBuffer
	dir := t.TempDir()
	a := openComune(t, dir, comuneA, nil, nil)
	defer a.Close()
	front, err := NewComuni([]*Server{a}, ComuniOptions{Log: slog.New(slog.NewJSONHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(front.Handler())
	const rounds = 100
	for i := range rounds {
		for _, tok := range []string{fmt.Sprintf("Z%03d.x", i), ""} {
			req, _ := http.NewRequest("GET", ts.URL+central.PathPull, nil)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Fatalf("token %q: %d", tok, resp.StatusCode)
			}
		}
	}
	ts.Close()
	front.Close() // writes what it counted
	lines := logLines(t, &logBuf)
	if len(lines) != 1 || lines[0]["msg"] != "requests refused" {
		t.Fatalf("%d lines for %d refusals:\n%s", len(lines), 2*rounds, logBuf.String())
	}
	if n := lines[0]["by_reason"].(map[string]any)["unauthorized"]; n != float64(2*rounds) {
		t.Errorf("counted %v unauthorized, want %d", n, 2*rounds)
	}
}

func TestValidComuneCode(t *testing.T) {
	for code, want := range map[string]bool{"H501": true, "a": true, "A_1-b": true, strings.Repeat("x", 32): true,
		"": false, "_A": false, "-A": false, "A.1": false, "A 1": false, "Città": false, strings.Repeat("x", 33): false} {
		if got := ValidComuneCode(code); got != want {
			t.Errorf("ValidComuneCode(%q) = %t, want %t", code, got, want)
		}
	}
}
