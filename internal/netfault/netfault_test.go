package netfault

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// backend counts the requests it answers and echoes the path and body.
type backend struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend", "yes")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"path": r.URL.Path, "query": r.URL.RawQuery, "body": string(body), "auth": r.Header.Get("Authorization"),
		})
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func newProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// fresh is a client without keep-alive, so each request is a new connection.
func fresh(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

func post(c *http.Client, url, body string) (int, string, error) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestForwardsUntouched(t *testing.T) {
	b := newBackend(t)
	p := newProxy(t, b.srv.URL)
	if !strings.HasPrefix(p.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q", p.URL())
	}
	var seen []string
	var mu sync.Mutex
	p.SetRequestHook(func(r *http.Request, body []byte) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
	})
	status, body, err := post(http.DefaultClient, p.URL()+"/v1/events?x=1", `{"a":1}`)
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got["path"] != "/v1/events" || got["query"] != "x=1" || got["body"] != `{"a":1}` || got["auth"] != "Bearer tok" {
		t.Fatalf("backend saw %v", got)
	}
	st := p.Stats()
	if st.Requests != 1 || st.Forwarded != 1 || b.hits.Load() != 1 {
		t.Fatalf("stats %+v hits %d", st, b.hits.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != `POST /v1/events {"a":1}` {
		t.Fatalf("hook saw %q", seen)
	}
}

func TestInjectedFaults(t *testing.T) {
	b := newBackend(t)
	p := newProxy(t, b.srv.URL)
	if err := p.SetPlan(Plan{DelayFor: 3 * time.Second}); err != nil {
		t.Fatal(err)
	}
	c := fresh(500 * time.Millisecond)

	// DropBefore: no answer, nothing reaches the backend.
	p.Inject(DropBefore, 1)
	if _, _, err := post(c, p.URL()+"/x", "1"); err == nil {
		t.Fatal("DropBefore: got an answer")
	}
	if b.hits.Load() != 0 {
		t.Fatalf("DropBefore forwarded")
	}

	// Error500: a 5xx, nothing forwarded.
	p.Inject(Error500, 1)
	status, _, err := post(c, p.URL()+"/x", "1")
	if err != nil || (status != 500 && status != 502 && status != 503) {
		t.Fatalf("Error500: status %d err %v", status, err)
	}
	if b.hits.Load() != 0 {
		t.Fatalf("Error500 forwarded")
	}

	// DropAfter: the backend answered, the client got nothing.
	p.Inject(DropAfter, 1)
	if _, _, err := post(c, p.URL()+"/x", "1"); err == nil {
		t.Fatal("DropAfter: got an answer")
	}
	if b.hits.Load() != 1 {
		t.Fatalf("DropAfter: backend hits %d, want 1", b.hits.Load())
	}

	// Garble: 200 whose body is not JSON.
	p.Inject(Garble, 1)
	status, body, err := post(c, p.URL()+"/x", "1")
	if err != nil || status != 200 {
		t.Fatalf("Garble: status %d err %v", status, err)
	}
	if json.Valid([]byte(body)) {
		t.Fatalf("Garble: body is valid JSON: %q", body)
	}
	if b.hits.Load() != 2 {
		t.Fatalf("Garble: backend hits %d, want 2", b.hits.Load())
	}

	// Delay: the client times out; the request still reaches the backend
	// once the delay is over.
	p.Inject(Delay, 1)
	_, _, err = post(c, p.URL()+"/x", "1")
	var ne interface{ Timeout() bool }
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Delay: want a client timeout, got %v", err)
	}
	// The proxy counts a forward when the backend's answer is back, a
	// moment after the backend counted its hit: wait for both.
	deadline := time.Now().Add(20 * time.Second)
	for (b.hits.Load() != 3 || p.Stats().Forwarded != 3) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if b.hits.Load() != 3 {
		t.Fatalf("Delay: backend hits %d, want 3", b.hits.Load())
	}

	st := p.Stats()
	want := Stats{Requests: 5, Forwarded: 3, DropBefore: 1, Error500: 1, Delay: 1, DropAfter: 1, Garble: 1}
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
}

func TestDelayThenDrop(t *testing.T) {
	b := newBackend(t)
	p := newProxy(t, b.srv.URL)
	if err := p.SetPlan(Plan{DelayFor: 50 * time.Millisecond, DelayDrop: 1}); err != nil {
		t.Fatal(err)
	}
	p.Inject(Delay, 1)
	if _, _, err := post(fresh(10*time.Second), p.URL()+"/x", "1"); err == nil {
		t.Fatal("got an answer")
	}
	if b.hits.Load() != 0 {
		t.Fatal("delayed-and-dropped request was forwarded")
	}
}

func TestOffline(t *testing.T) {
	b := newBackend(t)
	p := newProxy(t, b.srv.URL)
	// A keep-alive client with an open connection: going offline cuts it.
	c := &http.Client{Timeout: 5 * time.Second}
	if status, _, err := post(c, p.URL()+"/x", "1"); err != nil || status != 200 {
		t.Fatalf("online: %d %v", status, err)
	}
	p.SetOffline(true)
	if !p.Offline() {
		t.Fatal("Offline() false")
	}
	for i := range 3 {
		if _, _, err := post(c, p.URL()+"/x", "1"); err == nil {
			t.Fatalf("offline request %d answered", i)
		}
	}
	if b.hits.Load() != 1 {
		t.Fatalf("backend hits %d while offline", b.hits.Load())
	}
	if p.Stats().Offline == 0 {
		t.Fatal("offline not counted")
	}
	p.SetOffline(false)
	if status, _, err := post(c, p.URL()+"/x", "1"); err != nil || status != 200 {
		t.Fatalf("back online: %d %v", status, err)
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	b := newBackend(t)
	plan := Plan{Seed: 42, DropBefore: 0.2, Error500: 0.2, DropAfter: 0.2, Garble: 0.2}
	run := func() Stats {
		p := newProxy(t, b.srv.URL)
		if err := p.SetPlan(plan); err != nil {
			t.Fatal(err)
		}
		c := fresh(5 * time.Second)
		for range 60 {
			_, _, _ = post(c, p.URL()+"/x", "1")
		}
		return p.Stats()
	}
	a, z := run(), run()
	if a != z {
		t.Fatalf("same seed, different faults:\n%+v\n%+v", a, z)
	}
	if a.Requests != 60 || a.DropBefore == 0 || a.Error500 == 0 || a.DropAfter == 0 || a.Garble == 0 {
		t.Fatalf("stats %+v", a)
	}
	if a.Forwarded != a.Requests-a.DropBefore-a.Error500 {
		t.Fatalf("forwarded %d", a.Forwarded)
	}
}

func TestPlanChecked(t *testing.T) {
	p := newProxy(t, "http://127.0.0.1:1")
	for _, bad := range []Plan{{DropBefore: -0.1}, {DropBefore: 0.6, Garble: 0.6}, {DelayDrop: 2}, {DelayFor: -1}} {
		if err := p.SetPlan(bad); err == nil {
			t.Errorf("plan %+v accepted", bad)
		}
	}
	if err := p.SetPlan(Plan{DropBefore: 0.5, Garble: 0.5}); err != nil {
		t.Fatal(err)
	}
	if _, err := New("ftp://x"); err == nil {
		t.Fatal("ftp target accepted")
	}
}

func TestUpstreamDown(t *testing.T) {
	p := newProxy(t, "http://127.0.0.1:1")
	status, _, err := post(fresh(5*time.Second), p.URL()+"/x", "1")
	if err != nil || status != http.StatusBadGateway {
		t.Fatalf("status %d err %v", status, err)
	}
	if p.Stats().UpstreamErrors != 1 {
		t.Fatalf("stats %+v", p.Stats())
	}
}

func TestCloseEndsHeldRequests(t *testing.T) {
	b := newBackend(t)
	p, err := New(b.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetPlan(Plan{DelayFor: time.Hour}); err != nil {
		t.Fatal(err)
	}
	p.Inject(Delay, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/x", nil)
		resp, err := fresh(0).Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for p.Stats().Delay == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { _ = p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close did not return")
	}
	if err := <-done; err == nil {
		t.Fatal("held request answered")
	}
}

func TestGarbleNeverValidJSON(t *testing.T) {
	bodies := [][]byte{[]byte(`{}`), []byte("{\"a\":[1,2,3]}\n"), []byte(`{"results":[{"id":"x"}],"server_time":"2025-01-01T00:00:00Z"}`), nil}
	for _, b := range bodies {
		for way := range 3 {
			for _, at := range []float64{0, 0.3, 0.5, 0.99, 0.999999} {
				if g := garble(b, at, way); json.Valid(g) {
					t.Errorf("garble(%q, %v, %d) = %q is valid JSON", b, at, way, g)
				}
			}
		}
	}
}

func TestFaultString(t *testing.T) {
	for f, s := range map[Fault]string{None: "none", DropBefore: "drop-before", Error500: "error-500", Delay: "delay",
		DropAfter: "drop-after", Garble: "garble", Fault(99): "fault(99)"} {
		if f.String() != s {
			t.Errorf("%d: %q", int(f), f.String())
		}
	}
}
