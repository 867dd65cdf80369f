package central

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/internal/netfault"
)

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// stormPlan turns every fault on, about 30 % of requests in all.
func stormPlan(seed uint64) netfault.Plan {
	return netfault.Plan{Seed: seed, DropBefore: 0.06, Error500: 0.06, Delay: 0.04, DropAfter: 0.07, Garble: 0.07,
		DelayFor: 1500 * time.Millisecond, DelayDrop: 0.5}
}

// The storm, for the external test package's storm against the real
// server (client_storm_test.go).
var (
	StormPush = stormPush
	StormPull = stormPull
)

// injectEach makes sure every fault happens at least once, whatever the
// draw: one of each, first.
func injectEach(p *netfault.Proxy) {
	for _, f := range []netfault.Fault{netfault.DropBefore, netfault.Error500, netfault.Delay, netfault.DropAfter, netfault.Garble} {
		p.Inject(f, 1)
	}
}

// storm turns every fault on in p (the plan of seed, and each fault once
// first) until calm is called, and gives what runs in it 5 minutes.
func storm(t *testing.T, p *netfault.Proxy, seed uint64) (ctx context.Context, calm func()) {
	t.Helper()
	if err := p.SetPlan(stormPlan(seed)); err != nil {
		t.Fatal(err)
	}
	injectEach(p)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	return ctx, func() {
		cancel()
		_ = p.SetPlan(netfault.Plan{})
	}
}

// stormClient is a client through p with a short per-attempt timeout.
func stormClient(t *testing.T, p *netfault.Proxy, token, epoch string) *Client {
	t.Helper()
	return newTestClient(t, ClientConfig{BaseURL: p.URL(), Token: token, Epoch: epoch,
		Timeout: time.Second, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
}

// stormPush pushes the events in batches through p with every fault on
// (the plan of seed, and each fault once first), each batch again and
// again (as the kiosk's sync engine does) until it has an answer. It checks
// each answer (and check, when not nil, looks at it too) and that no event
// was accepted twice, and returns the statuses last answered.
func stormPush(t *testing.T, p *netfault.Proxy, c *Client, epoch string, events []app.OutboxEvent, size int, seed uint64, check func(app.PushBatch, app.PushReply)) map[string]app.EventStatus {
	t.Helper()
	ctx, calm := storm(t, p, seed)
	defer calm()
	last := map[string]app.EventStatus{}
	accepted := map[string]int{}
	calls, failed := 0, 0
	for from := 0; from < len(events); from += size {
		b := app.PushBatch{Epoch: epoch, Events: events[from:min(from+size, len(events))]}
		for try := 0; ; try++ {
			if try == 100 {
				t.Fatalf("batch at %d: no answer after 100 calls", from)
			}
			calls++
			rep, err := c.Push(ctx, b)
			if err != nil {
				if ctx.Err() != nil {
					t.Fatalf("storm took too long: %v", err)
				}
				if errors.Is(err, app.ErrUnreachable) || errors.Is(err, ErrMalformedReply) {
					failed++
					continue
				}
				t.Fatalf("batch at %d: %v", from, err)
			}
			for i, r := range rep.Results {
				if r.ID != b.Events[i].ID {
					t.Fatalf("result %d for %q, not %q", i, r.ID, b.Events[i].ID)
				}
				last[r.ID] = r.Status
				if r.Status == app.EventAccepted {
					accepted[r.ID]++
					if accepted[r.ID] > 1 {
						t.Fatalf("event %s accepted twice", r.ID)
					}
				}
			}
			if check != nil {
				check(b, rep)
			}
			break
		}
	}
	st := p.Stats()
	t.Logf("storm push: %d events, %d calls (%d failed after retries), proxy %+v", len(events), calls, failed, st)
	if st.DropBefore == 0 || st.Error500 == 0 || st.DropAfter == 0 || st.Garble == 0 || st.Delay == 0 {
		t.Errorf("some fault never happened: %+v", st)
	}
	if len(last) != len(events) {
		t.Fatalf("answers for %d events, want %d", len(last), len(events))
	}
	return last
}

// Pulled is what a pull delivered: each record's latest version and how
// many times it came.
type Pulled struct {
	Pupils   map[app.PupilID]int
	Accounts map[app.AccountID]app.Account
	Pages    int
	Last     app.PullPage // the last page (its cursor is where a next pull starts)
}

// stormPull pulls from scratch through p with every fault on (the plan of
// seed, and each fault once first), retrying the current page on each
// failure (as the sync engine does, with the same cursor; maxFails
// failures at most), until a page says no more.
func stormPull(t *testing.T, p *netfault.Proxy, c *Client, limit int, seed uint64, maxFails int) Pulled {
	t.Helper()
	ctx, calm := storm(t, p, seed)
	defer calm()
	got := Pulled{Pupils: map[app.PupilID]int{}, Accounts: map[app.AccountID]app.Account{}}
	cursor, fails, inReset := "", 0, false
	for {
		page, err := c.Pull(ctx, cursor, limit)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("storm pull took too long: %v", err)
			}
			if errors.Is(err, app.ErrUnreachable) || errors.Is(err, ErrMalformedReply) {
				if fails++; fails > maxFails {
					t.Fatalf("pull: too many failures: %v", err)
				}
				continue
			}
			t.Fatalf("pull: %v", err)
		}
		if page.Reset && !inReset {
			// A reset pull starts: what was held before is stale.
			clear(got.Pupils)
			clear(got.Accounts)
		}
		inReset = page.Reset && page.More
		got.Pages++
		for _, pu := range page.Pupils {
			got.Pupils[pu.ID]++
		}
		for _, a := range page.Accounts {
			got.Accounts[a.ID] = a
		}
		cursor, got.Last = page.Cursor, page
		if !page.More {
			break
		}
	}
	t.Logf("storm pull: %d pupils, %d accounts in %d pages, %d failed calls, proxy %+v",
		len(got.Pupils), len(got.Accounts), got.Pages, fails, p.Stats())
	return got
}
