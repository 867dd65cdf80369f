package central

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/internal/netfault"
)

var t0 = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

// fakeCentral is a small in-memory /v1 server: it stores each event id once
// and pages a roster of pupils by an integer cursor.
type fakeCentral struct {
	token string

	mu     sync.Mutex
	events map[string]app.OutboxEvent
	pupils []app.Pupil
	keys   map[string]int // Idempotency-Key → times seen
	hits   map[string]int // path → requests
	last   *http.Request
}

func newFake(token string, pupils int) *fakeCentral {
	f := &fakeCentral{token: token, events: map[string]app.OutboxEvent{}, keys: map[string]int{}, hits: map[string]int{}}
	for i := range pupils {
		f.pupils = append(f.pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("P%05d", i)), AccountID: "A1", FirstName: "Anna", LastName: "Rossi"})
	}
	return f
}

func (f *fakeCentral) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits[r.URL.Path]++
	f.last = r.Clone(context.Background())
	f.mu.Unlock()
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.URL.Path == PathHealth {
		writeJSON(200, app.Health{Status: "ok", Version: "fake", ServerTime: t0})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		writeJSON(401, Error{Code: "unauthorized", Message: "bad token"})
		return
	}
	switch r.URL.Path {
	case PathPull:
		start := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			n, err := strconv.Atoi(c)
			if err != nil {
				writeJSON(400, Error{Code: "bad_cursor", Message: "not mine", Field: "cursor"})
				return
			}
			start = n
		}
		limit := DefaultPullLimit
		if l := r.URL.Query().Get("limit"); l != "" {
			limit, _ = strconv.Atoi(l)
		}
		f.mu.Lock()
		end := min(start+limit, len(f.pupils))
		page := app.PullPage{Cursor: strconv.Itoa(end), More: end < len(f.pupils), Reset: start == 0,
			Done: end, Total: len(f.pupils), ServerTime: t0}
		page.Pupils = append([]app.Pupil(nil), f.pupils[start:end]...)
		f.mu.Unlock()
		writeJSON(200, page)
	case PathEvents:
		var b app.PushBatch
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			writeJSON(400, Error{Code: "malformed_json", Message: err.Error()})
			return
		}
		rep := app.PushReply{ServerTime: t0, Results: []app.EventAck{}}
		f.mu.Lock()
		f.keys[r.Header.Get(HeaderIdempotencyKey)]++
		for _, e := range b.Events {
			st := app.EventAccepted
			if _, ok := f.events[e.ID]; ok {
				st = app.EventDuplicate
			} else {
				f.events[e.ID] = e
			}
			rep.Results = append(rep.Results, app.EventAck{ID: e.ID, Seq: e.Seq, Status: st})
		}
		f.mu.Unlock()
		writeJSON(200, rep)
	default:
		writeJSON(404, Error{Code: "not_found", Message: r.URL.Path})
	}
}

func (f *fakeCentral) hitsOf(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

func (f *fakeCentral) stored() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.events)
}

func startFake(t *testing.T, f http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(f)
	t.Cleanup(s.Close)
	return s
}

// startFailingFirst serves f after answering the first failures requests
// with status (and Retry-After: retryAfter, when not ""); n counts the
// requests.
func startFailingFirst(t *testing.T, f http.Handler, n *atomic.Int64, failures int64, status int, retryAfter string) *httptest.Server {
	t.Helper()
	return startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= failures {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			return
		}
		f.ServeHTTP(w, r)
	}))
}

func proxyTo(t *testing.T, target string) *netfault.Proxy {
	t.Helper()
	p, err := netfault.New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// testConfig is a client config with fast backoff.
func testConfig(url string) ClientConfig {
	return ClientConfig{BaseURL: url, Token: "tok", Epoch: "ep1", Timeout: 5 * time.Second,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

func newTestClient(t *testing.T, cfg ClientConfig) *Client {
	t.Helper()
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func batch(epoch string, from, n int) app.PushBatch {
	b := app.PushBatch{Epoch: epoch}
	for i := from; i < from+n; i++ {
		m := app.Meal{EventID: fmt.Sprintf("ev-%06d", i), Seq: uint64(i + 1), KioskID: "K1", PupilID: "P00001",
			AccountID: "A1", Day: "2025-03-10", Service: app.ServiceLunch, Price: 450, At: t0, Via: app.ViaBadge}
		payload, _ := json.Marshal(m)
		b.Events = append(b.Events, app.OutboxEvent{ID: m.EventID, Seq: m.Seq, Kind: app.EventMealRecorded, At: t0, Payload: payload})
	}
	return b
}

// statusServer answers every request with status and body, counting them.
func statusServer(t *testing.T, status int, body string, hdr map[string]string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	s := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	return s, &n
}

func TestNewClientURLs(t *testing.T) {
	ok := []string{"https://mensa.example.it", "https://mensa.example.it/prefix/", "http://127.0.0.1:8080",
		"http://127.8.9.10", "http://[::1]:9000", "http://localhost:1", "http://LOCALHOST"}
	for _, u := range ok {
		if _, err := NewClient(ClientConfig{BaseURL: u}); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	bad := []string{"", "http://mensa.example.it", "http://10.0.0.1:80", "http://[::2]", "http://128.0.0.1",
		"http://localhost.example.com", "ftp://127.0.0.1", "https://", "https://u:p@mensa.example.it",
		"https://mensa.example.it/?x=1", "mensa.example.it"}
	for _, u := range bad {
		if _, err := NewClient(ClientConfig{BaseURL: u}); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	_, err := NewClient(ClientConfig{BaseURL: "http://mensa.example.it"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("error does not say why: %v", err)
	}
	if _, err := NewClient(ClientConfig{BaseURL: "https://x.example.it", CAFile: filepath.Join(t.TempDir(), "none.pem")}); err == nil {
		t.Error("missing CA file accepted")
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	_ = os.WriteFile(junk, []byte("not a certificate"), 0o600)
	if _, err := NewClient(ClientConfig{BaseURL: "https://x.example.it", CAFile: junk}); err == nil {
		t.Error("CA file without certificates accepted")
	}
}

// Retries is resty's retry count: n retries are n+1 attempts.
func TestRetriesMeansNPlusOneAttempts(t *testing.T) {
	for _, tc := range []struct{ retries, attempts int }{{3, 4}, {0, DefaultRetries + 1}, {-1, 1}, {1, 2}} {
		t.Run(fmt.Sprint(tc.retries), func(t *testing.T) {
			s, n := statusServer(t, 503, `{"code":"internal","message":"down"}`, nil)
			cfg := testConfig(s.URL)
			cfg.Retries = tc.retries
			c := newTestClient(t, cfg)
			_, err := c.Pull(testCtx(t), "", 10)
			if !errors.Is(err, app.ErrUnreachable) {
				t.Fatalf("err %v, want ErrUnreachable", err)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Code != "internal" {
				t.Fatalf("err %v does not carry the server's error", err)
			}
			if got := n.Load(); got != int64(tc.attempts) {
				t.Fatalf("Retries=%d: %d attempts, want %d", tc.retries, got, tc.attempts)
			}
		})
	}
}

func TestStatusesNotRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error
	}{{400, app.ErrBadRequest}, {401, app.ErrUnauthorized}, {403, app.ErrForbidden}, {404, app.ErrBadRequest},
		{409, app.ErrBadRequest}, {413, app.ErrBadRequest}} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			s, n := statusServer(t, tc.status, `{"code":"bad_request","message":"no","field":"events[0].id"}`, nil)
			c := newTestClient(t, testConfig(s.URL))
			_, err := c.Push(testCtx(t), batch("ep1", 0, 2))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if errors.Is(err, app.ErrUnreachable) || errors.Is(err, ErrMalformedReply) {
				t.Fatalf("err %v wraps too much", err)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Code != "bad_request" || ce.Field != "events[0].id" || ce.Message != "no" {
				t.Fatalf("err %v: central.Error %+v", err, ce)
			}
			if n.Load() != 1 {
				t.Fatalf("%d attempts, want 1", n.Load())
			}
		})
	}
	// A 4xx whose body is not a central.Error still says what happened.
	s, _ := statusServer(t, 422, "<html>nope</html>", nil)
	_, err := newTestClient(t, testConfig(s.URL)).Pull(testCtx(t), "", 0)
	var ce *Error
	if !errors.Is(err, app.ErrBadRequest) || !errors.As(err, &ce) || ce.Code != "http_422" || !strings.Contains(ce.Message, "nope") {
		t.Fatalf("err %v", err)
	}
}

func TestRetriedStatusesThenSuccess(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504, 429} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFake("tok", 3)
			var n atomic.Int64
			s := startFailingFirst(t, f, &n, 2, status, "")
			c := newTestClient(t, testConfig(s.URL))
			p, err := c.Pull(testCtx(t), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Pupils) != 3 || n.Load() != 3 {
				t.Fatalf("pupils %d attempts %d", len(p.Pupils), n.Load())
			}
		})
	}
}

func TestRetryAfterHonouredWithinMaxBackoff(t *testing.T) {
	f := newFake("tok", 1)
	var n atomic.Int64
	s := startFailingFirst(t, f, &n, 1, 429, "1")
	cfg := testConfig(s.URL)
	cfg.MaxBackoff = 5 * time.Second
	c := newTestClient(t, cfg)
	start := time.Now()
	if _, err := c.Health(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	// A lower bound only: the wait honoured the server's second.
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("retried after %v, before Retry-After", el)
	}

	// Retry-After beyond MaxBackoff is cut to MaxBackoff: an hour's wait
	// still ends well within the test's context.
	n.Store(0)
	s2 := startFailingFirst(t, f, &n, 1, 503, "3600")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := newTestClient(t, testConfig(s2.URL)).Health(ctx); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Fatalf("%d attempts", n.Load())
	}
}

// Every attempt of a push carries the same bytes and the same
// Idempotency-Key; a reply lost after the server committed comes back as
// "duplicate" on the retry, and the server holds each event once.
func TestPushIdenticalBodyOnEveryAttempt(t *testing.T) {
	f := newFake("tok", 0)
	s := startFake(t, f)
	p := proxyTo(t, s.URL)
	var mu sync.Mutex
	var bodies [][]byte
	var keys []string
	p.SetRequestHook(func(r *http.Request, body []byte) {
		if r.URL.Path != PathEvents {
			return
		}
		mu.Lock()
		bodies = append(bodies, body)
		keys = append(keys, r.Header.Get(HeaderIdempotencyKey))
		mu.Unlock()
	})
	p.Inject(netfault.DropBefore, 1)
	p.Inject(netfault.Error500, 1)
	p.Inject(netfault.DropAfter, 1)
	c := newTestClient(t, testConfig(p.URL()))
	b := batch("ep1", 0, 5)
	rep, err := c.Push(testCtx(t), b)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(b)
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 4 {
		t.Fatalf("%d attempts, want 4", len(bodies))
	}
	for i, got := range bodies {
		if string(got) != string(want) {
			t.Fatalf("attempt %d body differs:\n%s\nwant\n%s", i+1, got, want)
		}
		if keys[i] != IdempotencyKey(b) {
			t.Fatalf("attempt %d key %q", i+1, keys[i])
		}
	}
	for i, r := range rep.Results {
		if r.Status != app.EventDuplicate || r.ID != b.Events[i].ID {
			t.Fatalf("result %d: %+v (the committed attempt's answer was lost: want duplicate)", i, r)
		}
	}
	if f.stored() != 5 {
		t.Fatalf("server holds %d events", f.stored())
	}
}

func TestIdempotencyKey(t *testing.T) {
	a, b := batch("ep1", 0, 3), batch("ep1", 0, 3)
	if IdempotencyKey(a) != IdempotencyKey(b) || len(IdempotencyKey(a)) != 64 {
		t.Fatal("same batch, different keys")
	}
	if IdempotencyKey(a) == IdempotencyKey(batch("ep2", 0, 3)) {
		t.Fatal("epoch not in key")
	}
	if IdempotencyKey(a) == IdempotencyKey(batch("ep1", 1, 3)) {
		t.Fatal("ids not in key")
	}
	// No ambiguity between concatenations.
	x := app.PushBatch{Epoch: "e", Events: []app.OutboxEvent{{ID: "ab"}}}
	y := app.PushBatch{Epoch: "e", Events: []app.OutboxEvent{{ID: "a"}, {ID: "b"}}}
	if IdempotencyKey(x) == IdempotencyKey(y) {
		t.Fatal("ambiguous key")
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	// During the backoff wait.
	s, n := statusServer(t, 503, "", nil)
	cfg := testConfig(s.URL)
	cfg.MinBackoff, cfg.MaxBackoff = time.Minute, time.Minute
	c := newTestClient(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for n.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err := c.Push(ctx, batch("ep1", 0, 1))
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("returned after %v", el)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, app.ErrUnreachable) {
		t.Fatalf("err %v", err)
	}
	if n.Load() != 1 {
		t.Fatalf("%d attempts after cancel", n.Load())
	}

	// During a hung attempt (per-attempt timeout far away).
	release := make(chan struct{})
	var m atomic.Int64
	hung := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer close(release)
	cfg = testConfig(hung.URL)
	cfg.Timeout = time.Minute
	c = newTestClient(t, cfg)
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		for m.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	start = time.Now()
	_, err = c.Pull(ctx, "", 0)
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("returned after %v", el)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if m.Load() != 1 {
		t.Fatalf("%d attempts after cancel", m.Load())
	}
}

// The caller's deadline bounds the whole call, whatever the per-attempt
// timeout and the retry count.
func TestDeadlineBoundsWholeCall(t *testing.T) {
	s, _ := statusServer(t, 503, "", nil)
	cfg := testConfig(s.URL)
	cfg.Retries = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := newTestClient(t, cfg).Health(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, app.ErrUnreachable) {
		t.Fatalf("err %v", err)
	}
}

// An attempt held past the per-attempt timeout is abandoned and retried.
func TestPerAttemptTimeoutRetries(t *testing.T) {
	f := newFake("tok", 2)
	s := startFake(t, f)
	p := proxyTo(t, s.URL)
	if err := p.SetPlan(netfault.Plan{DelayFor: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	p.Inject(netfault.Delay, 1)
	cfg := testConfig(p.URL())
	cfg.Timeout = 300 * time.Millisecond
	c := newTestClient(t, cfg)
	page, err := c.Pull(testCtx(t), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Pupils) != 2 {
		t.Fatalf("page %+v", page)
	}
	if st := p.Stats(); st.Delay != 1 || st.Requests != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUnreachable(t *testing.T) {
	// Nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := testConfig("http://" + addr)
	cfg.Retries = 2
	_, err = newTestClient(t, cfg).Health(testCtx(t))
	if !errors.Is(err, app.ErrUnreachable) {
		t.Fatalf("err %v", err)
	}

	// Network cut at the proxy, then restored.
	f := newFake("tok", 1)
	p := proxyTo(t, startFake(t, f).URL)
	c := newTestClient(t, testConfig(p.URL()))
	p.SetOffline(true)
	if _, err := c.Push(testCtx(t), batch("ep1", 0, 1)); !errors.Is(err, app.ErrUnreachable) {
		t.Fatalf("offline: err %v", err)
	}
	if f.stored() != 0 {
		t.Fatal("stored while offline")
	}
	p.SetOffline(false)
	if _, err := c.Push(testCtx(t), batch("ep1", 0, 1)); err != nil {
		t.Fatalf("back online: %v", err)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var other atomic.Int64
	o := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	s, n := statusServer(t, http.StatusFound, "", map[string]string{"Location": o.URL + "/login"})
	_, err := newTestClient(t, testConfig(s.URL)).Pull(testCtx(t), "", 0)
	if !errors.Is(err, app.ErrUnreachable) {
		t.Fatalf("err %v", err)
	}
	if other.Load() != 0 || n.Load() != 1 {
		t.Fatalf("redirect followed (%d) or retried (%d)", other.Load(), n.Load())
	}
}

func TestMalformedReplies(t *testing.T) {
	st := `"server_time":"2025-03-10T12:00:00Z"`
	b := batch("ep1", 0, 2)
	res := func(a, bb string) string { return `{"results":[` + a + `,` + bb + `],` + st + `}` }
	ok0 := `{"id":"ev-000000","seq":1,"status":"accepted"}`
	ok1 := `{"id":"ev-000001","seq":2,"status":"duplicate"}`
	push := map[string]string{
		"html":           "<html>portal</html>",
		"empty":          "",
		"null":           "null",
		"truncated":      res(ok0, ok1)[:40],
		"trailing":       res(ok0, ok1) + "{}",
		"array":          "[" + ok0 + "]",
		"too few":        `{"results":[` + ok0 + `],` + st + `}`,
		"too many":       `{"results":[` + ok0 + `,` + ok1 + `,` + ok1 + `],` + st + `}`,
		"swapped":        res(ok1, ok0),
		"wrong id":       res(ok0, `{"id":"ev-X","seq":2,"status":"accepted"}`),
		"wrong seq":      res(ok0, `{"id":"ev-000001","seq":3,"status":"accepted"}`),
		"unknown status": res(ok0, `{"id":"ev-000001","seq":2,"status":"maybe"}`),
		"no status":      res(ok0, `{"id":"ev-000001","seq":2}`),
		"no server_time": `{"results":[` + ok0 + `,` + ok1 + `]}`,
		"wrong types":    `{"results":"x",` + st + `}`,
	}
	for name, body := range push {
		t.Run("push/"+name, func(t *testing.T) {
			s, n := statusServer(t, 200, body, map[string]string{"Content-Type": "application/json"})
			_, err := newTestClient(t, testConfig(s.URL)).Push(testCtx(t), b)
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("err %v", err)
			}
			if n.Load() != 1 {
				t.Fatalf("malformed reply retried (%d attempts)", n.Load())
			}
		})
	}
	// The well-formed reply passes (the cases above differ from it in one thing).
	s, _ := statusServer(t, 200, res(ok0, ok1), nil)
	if _, err := newTestClient(t, testConfig(s.URL)).Push(testCtx(t), b); err != nil {
		t.Fatalf("good reply refused: %v", err)
	}

	pull := map[string]string{
		"no cursor":      `{"more":false,` + st + `}`,
		"no server_time": `{"cursor":"c"}`,
		"negative done":  `{"cursor":"c","done":-1,` + st + `}`,
		"pupil no id":    `{"cursor":"c","pupils":[{"first_name":"A"}],` + st + `}`,
		"deleted no id":  `{"cursor":"c","deleted":[{"kind":"pupil"}],` + st + `}`,
		"not json":       `cursor=c`,
	}
	for name, body := range pull {
		t.Run("pull/"+name, func(t *testing.T) {
			s, _ := statusServer(t, 200, body, nil)
			if _, err := newTestClient(t, testConfig(s.URL)).Pull(testCtx(t), "", 0); !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("err %v", err)
			}
		})
	}
	health := map[string]string{"no status": `{` + st + `}`, "no time": `{"status":"ok"}`, "garbage": "ok"}
	for name, body := range health {
		t.Run("health/"+name, func(t *testing.T) {
			s, _ := statusServer(t, 200, body, nil)
			if _, err := newTestClient(t, testConfig(s.URL)).Health(testCtx(t)); !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

// A reply garbled on the way is refused, not acted on.
func TestGarbledReply(t *testing.T) {
	f := newFake("tok", 0)
	p := proxyTo(t, startFake(t, f).URL)
	c := newTestClient(t, testConfig(p.URL()))
	for i := range 3 {
		p.Inject(netfault.Garble, 1)
		_, err := c.Push(testCtx(t), batch("ep1", i, 1))
		if !errors.Is(err, ErrMalformedReply) {
			t.Fatalf("garbled reply %d: err %v", i, err)
		}
	}
}

func TestResponseBodyLimit(t *testing.T) {
	big := `{"status":"ok","server_time":"2025-03-10T12:00:00Z","version":"` + strings.Repeat("x", 1<<20) + `"}`
	s, n := statusServer(t, 200, big, nil)
	cfg := testConfig(s.URL)
	cfg.MaxResponseBytes = 64 << 10
	_, err := newTestClient(t, cfg).Health(testCtx(t))
	if !errors.Is(err, ErrMalformedReply) {
		t.Fatalf("err %v", err)
	}
	if n.Load() != 1 {
		t.Fatalf("%d attempts", n.Load())
	}
	cfg.MaxResponseBytes = 0 // default 64 MiB
	if _, err := newTestClient(t, cfg).Health(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestPullAndHealthRequests(t *testing.T) {
	f := newFake("tok", 25)
	s := startFake(t, f)
	c := newTestClient(t, testConfig(s.URL))
	ctx := testCtx(t)

	h, err := c.Health(ctx)
	if err != nil || h.Status != "ok" || !h.ServerTime.Equal(t0) {
		t.Fatalf("health %+v %v", h, err)
	}
	f.mu.Lock()
	if a := f.last.Header.Get("Authorization"); a != "" {
		t.Errorf("token sent to health: %q", a)
	}
	if ua := f.last.Header.Get("User-Agent"); ua != DefaultUserAgent {
		t.Errorf("User-Agent %q", ua)
	}
	f.mu.Unlock()

	var got []app.PupilID
	cursor := ""
	for {
		p, err := c.Pull(ctx, cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		q := f.last.URL.Query()
		f.mu.Unlock()
		if q.Get("epoch") != "ep1" || q.Get("limit") != "10" || q.Get("cursor") != cursor {
			t.Fatalf("query %v (cursor %q)", q, cursor)
		}
		if p.Reset != (cursor == "") {
			t.Fatalf("reset %v at cursor %q", p.Reset, cursor)
		}
		for _, pu := range p.Pupils {
			got = append(got, pu.ID)
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	if len(got) != 25 || got[24] != "P00024" {
		t.Fatalf("pulled %v", got)
	}

	c.SetEpoch("ep2")
	if c.Epoch() != "ep2" {
		t.Fatal("SetEpoch")
	}
	if _, err := c.Pull(ctx, "", MaxPullLimit*3); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	q := f.last.URL.Query()
	f.mu.Unlock()
	if q.Get("epoch") != "ep2" || q.Get("limit") != strconv.Itoa(MaxPullLimit) || q.Has("cursor") {
		t.Fatalf("query %v", q)
	}

	// Wrong token: ErrUnauthorized, once.
	cfg := testConfig(s.URL)
	cfg.Token = "wrong"
	before := f.hitsOf(PathPull)
	_, err = newTestClient(t, cfg).Pull(ctx, "", 0)
	var ce *Error
	if !errors.Is(err, app.ErrUnauthorized) || !errors.As(err, &ce) || ce.Code != "unauthorized" {
		t.Fatalf("err %v", err)
	}
	if f.hitsOf(PathPull) != before+1 {
		t.Fatal("401 retried")
	}
}

func TestPushBatchLimits(t *testing.T) {
	f := newFake("tok", 0)
	s := startFake(t, f)
	c := newTestClient(t, testConfig(s.URL))
	_, err := c.Push(testCtx(t), batch("ep1", 0, MaxPushEvents+1))
	if !errors.Is(err, app.ErrBadRequest) || f.hitsOf(PathEvents) != 0 {
		t.Fatalf("oversized batch: err %v, sent %d", err, f.hitsOf(PathEvents))
	}
	rep, err := c.Push(testCtx(t), app.PushBatch{Epoch: "ep1"})
	if err != nil || len(rep.Results) != 0 {
		t.Fatalf("empty batch: %+v %v", rep, err)
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and ::1 and
// returns it with the PEM file's path.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mensakiosk test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

func TestHTTPSWithCAFile(t *testing.T) {
	cert, caFile := selfSigned(t)
	f := newFake("tok", 4)
	var hits atomic.Int64
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.TLS == nil || r.TLS.Version < tls.VersionTLS12 {
			t.Errorf("TLS %+v", r.TLS)
		}
		f.ServeHTTP(w, r)
	}))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %s", s.URL)
	}

	cfg := testConfig(s.URL)
	cfg.CAFile = caFile
	c := newTestClient(t, cfg)
	p, err := c.Pull(testCtx(t), "", 0)
	if err != nil || len(p.Pupils) != 4 {
		t.Fatalf("pull over TLS: %+v %v", p, err)
	}

	// Without the CA the server is refused, and not retried.
	cfg.CAFile = ""
	cfg.Retries = 3
	_, err = newTestClient(t, cfg).Health(testCtx(t))
	var unknown x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	if !errors.Is(err, app.ErrUnreachable) || !(errors.As(err, &unknown) || errors.As(err, &verify)) {
		t.Fatalf("err %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("hits %d", hits.Load())
	}

	// A server offering only TLS 1.1 is refused.
	old := httptest.NewUnstartedServer(f)
	old.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS11}
	old.Config.ErrorLog = log.New(io.Discard, "", 0)
	old.StartTLS()
	t.Cleanup(old.Close)
	cfg = testConfig(old.URL)
	cfg.CAFile = caFile
	cfg.Retries = -1
	if _, err := newTestClient(t, cfg).Health(testCtx(t)); err == nil {
		t.Fatal("TLS 1.1 accepted")
	}
}

// The client's logger hears about each failed attempt.
func TestRetriesLogged(t *testing.T) {
	s, _ := statusServer(t, 503, "", nil)
	var buf apptest.LogBuffer
	cfg := testConfig(s.URL)
	cfg.Retries = 2
	cfg.Log = newTextLogger(&buf)
	_, _ = newTestClient(t, cfg).Health(testCtx(t))
	out := buf.String()
	for _, want := range []string{"attempt=1 of=3", "attempt=2 of=3", "attempt=3 of=3 will_retry=false", "call failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// A storm against the in-memory fake: every fault at once, many batches,
// each retried until answered; the server ends with each event exactly once
// and the kiosk has an answer for every event; a pull through the storm gets
// the whole roster.
func TestStormAgainstFake(t *testing.T) {
	if testing.Short() {
		t.Skip("storm")
	}
	f := newFake("tok", 1200)
	p := proxyTo(t, startFake(t, f).URL)
	c := stormClient(t, p, "tok", "ep1")
	b := batch("ep1", 0, 2000)
	stormPush(t, p, c, "ep1", b.Events, 40, 7, nil)
	if f.stored() != 2000 {
		t.Fatalf("server holds %d events, want 2000", f.stored())
	}
	got := stormPull(t, p, c, 100, 11, 200)
	if len(got.Pupils) != 1200 {
		t.Fatalf("pulled %d pupils, want 1200", len(got.Pupils))
	}
	for id, n := range got.Pupils {
		if n != 1 {
			t.Fatalf("pupil %s pulled %d times", id, n)
		}
	}
}
