package netfault

import (
	"net/http"
	"testing"
	"time"
)

// A balanced proxy sends each request to the next server in turn; with one
// server down (its port refusing), every request reaches the other.
func TestBalancedTakesTurnsAndSkipsARefusingServer(t *testing.T) {
	a, b := newBackend(t), newBackend(t)
	p, err := NewBalanced(a.srv.URL, b.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	c := fresh(5 * time.Second)
	for range 10 {
		if st, _, err := post(c, p.URL()+"/v1/events", "x"); err != nil || st != http.StatusOK {
			t.Fatalf("status %d, %v", st, err)
		}
	}
	if a.hits.Load() != 5 || b.hits.Load() != 5 {
		t.Fatalf("hits %d and %d, want 5 each", a.hits.Load(), b.hits.Load())
	}
	a.srv.Close() // its port now refuses connections
	for range 10 {
		if st, _, err := post(c, p.URL()+"/v1/events", "x"); err != nil || st != http.StatusOK {
			t.Fatalf("with one server down: status %d, %v", st, err)
		}
	}
	if a.hits.Load() != 5 || b.hits.Load() != 15 {
		t.Fatalf("hits %d and %d after the first went down, want 5 and 15", a.hits.Load(), b.hits.Load())
	}
	if s := p.Stats(); s.UpstreamErrors != 0 {
		t.Fatalf("upstream errors %d: a refused connection must go to the other server", s.UpstreamErrors)
	}
	if _, err := NewBalanced(); err == nil {
		t.Fatal("NewBalanced without a target accepted")
	}
}
