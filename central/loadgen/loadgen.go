// Package loadgen puts a central server under the load of a lunch rush: N
// simulated kiosks, each syncing as the kiosk's sync engine does (app.Syncer:
// push the outbox in batches of up to 500, then pull until the server has no
// more pages; again every 30 s, and a second after a meal is served), with
// the kiosk's real HTTP client (central.NewClient) and its own token, while
// it serves its meals. The 20-minute rush is compressed: every interval of
// the kiosk is divided by the same factor (Rush 20 s is ×60: a pull every
// 0.5 s, a push about 17 ms after a meal).
//
// It measures each request as the kiosk's client sees it (its retries
// included) and reports requests/s, p50/p99/max latency and errors per
// endpoint and overall, beside a baseline and a control request measured in
// the same run, and checks that every meal was delivered once (accepted, or
// duplicate when a lost reply was retried; none rejected or flagged).
//
// The server is one given by URL (with one token per kiosk; or several on
// one database, each request to one of them), or by default a
// reference server on bbolt started in-process on loopback (Serve), with a
// generated Comune of Kiosks×MealsPerKiosk pupils imported and a canteen
// token made for each kiosk; or servers the caller opened on any store, one
// or several on one database (ServeServers: cmd/loadgen -store postgres,
// postgres:2).
package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk"
	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
)

// The lunch rush as it is, before compression.
const (
	RealRush         = 20 * time.Minute
	RealPullInterval = 30 * time.Second // the kiosk's sync_seconds for this load
	RealKickDelay    = time.Second      // app.SyncConfig's KickDelay
	// PushBatch and PullLimit are app.Syncer's defaults.
	PushBatch = 500
	PullLimit = 5000
	// MaxKiosks bounds a run.
	MaxKiosks = 5000
)

// Endpoints, as reported.
const (
	EndpointPull = "GET " + central.PathPull
	EndpointPush = "POST " + central.PathEvents
	// EndpointControl is the control: GET /v1/health (no token, no
	// database) every ControlEvery during the rush, from one more client.
	// Its latency is what the machine, Go's scheduler and HTTP on loopback
	// add under the same load; the kiosks' figures are to be read against it.
	EndpointControl = "GET " + central.PathHealth + " (control)"
	ControlEvery    = 20 * time.Millisecond
)

// Kiosk is a simulated kiosk's id and token.
type Kiosk struct {
	ID, Token string
}

// Config is one run.
type Config struct {
	// URL is the server; Kiosks' tokens must be valid on it, and its roster
	// must hold at least len(Kiosks)×MealsPerKiosk pupils (they are learnt
	// from the first pull). See Serve for an in-process one.
	URL string
	// Others are more servers on the same database (several servers
	// behind a balancer): each request goes to one of URL and Others, at
	// random, as a balancer may send each of a kiosk's requests anywhere.
	Others []string
	Kiosks []Kiosk
	// MealsPerKiosk is how many pupils each kiosk serves during the rush
	// (default 30), each once, at uniformly random times.
	MealsPerKiosk int
	// Rush is how long the 20-minute rush lasts here (default 20 s: ×60).
	Rush time.Duration
	// Window, when shorter than Rush, runs only the rush's first Window:
	// the meals due later are not served (with Rush 20m, Window 60s is the
	// first minute of the rush in real time, uncompressed).
	Window time.Duration
	// Drain bounds the kiosks' last syncs after the rush (default 10 s):
	// what is not delivered by then is cut, and counted as errors.
	Drain time.Duration
	// TimeZone is the server's (for the meal's day); default Europe/Rome.
	TimeZone *time.Location
	// FirstPupil skips that many of the roster's pupils (in id order):
	// runs one after the other on one server serve different pupils.
	FirstPupil int
	// BaselineDir is where the baseline's bare commits are made (the
	// server's disk); default the temporary directory.
	BaselineDir string
	// Seed makes the meal times repeatable; 0 picks one.
	Seed uint64
	// Log receives the clients' warnings; nil discards.
	Log *slog.Logger
}

// Factor is the compression: RealRush / Rush.
func (c Config) Factor() float64 { return float64(RealRush) / float64(c.Rush) }

func (c Config) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.Factor())
}

// Stats are one endpoint's figures.
type Stats struct {
	Requests, Errors int
	PerSec           float64
	P50, P99, Max    time.Duration
}

// Report is a run's outcome.
type Report struct {
	Kiosks, MealsPerKiosk int
	Rush, Window, Drain   time.Duration
	Factor                float64
	// LoadBefore and LoadAfter are the machine's load average (1 minute)
	// at the start and the end, when /proc/loadavg tells it (else -1): the
	// latencies are the server's and the machine's.
	LoadBefore, LoadAfter float64
	// Took is the measured time: the rush and each kiosk's last sync.
	Took      time.Duration
	Endpoints map[string]Stats
	Overall   Stats
	// The meals' answers: every meal served must be delivered, Accepted
	// or (its first answer lost to a timeout, the client's retry)
	// Duplicate, and none Rejected or Flagged.
	Served, Accepted, Duplicate, Rejected, Flagged int
	// PulledRecords counts the records the pulls carried (the balances the
	// other kiosks' meals changed).
	PulledRecords int
	// Baseline is measured in the same run, just before the rush.
	Baseline Baseline
	// Control is the control requests' figures, during the rush (not in
	// Overall).
	Control Stats
	// FirstErrors are up to five errors, for the reader.
	FirstErrors []string
}

// Undelivered counts the meals the server did not answer by the end.
func (r Report) Undelivered() int { return r.Served - r.Accepted - r.Duplicate - r.Rejected }

// OK tells whether every request succeeded and every meal was delivered,
// none rejected or flagged.
func (r Report) OK() bool {
	return r.Overall.Errors == 0 && r.Undelivered() == 0 && r.Rejected == 0 && r.Flagged == 0
}

// Print writes the report as a table.
func (r Report) Print(w io.Writer) {
	window := ""
	if r.Window < r.Rush {
		window = fmt.Sprintf(", its first %s only", r.Window)
	}
	fmt.Fprintf(w, "%d kiosks × %d meals, rush %s compressed to %s%s (×%.0f: pull every %s, push %s after a meal), last syncs within %s; measured over %s\n",
		r.Kiosks, r.MealsPerKiosk, RealRush, r.Rush, window, r.Factor,
		time.Duration(float64(RealPullInterval)/r.Factor).Round(time.Millisecond),
		time.Duration(float64(RealKickDelay)/r.Factor).Round(time.Millisecond), r.Drain, r.Took.Round(time.Millisecond))
	if r.LoadBefore >= 0 {
		fmt.Fprintf(w, "  machine load average %.1f before, %.1f after\n", r.LoadBefore, r.LoadAfter)
	}
	b := r.Baseline
	fmt.Fprintf(w, "  baseline, same run: bare bbolt commit (fsync) p50 %s p99 %s; GET /v1/health p50 %s p99 %s\n",
		ms(b.CommitP50), ms(b.CommitP99), ms(b.HealthP50), ms(b.HealthP99))
	fmt.Fprintf(w, "  %-26s %9s %9s %9s %9s %9s %7s\n", "endpoint", "requests", "req/s", "p50", "p99", "max", "errors")
	row := func(name string, s Stats) {
		fmt.Fprintf(w, "  %-26s %9d %9.1f %9s %9s %9s %7d\n", name, s.Requests, s.PerSec,
			ms(s.P50), ms(s.P99), ms(s.Max), s.Errors)
	}
	for _, name := range []string{EndpointPull, EndpointPush} {
		row(name, r.Endpoints[name])
	}
	row("all", r.Overall)
	row(EndpointControl, r.Control)
	if r.Control.P99 > 0 {
		fmt.Fprintf(w, "  p99 of all = %.1f × the control's p99\n", ratio(r.Overall.P99, r.Control.P99))
	}
	if b.CommitP50 > 0 && b.HealthP50 > 0 {
		fmt.Fprintf(w, "  push p50 = %.1f bare commits, p99 = %.1f; pull p50 = %.1f health round trips, p99 = %.1f\n",
			ratio(r.Endpoints[EndpointPush].P50, b.CommitP50), ratio(r.Endpoints[EndpointPush].P99, b.CommitP99),
			ratio(r.Endpoints[EndpointPull].P50, b.HealthP50), ratio(r.Endpoints[EndpointPull].P99, b.HealthP99))
	}
	fmt.Fprintf(w, "  meals: %d served, %d accepted, %d duplicate (answer lost, retried), %d rejected, %d flagged, %d undelivered; %d records pulled\n",
		r.Served, r.Accepted, r.Duplicate, r.Rejected, r.Flagged, r.Undelivered(), r.PulledRecords)
	if r.OK() {
		fmt.Fprintln(w, "  clean: no error, every meal delivered once")
	} else {
		fmt.Fprintln(w, "  NOT CLEAN")
	}
	for _, e := range r.FirstErrors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// target is a pupil a kiosk serves.
type target struct {
	pupil   app.PupilID
	account app.AccountID
	price   app.Cents
	badge   app.BadgeID
}

// Run runs the rush against cfg.URL and reports. It returns an error only
// when the run cannot start (a bad URL, a roster too small, the first pull
// failing); request errors during the rush are counted in the report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.MealsPerKiosk <= 0 {
		cfg.MealsPerKiosk = 30
	}
	if cfg.Rush <= 0 {
		cfg.Rush = 20 * time.Second
	}
	if cfg.Window <= 0 || cfg.Window > cfg.Rush {
		cfg.Window = cfg.Rush
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 10 * time.Second
	}
	if cfg.TimeZone == nil {
		loc, err := time.LoadLocation("Europe/Rome")
		if err != nil {
			return Report{}, err
		}
		cfg.TimeZone = loc
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64()
	}
	n := len(cfg.Kiosks)
	if n == 0 || n > MaxKiosks {
		return Report{}, fmt.Errorf("loadgen: %d kiosks, want 1 to %d", n, MaxKiosks)
	}
	ks := make([]*kiosk, n)
	for i, k := range cfg.Kiosks {
		epoch, err := app.NewEventID()
		if err != nil {
			return Report{}, err
		}
		ks[i] = &kiosk{cfg: &cfg, id: k.ID, epoch: epoch, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)))}
		for _, u := range append([]string{cfg.URL}, cfg.Others...) {
			c, err := central.NewClient(central.ClientConfig{
				BaseURL: u, Token: k.Token, Epoch: epoch, Timeout: central.DefaultTimeout,
				Version: mensakiosk.Version(), Log: cfg.Log.With("kiosk", k.ID),
			})
			if err != nil {
				return Report{}, err
			}
			defer c.Close()
			ks[i].clients = append(ks[i].clients, c)
		}
	}
	// Before the rush the kiosks are in sync: one kiosk's reset pull (not
	// measured) gives the cursor they all start from, and the pupils.
	cursor, targets, err := firstPull(ctx, ks[0].clients[0])
	if err != nil {
		return Report{}, err
	}
	if need := cfg.FirstPupil + n*cfg.MealsPerKiosk; len(targets) < need {
		return Report{}, fmt.Errorf("loadgen: the server's roster has %d pupils, %d kiosks × %d meals from pupil %d need %d",
			len(targets), n, cfg.MealsPerKiosk, cfg.FirstPupil, need)
	}
	targets = targets[cfg.FirstPupil:]
	for i, k := range ks {
		k.cursor = cursor
		k.targets = targets[i*cfg.MealsPerKiosk : (i+1)*cfg.MealsPerKiosk]
	}

	// The baseline and the control go through a client of their own.
	probeClient, err := central.NewClient(central.ClientConfig{BaseURL: cfg.URL, Version: mensakiosk.Version(), Log: cfg.Log})
	if err != nil {
		return Report{}, err
	}
	defer probeClient.Close()
	base, err := MeasureBaseline(ctx, cfg.BaselineDir, probeClient, 100)
	if err != nil {
		return Report{}, err
	}
	loadBefore := loadAverage()
	start := time.Now()
	runCtx, cancel := context.WithDeadline(ctx, start.Add(cfg.Window+cfg.Drain))
	defer cancel()
	var wg sync.WaitGroup
	var control []time.Duration
	controlErrs := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		control, controlErrs = probe(runCtx, probeClient, start.Add(cfg.Window))
	}()
	for _, k := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k.run(runCtx, start)
		}()
	}
	wg.Wait()
	rep := Report{Kiosks: n, MealsPerKiosk: cfg.MealsPerKiosk, Rush: cfg.Rush, Window: cfg.Window, Drain: cfg.Drain, Factor: cfg.Factor(),
		Took: time.Since(start), Endpoints: map[string]Stats{}, Baseline: base, LoadBefore: loadBefore, LoadAfter: loadAverage()}
	var all []time.Duration
	for _, name := range []string{EndpointPull, EndpointPush} {
		var lat []time.Duration
		errs := 0
		for _, k := range ks {
			lat = append(lat, k.lat[name]...)
			errs += k.errs[name]
		}
		all = append(all, lat...)
		rep.Endpoints[name] = stats(lat, errs, rep.Took)
		rep.Overall.Errors += errs
	}
	rep.Overall = stats(all, rep.Overall.Errors, rep.Took)
	rep.Control = stats(control, controlErrs, cfg.Window)
	for _, k := range ks {
		rep.Served += k.served
		rep.Accepted += k.accepted
		rep.Duplicate += k.duplicate
		rep.Rejected += k.rejected
		rep.Flagged += k.flagged
		rep.PulledRecords += k.pulled
		for _, e := range k.firstErrs {
			if len(rep.FirstErrors) < 5 {
				rep.FirstErrors = append(rep.FirstErrors, k.id+": "+e)
			}
		}
	}
	return rep, nil
}

// Baseline is what the machine does unloaded, measured in the same run: a
// bare bbolt commit (one small put, fsync), the unit of a push; a round
// trip to the server's /v1/health (no token, no database), the unit of a
// request.
type Baseline struct {
	CommitP50, CommitP99, HealthP50, HealthP99 time.Duration
}

// MeasureBaseline makes n bare commits in a bbolt file in dir ("" is the
// temporary directory; the file is removed) and n health requests.
func MeasureBaseline(ctx context.Context, dir string, c *central.Client, n int) (Baseline, error) {
	f, err := os.CreateTemp(dir, "loadgen-baseline-*.db")
	if err != nil {
		return Baseline{}, err
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return Baseline{}, err
	}
	defer db.Close()
	commits := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		err := db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			return b.Put([]byte(strconv.Itoa(i)), []byte("x"))
		})
		if err != nil {
			return Baseline{}, err
		}
		commits = append(commits, time.Since(t0))
	}
	health := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if _, err := c.Health(ctx); err != nil {
			return Baseline{}, fmt.Errorf("loadgen: baseline: %w", err)
		}
		health = append(health, time.Since(t0))
	}
	cs, hs := stats(commits, 0, 0), stats(health, 0, 0)
	return Baseline{CommitP50: cs.P50, CommitP99: cs.P99, HealthP50: hs.P50, HealthP99: hs.P99}, nil
}

// probe asks /v1/health every ControlEvery until end.
func probe(ctx context.Context, c *central.Client, end time.Time) (lat []time.Duration, errs int) {
	tick := time.NewTicker(ControlEvery)
	defer tick.Stop()
	for time.Now().Before(end) {
		select {
		case <-ctx.Done():
			return lat, errs
		case <-tick.C:
		}
		t0 := time.Now()
		if _, err := c.Health(ctx); err != nil {
			errs++
			continue
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, errs
}

// loadAverage is the 1-minute load average, -1 when unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// stats computes one endpoint's figures; errors count as requests.
func stats(lat []time.Duration, errs int, took time.Duration) Stats {
	s := Stats{Requests: len(lat), Errors: errs}
	if took > 0 {
		s.PerSec = float64(len(lat)) / took.Seconds()
	}
	if len(lat) == 0 {
		return s
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s.P50 = lat[len(lat)/2]
	s.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	s.Max = lat[len(lat)-1]
	return s
}

// firstPull makes a reset pull to the end and returns the cursor and the
// roster's pupils, in id order.
func firstPull(ctx context.Context, c *central.Client) (string, []target, error) {
	cursor := ""
	badge := map[app.PupilID]app.BadgeID{}
	var ts []target
	for {
		p, err := c.Pull(ctx, cursor, PullLimit)
		if err != nil {
			return "", nil, fmt.Errorf("loadgen: first pull: %w", err)
		}
		for _, pu := range p.Pupils {
			ts = append(ts, target{pupil: pu.ID, account: pu.AccountID, price: pu.MealPrice})
		}
		for _, b := range p.Badges {
			if !b.Blocked {
				badge[b.PupilID] = b.ID
			}
		}
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].pupil < ts[j].pupil })
	for i := range ts {
		ts[i].badge = badge[ts[i].pupil]
	}
	return cursor, ts, nil
}

// kiosk is one simulated kiosk; only its goroutine touches it until Run
// collects its figures.
type kiosk struct {
	cfg     *Config
	id      string
	clients []*central.Client // one per server
	epoch   string
	cursor  string
	targets []target
	rng     *rand.Rand

	seq    uint64
	outbox []app.OutboxEvent

	lat                                            map[string][]time.Duration
	errs                                           map[string]int
	firstErrs                                      []string
	served, accepted, duplicate, rejected, flagged int
	pulled                                         int
}

// run serves the kiosk's meals at random times of the rush and syncs as
// app.Syncer.Run does: Interval after the last sync ends, or KickDelay after
// a meal, whichever comes first; after the rush it goes on until every meal
// is answered (or the drain's deadline).
func (k *kiosk) run(ctx context.Context, start time.Time) {
	k.lat, k.errs = map[string][]time.Duration{}, map[string]int{}
	cfg := k.cfg
	interval, kickDelay := cfg.scaled(RealPullInterval), cfg.scaled(RealKickDelay)
	at := make([]time.Duration, len(k.targets))
	for i := range at {
		at[i] = time.Duration(k.rng.Int64N(int64(cfg.Rush)))
	}
	sort.Slice(at, func(i, j int) bool { return at[i] < at[j] })
	for len(at) > 0 && at[len(at)-1] >= cfg.Window {
		at = at[:len(at)-1]
	}
	end := start.Add(cfg.Window)
	// The kiosks' periodic syncs are spread over the interval, as kiosks
	// started at different times are.
	nextSync := start.Add(time.Duration(k.rng.Int64N(int64(interval))))
	var kickAt time.Time
	next := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		now := time.Now()
		// Serve the meals whose time has come.
		for next < len(at) && !start.Add(at[next]).After(now) {
			k.serve(k.targets[next], start.Add(at[next]))
			next++
			if kickAt.IsZero() {
				kickAt = now.Add(kickDelay)
			}
		}
		// After the rush a kiosk stops once its outbox is empty; its last
		// meals go with their kick (or, when a push failed, the next sync),
		// as on a kiosk: no stampede of last syncs.
		if !now.Before(end) && next == len(at) && len(k.outbox) == 0 {
			return
		}
		due := nextSync
		if !kickAt.IsZero() && kickAt.Before(due) {
			due = kickAt
		}
		if !now.Before(due) {
			kickAt = time.Time{}
			k.sync(ctx)
			nextSync = time.Now().Add(interval)
			continue
		}
		wake := due
		if next < len(at) && start.Add(at[next]).Before(wake) {
			wake = start.Add(at[next])
		}
		if now.Before(end) && end.Before(wake) && next == len(at) {
			wake = end
		}
		timer.Reset(time.Until(wake))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

// serve records a meal in the outbox, as the canteen does on a tap.
func (k *kiosk) serve(t target, at time.Time) {
	id, err := app.NewEventID()
	if err != nil {
		panic(err) // crypto/rand failing
	}
	k.seq++
	m := app.Meal{EventID: id, Seq: k.seq, KioskID: k.id, PupilID: t.pupil, AccountID: t.account,
		Day: app.Day(at.In(k.cfg.TimeZone).Format(time.DateOnly)), Service: app.ServiceLunch,
		Price: t.price, At: at.UTC(), Via: app.ViaBadge, BadgeID: t.badge}
	if t.badge == "" {
		m.Via = app.ViaManual
	}
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	k.outbox = append(k.outbox, app.OutboxEvent{ID: id, Seq: k.seq, Kind: app.EventMealRecorded, At: at.UTC(), Payload: raw})
	k.served++
}

// sync pushes the outbox and pulls to the end, as app.Syncer.SyncOnce.
func (k *kiosk) sync(ctx context.Context) {
	for len(k.outbox) > 0 {
		batch := k.outbox[:min(len(k.outbox), PushBatch)]
		t0 := time.Now()
		rep, err := k.client().Push(ctx, app.PushBatch{Epoch: k.epoch, Events: batch})
		if !k.note(EndpointPush, t0, err) {
			return
		}
		for _, r := range rep.Results {
			switch r.Status {
			case app.EventAccepted:
				k.accepted++
			case app.EventDuplicate:
				k.duplicate++
			default:
				k.rejected++
				k.fail(fmt.Sprintf("event %s %s: %s", r.ID, r.Status, r.Reason))
			}
			if len(r.Flags) > 0 {
				k.flagged++
				k.fail(fmt.Sprintf("event %s flagged %v", r.ID, r.Flags))
			}
		}
		k.outbox = k.outbox[len(batch):]
	}
	for {
		t0 := time.Now()
		p, err := k.client().Pull(ctx, k.cursor, PullLimit)
		if !k.note(EndpointPull, t0, err) {
			return
		}
		k.pulled += p.Len()
		k.cursor = p.Cursor
		if !p.More {
			return
		}
	}
}

// client is the client of the server this request goes to.
func (k *kiosk) client() *central.Client {
	if len(k.clients) == 1 {
		return k.clients[0]
	}
	return k.clients[k.rng.IntN(len(k.clients))]
}

// note records a request's latency, or its error; it tells whether it
// succeeded.
func (k *kiosk) note(endpoint string, t0 time.Time, err error) bool {
	if err != nil {
		k.errs[endpoint]++
		k.fail(err.Error())
		return false
	}
	k.lat[endpoint] = append(k.lat[endpoint], time.Since(t0))
	return true
}

func (k *kiosk) fail(msg string) {
	if len(k.firstErrs) < 2 {
		k.firstErrs = append(k.firstErrs, msg)
	}
}

// Serve opens a reference server on bbolt in dir, imports a Comune of
// pupils pupils (three of every five in a family of their own, the others
// siblings; a badge each; an explicit meal price), makes a canteen token for
// each of kiosks kiosks ("load-0001"…), and serves it on a loopback port. stop
// ends it. opts are the server's (the zero value: durable commits, no log).
func Serve(dir string, kiosks, pupils int, opts server.Options) (url string, ks []Kiosk, stop func() error, err error) {
	srv, err := server.Open(dir, opts)
	if err != nil {
		return "", nil, nil, err
	}
	urls, ks, stop, err := ServeServers([]*server.Server{srv}, kiosks, pupils)
	if err != nil {
		return "", nil, nil, err
	}
	return urls[0], ks, stop, nil
}

// ServeServers is Serve for servers already open on one store (several
// servers on one database, or one): the first gets the Comune and the
// tokens, each serves on a loopback port of its own. stop ends and closes
// them all; on an error they are closed.
func ServeServers(srvs []*server.Server, kiosks, pupils int) (urls []string, ks []Kiosk, stop func() error, err error) {
	closeAll := func() error {
		var errs []error
		for _, s := range srvs {
			errs = append(errs, s.Close())
		}
		return errors.Join(errs...)
	}
	if ks, err = prepare(srvs[0], kiosks, pupils); err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var dones []chan error
	stop = func() error {
		cancel()
		var errs []error
		for _, d := range dones {
			errs = append(errs, <-d)
		}
		return errors.Join(append(errs, closeAll())...)
	}
	for _, srv := range srvs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			stop()
			return nil, nil, nil, err
		}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, ln, nil) }()
		dones = append(dones, done)
		urls = append(urls, "http://"+ln.Addr().String())
	}
	return urls, ks, stop, nil
}

// Prepare makes what Serve serves, in the server database of dir, for a
// server run apart (`central -data dir`): the Comune of pupils pupils and
// a canteen token for each of kiosks kiosks, which it returns.
func Prepare(dir string, kiosks, pupils int) ([]Kiosk, error) {
	srv, err := server.Open(dir, server.Options{})
	if err != nil {
		return nil, err
	}
	ks, err := prepare(srv, kiosks, pupils)
	if cerr := srv.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return ks, err
}

func prepare(srv *server.Server, kiosks, pupils int) ([]Kiosk, error) {
	if _, err := srv.Import(server.FromRoster(Roster(pupils))); err != nil {
		return nil, fmt.Errorf("loadgen: import: %w", err)
	}
	var ks []Kiosk
	for i := range kiosks {
		id := fmt.Sprintf("load-%04d", i+1)
		tok, err := srv.CreateToken(id, server.RoleCanteen)
		if err != nil {
			return nil, fmt.Errorf("loadgen: token: %w", err)
		}
		ks = append(ks, Kiosk{ID: id, Token: tok})
	}
	return ks, nil
}

// Roster is a generated Comune of n pupils: about three families for five
// pupils, a badge each, prices 450 and 230 cents by turns.
func Roster(n int) app.Roster {
	var r app.Roster
	families := max(1, n*3/5)
	for i := range families {
		r.Accounts = append(r.Accounts, app.Account{ID: app.AccountID(fmt.Sprintf("fam%06d", i)),
			Holder: fmt.Sprintf("Genitore %d", i), Balance: 10000})
	}
	all := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	for i := range n {
		price := app.Cents(450)
		if i%2 == 1 {
			price = 230
		}
		p := app.Pupil{ID: app.PupilID(fmt.Sprintf("pup%06d", i)), AccountID: r.Accounts[i%families].ID,
			FirstName: fmt.Sprintf("Alunno%d", i), LastName: "Rossi", School: fmt.Sprintf("Scuola %d", i/500),
			Class: "3A", MealPrice: price, Weekdays: all}
		r.Pupils = append(r.Pupils, p)
		r.Badges = append(r.Badges, app.Badge{ID: app.BadgeID(fmt.Sprintf("01%08X", 0x100000+i)), PupilID: p.ID})
	}
	return r
}
