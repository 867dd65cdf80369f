package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// BenchmarkComuniFront: what the front of many Comuni costs a request: an
// empty-delta pull (the request every kiosk makes every few seconds)
// answered by a Comune's Server directly, and through the front of 200
// Comuni, in the same run; "front/direct" is the ratio of their times.
// It also reports the heap each open Comune takes.
func BenchmarkComuniFront(b *testing.B) {
	const n = 200
	dir := b.TempDir()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	servers := make([]*Server, 0, n)
	for i := range n {
		code := fmt.Sprintf("C%03d", i)
		s, err := Open(dir+"/"+code, Options{Comune: code, NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		servers = append(servers, s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	front, err := NewComuni(servers, ComuniOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(front.Close)
	s := servers[n/2]
	mustImport(b, s, fixture())
	tok, err := s.CreateToken("k1", RoleCanteen)
	if err != nil {
		b.Fatal(err)
	}
	first := pullOnce(b, s.Handler(), tok, "")
	var cursor struct{ Cursor string }
	if err := json.Unmarshal(first, &cursor); err != nil {
		b.Fatal(err)
	}
	path := pullPath(cursor.Cursor, 0, "")
	direct, viaFront := s.Handler(), front.Handler()
	var tDirect, tFront time.Duration
	i := 0
	for b.Loop() {
		// In turn first and second, so that neither gains by its place.
		h1, h2, t1, t2 := direct, viaFront, &tDirect, &tFront
		if i%2 == 1 {
			h1, h2, t1, t2 = viaFront, direct, &tFront, &tDirect
		}
		i++
		t0 := time.Now()
		pullOnce(b, h1, tok, path)
		mid := time.Now()
		pullOnce(b, h2, tok, path)
		*t1 += mid.Sub(t0)
		*t2 += time.Since(mid)
	}
	b.ReportMetric(float64(tFront)/float64(tDirect), "front/direct")
	b.ReportMetric(float64(tDirect.Nanoseconds())/float64(b.N), "direct-ns/pull")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/comune")
}

// pullOnce sends one pull to h (path "" is a first pull) and returns the
// body.
func pullOnce(b *testing.B, h http.Handler, tok, path string) []byte {
	if path == "" {
		path = pullPath("", 0, "")
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("pull: %d %s", w.Code, w.Body)
	}
	return w.Body.Bytes()
}
