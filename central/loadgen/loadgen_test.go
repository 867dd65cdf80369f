package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
)

// A short rush of a few kiosks against the reference server: every meal is
// accepted once, both endpoints are measured, the pulls carry the balances
// the other kiosks' meals changed, and the server's balances afterwards are
// the opening ones less exactly the meals served.
func TestRushSmoke(t *testing.T) {
	const kiosks, meals = 4, 6
	url, ks, stop, err := Serve(t.TempDir(), kiosks+1, kiosks*meals, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{URL: url, Kiosks: ks[:kiosks], MealsPerKiosk: meals, Rush: 2 * time.Second, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.Print(&b)
	t.Log("\n" + b.String())
	if !rep.OK() {
		t.Fatalf("run not clean:\n%s", b.String())
	}
	if rep.Served != kiosks*meals || rep.Accepted != kiosks*meals {
		t.Fatalf("%d meals served, %d accepted, want %d", rep.Served, rep.Accepted, kiosks*meals)
	}
	for _, ep := range []string{EndpointPull, EndpointPush} {
		if s := rep.Endpoints[ep]; s.Requests == 0 || s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 {
			t.Fatalf("%s: %+v", ep, s)
		}
	}
	// Rush 2 s is ×600: a pull every 50 ms; each kiosk pulls at least
	// once per meal's kick and every interval.
	if rep.Factor != 600 || rep.Endpoints[EndpointPull].Requests < kiosks*10 {
		t.Fatalf("factor %v, %d pulls", rep.Factor, rep.Endpoints[EndpointPull].Requests)
	}
	if c := rep.Control; c.Requests < 20 || c.Errors != 0 || c.P50 <= 0 {
		t.Fatalf("control %+v", c)
	}
	if b := rep.Baseline; b.CommitP50 <= 0 || b.CommitP99 < b.CommitP50 || b.HealthP50 <= 0 || b.HealthP99 < b.HealthP50 {
		t.Fatalf("baseline %+v", b)
	}
	if rep.PulledRecords == 0 {
		t.Fatal("the pulls carried no record: the other kiosks' balances did not reach them")
	}

	// The spare kiosk's reset pull: every family's balance is its opening
	// balance less the meals of its children, charged once.
	c, err := central.NewClient(central.ClientConfig{BaseURL: url, Token: ks[kiosks].Token})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	roster := Roster(kiosks * meals)
	var want, got app.Cents
	for _, a := range roster.Accounts {
		want += a.Balance
	}
	for _, p := range roster.Pupils {
		want -= p.MealPrice
	}
	cursor := ""
	for {
		p, err := c.Pull(ctx, cursor, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Accounts {
			got += a.Balance
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	if got != want {
		t.Fatalf("the server's balances sum to %d cents, want %d (opening less each meal once)", got, want)
	}
}

// A kiosk whose token the server refuses is counted as errors, and its
// meals as not accepted: the run is not OK.
func TestRushCountsErrors(t *testing.T) {
	url, ks, stop, err := Serve(t.TempDir(), 2, 4, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ks[1].Token = "not-a-token"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{URL: url, Kiosks: ks, MealsPerKiosk: 2, Rush: time.Second, Drain: time.Second, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Overall.Errors == 0 || rep.Accepted != 2 || rep.Served != 4 {
		var b strings.Builder
		rep.Print(&b)
		t.Fatalf("want errors and 2 of 4 meals accepted:\n%s", b.String())
	}
	if len(rep.FirstErrors) == 0 || !strings.Contains(rep.FirstErrors[0], "load-0002") {
		t.Fatalf("first errors %q, want kiosk load-0002's", rep.FirstErrors)
	}
}

// A roster too small for the run is refused before it starts.
func TestRunRefusesASmallRoster(t *testing.T) {
	url, ks, stop, err := Serve(t.TempDir(), 2, 3, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	_, err = Run(context.Background(), Config{URL: url, Kiosks: ks, MealsPerKiosk: 2, Rush: time.Second})
	if err == nil || !strings.Contains(err.Error(), "roster has 3 pupils") {
		t.Fatalf("err %v, want the roster too small", err)
	}
}

// A window runs only the rush's first part: the meals due later are not
// served, and the run ends after the window (and the last syncs).
func TestRushWindowServesTheFirstPartOnly(t *testing.T) {
	const kiosks, meals = 3, 20
	url, ks, stop, err := Serve(t.TempDir(), kiosks, kiosks*meals, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	rep, err := Run(context.Background(), Config{URL: url, Kiosks: ks, MealsPerKiosk: meals,
		Rush: 8 * time.Second, Window: time.Second, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.Print(&b)
	if !rep.OK() || rep.Served == 0 || rep.Served >= kiosks*meals/2 || rep.Took > 5*time.Second ||
		!strings.Contains(b.String(), "its first 1s only") {
		t.Fatalf("want a clean run of about an eighth of the meals, in about 1 s:\n%s", b.String())
	}
}

// With several servers (here the server and a counting proxy in front of
// it, as a second server on the same database would be), each kiosk sends
// its requests to either, and the run is as clean as with one.
func TestRushSpreadsRequestsOverServers(t *testing.T) {
	const kiosks, meals = 3, 4
	url, ks, stop, err := Serve(t.TempDir(), kiosks, kiosks*meals, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	target, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	var viaProxy atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != central.PathHealth {
			viaProxy.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	rep, err := Run(context.Background(), Config{URL: url, Others: []string{proxy.URL}, Kiosks: ks,
		MealsPerKiosk: meals, Rush: time.Second, Drain: 5 * time.Second, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.Print(&b)
	total := int64(rep.Overall.Requests)
	if !rep.OK() || viaProxy.Load() == 0 || viaProxy.Load() >= total {
		t.Fatalf("%d of %d kiosk requests through the second server, want some but not all:\n%s", viaProxy.Load(), total, b.String())
	}
}
