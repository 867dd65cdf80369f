// Package netfault is a fault-injecting HTTP proxy on loopback for tests and
// the kiosk demo: it stands between the kiosk's client and a server and, per
// request, drops connections, answers 5xx, holds requests past the client's
// timeout, loses answers after the server committed, or garbles them. It can
// also cut the network altogether (SetOffline).
//
// It speaks plain HTTP/1.1 on 127.0.0.1 and forwards to one target, or
// (NewBalanced) to several in turn, as a balancer in front of several
// servers on one database does. Faults are
// drawn from a seeded generator, so a plan replays the same sequence of
// decisions (the order in which concurrent requests take them is up to the
// scheduler).
package netfault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is what the proxy does to one request.
type Fault int

// Faults.
const (
	// None: forward the request and relay the answer.
	None Fault = iota
	// DropBefore: close the client's connection without forwarding.
	DropBefore
	// Error500: answer 500, 502 or 503 without forwarding.
	Error500
	// Delay: hold the request for Plan.DelayFor (longer than the client's
	// per-attempt timeout), then forward it, or drop it (Plan.DelayDrop).
	Delay
	// DropAfter: forward, let the server answer (and commit), then close
	// the client's connection without the answer.
	DropAfter
	// Garble: forward, then answer 200 with a truncated or corrupted body
	// that is never valid JSON.
	Garble
)

func (f Fault) String() string {
	switch f {
	case None:
		return "none"
	case DropBefore:
		return "drop-before"
	case Error500:
		return "error-500"
	case Delay:
		return "delay"
	case DropAfter:
		return "drop-after"
	case Garble:
		return "garble"
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// Plan is a fault plan: the probability of each fault per request (their sum
// at most 1; the rest is forwarded untouched) and a seed.
type Plan struct {
	Seed       uint64
	DropBefore float64
	Error500   float64
	Delay      float64
	DropAfter  float64
	Garble     float64
	// DelayFor is how long a delayed request is held; default 2 s.
	DelayFor time.Duration
	// DelayDrop is the probability that a delayed request is then dropped
	// rather than forwarded.
	DelayDrop float64
}

func (p Plan) check() error {
	sum := 0.0
	for _, v := range []float64{p.DropBefore, p.Error500, p.Delay, p.DropAfter, p.Garble} {
		if v < 0 || v > 1 || v != v {
			return fmt.Errorf("netfault: probability %v out of [0,1]", v)
		}
		sum += v
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("netfault: probabilities sum to %v > 1", sum)
	}
	if p.DelayDrop < 0 || p.DelayDrop > 1 || p.DelayDrop != p.DelayDrop {
		return fmt.Errorf("netfault: DelayDrop %v out of [0,1]", p.DelayDrop)
	}
	if p.DelayFor < 0 {
		return errors.New("netfault: negative DelayFor")
	}
	return nil
}

// Stats counts what the proxy saw and did.
type Stats struct {
	// Requests seen (whole request read), and forwarded to the target with
	// an answer back.
	Requests  int64
	Forwarded int64
	// Per fault.
	DropBefore int64
	Error500   int64
	Delay      int64
	DropAfter  int64
	Garble     int64
	// Offline counts connections refused and requests cut while offline.
	Offline int64
	// UpstreamErrors counts forwards that got no answer from the target
	// (answered 502 to the client).
	UpstreamErrors int64
}

// RequestHook sees every request the proxy reads in full, before any fault:
// the request (its body already read) and the body. It is called from many
// goroutines and must not keep r.
type RequestHook func(r *http.Request, body []byte)

// DefaultDelay is how long a Delay fault holds a request by default.
const DefaultDelay = 2 * time.Second

// maxBody bounds what the proxy reads of a request or an answer.
const maxBody = 128 << 20

// Proxy is a fault-injecting HTTP proxy listening on 127.0.0.1.
type Proxy struct {
	target *url.URL
	ln     *listener
	srv    *http.Server
	fwd    *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // handlers still holding or forwarding

	offline atomic.Bool

	// targets are every server (target is the first); next picks the
	// next one in turn (NewBalanced).
	targets []*url.URL
	next    atomic.Uint64

	mu     sync.Mutex
	closed bool
	plan   Plan
	rng    *rand.Rand
	forced []Fault
	hook   RequestHook
	conns  map[net.Conn]struct{}

	stats struct {
		requests, forwarded, dropBefore, error500, delay, dropAfter, garble, offline, upstream atomic.Int64
	}
}

// New starts a proxy on 127.0.0.1 (a free port) forwarding to target, a base
// URL such as "http://127.0.0.1:8080". It forwards everything untouched until
// a plan is set.
func New(target string) (*Proxy, error) { return NewBalanced(target) }

// NewBalanced is New for several servers behind one address, as a balancer
// in front of several servers on one database: each request goes to the
// next target in turn (round robin). A target that refuses the connection
// (a server down) is skipped for the next one, as a balancer does; a
// request that reached a server is never sent to another (a server killed
// while answering: the client gets a 502 and retries).
func NewBalanced(targets ...string) (*Proxy, error) {
	if len(targets) == 0 {
		return nil, errors.New("netfault: no target")
	}
	var us []*url.URL
	for _, target := range targets {
		u, err := url.Parse(target)
		if err != nil {
			return nil, fmt.Errorf("netfault: target: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("netfault: target %q: want http(s)://host:port", target)
		}
		us = append(us, u)
	}
	u := us[0]
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("netfault: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		target: u,
		ctx:    ctx,
		cancel: cancel,
		rng:    rand.New(rand.NewPCG(0, 0)),
		conns:  map[net.Conn]struct{}{},
		fwd: &http.Client{
			Transport: &http.Transport{
				Proxy:               nil,
				DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
				MaxIdleConnsPerHost: 64,
				IdleConnTimeout:     30 * time.Second,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	p.targets = us
	p.ln = &listener{Listener: l, p: p}
	p.srv = &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState:         p.connState,
		// Quiet the server's own log of aborted connections.
		ErrorLog:    log.New(io.Discard, "", 0),
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	go func() { _ = p.srv.Serve(p.ln) }()
	return p, nil
}

// URL is the proxy's base URL, "http://127.0.0.1:port".
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Close stops the proxy: it closes the listener and every connection, ends
// held requests and waits for its handlers.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	err := p.srv.Close()
	p.wg.Wait()
	p.fwd.CloseIdleConnections()
	return err
}

// SetOffline cuts (true) or restores (false) the network: while offline the
// proxy accepts connections and closes them at once, and cuts the ones that
// were open.
func (p *Proxy) SetOffline(off bool) {
	p.offline.Store(off)
	if !off {
		return
	}
	p.mu.Lock()
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// Offline reports whether the network is cut.
func (p *Proxy) Offline() bool { return p.offline.Load() }

// SetPlan replaces the fault plan and reseeds the generator with plan.Seed.
func (p *Proxy) SetPlan(plan Plan) error {
	if err := plan.check(); err != nil {
		return err
	}
	if plan.DelayFor == 0 {
		plan.DelayFor = DefaultDelay
	}
	p.mu.Lock()
	p.plan = plan
	p.rng = rand.New(rand.NewPCG(plan.Seed, plan.Seed^0x9e3779b97f4a7c15))
	p.mu.Unlock()
	return nil
}

// Plan returns the current plan.
func (p *Proxy) Plan() Plan {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.plan
}

// Inject forces fault f on the next n requests, before the plan is
// consulted (for deterministic tests). Injections queue up in order.
func (p *Proxy) Inject(f Fault, n int) {
	p.mu.Lock()
	for range n {
		p.forced = append(p.forced, f)
	}
	p.mu.Unlock()
}

// SetRequestHook sets (nil: removes) the hook that sees every request.
func (p *Proxy) SetRequestHook(h RequestHook) {
	p.mu.Lock()
	p.hook = h
	p.mu.Unlock()
}

// Stats returns the counters so far.
func (p *Proxy) Stats() Stats {
	s := &p.stats
	return Stats{
		Requests:       s.requests.Load(),
		Forwarded:      s.forwarded.Load(),
		DropBefore:     s.dropBefore.Load(),
		Error500:       s.error500.Load(),
		Delay:          s.delay.Load(),
		DropAfter:      s.dropAfter.Load(),
		Garble:         s.garble.Load(),
		Offline:        s.offline.Load(),
		UpstreamErrors: s.upstream.Load(),
	}
}

// decision is what to do with one request, drawn under p.mu.
type decision struct {
	fault     Fault
	delayFor  time.Duration
	delayDrop bool
	status    int
	garbleAt  float64
	garbleWay int
}

func (p *Proxy) decide() decision {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := decision{delayFor: p.plan.DelayFor}
	if d.delayFor == 0 {
		d.delayFor = DefaultDelay
	}
	if len(p.forced) > 0 {
		d.fault = p.forced[0]
		p.forced = p.forced[1:]
	} else {
		x := p.rng.Float64()
		for _, c := range []struct {
			f Fault
			p float64
		}{{DropBefore, p.plan.DropBefore}, {Error500, p.plan.Error500}, {Delay, p.plan.Delay},
			{DropAfter, p.plan.DropAfter}, {Garble, p.plan.Garble}} {
			if x < c.p {
				d.fault = c.f
				break
			}
			x -= c.p
		}
	}
	// Draw the details whatever the fault, so the sequence stays aligned.
	d.delayDrop = p.rng.Float64() < p.plan.DelayDrop
	d.status = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[p.rng.IntN(3)]
	d.garbleAt = p.rng.Float64()
	d.garbleWay = p.rng.IntN(3)
	return d
}

// ServeHTTP is the proxy's handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		abort(w)
		return
	}
	p.wg.Add(1)
	p.mu.Unlock()
	defer p.wg.Done()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		abort(w)
		return
	}
	p.stats.requests.Add(1)
	p.mu.Lock()
	hook := p.hook
	p.mu.Unlock()
	if hook != nil {
		hook(r, body)
	}
	if p.abortIfOffline(w) {
		return
	}
	d := p.decide()
	switch d.fault {
	case DropBefore:
		p.stats.dropBefore.Add(1)
		abort(w)
		return
	case Error500:
		p.stats.error500.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(d.status)
		fmt.Fprintf(w, `{"code":"internal","message":"netfault: injected %d"}`+"\n", d.status)
		return
	case Delay:
		p.stats.delay.Add(1)
		t := time.NewTimer(d.delayFor)
		select {
		case <-t.C:
		case <-p.ctx.Done():
			t.Stop()
			abort(w)
			return
		}
		if d.delayDrop {
			abort(w)
			return
		}
	}
	if p.abortIfOffline(w) {
		return
	}
	resp, err := p.forward(r, body)
	if err != nil {
		p.stats.upstream.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, `{"code":"internal","message":%q}`+"\n", "netfault: upstream: "+err.Error())
		return
	}
	p.stats.forwarded.Add(1)
	switch d.fault {
	case DropAfter:
		p.stats.dropAfter.Add(1)
		abort(w)
		return
	case Garble:
		p.stats.garble.Add(1)
		resp.body = garble(resp.body, d.garbleAt, d.garbleWay)
		resp.status = http.StatusOK
	}
	if p.abortIfOffline(w) {
		return
	}
	h := w.Header()
	for k, vs := range resp.header {
		if hopByHop(k) || strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Content-Encoding") {
			continue
		}
		h[k] = vs
	}
	h.Set("Content-Length", fmt.Sprint(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// forward sends the request to the target and reads the whole answer. It is
// detached from the client's connection: a request that reached the proxy
// reaches the server even if the client gives up meanwhile (as on a real
// network).
func (p *Proxy) forward(r *http.Request, body []byte) (answer, error) {
	first := p.next.Add(1) - 1
	var err error
	for i := range uint64(len(p.targets)) {
		var a answer
		a, err = p.forwardTo(p.targets[(first+i)%uint64(len(p.targets))], r, body)
		if !refused(err) {
			return a, err
		}
	}
	return answer{}, err
}

// refused tells whether err is a connection the target refused (nothing
// was sent: another target may take the request).
func refused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func (p *Proxy) forwardTo(target *url.URL, r *http.Request, body []byte) (answer, error) {
	u := *target
	u.Path = strings.TrimSuffix(target.Path, "/") + r.URL.Path
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	for k, vs := range r.Header {
		if hopByHop(k) || strings.EqualFold(k, "Accept-Encoding") {
			continue
		}
		out.Header[k] = vs
	}
	resp, err := p.fwd.Do(out)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// garble returns a body that is never valid JSON: a strict prefix of the
// trimmed body, a prefix with a NUL spliced in, or an HTML page.
func garble(b []byte, at float64, way int) []byte {
	t := bytes.TrimRight(b, " \t\r\n")
	cut := int(at * float64(len(t)))
	if cut >= len(t) {
		cut = len(t) - 1
	}
	if cut < 0 {
		cut = 0
	}
	switch way {
	case 0:
		return append([]byte(nil), t[:cut]...)
	case 1:
		out := append([]byte{0}, t[:cut]...)
		return append(out, 0xff, 0xfe)
	default:
		return []byte("<html><body>Wi-Fi login required</body></html>\n")
	}
}

var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func hopByHop(k string) bool {
	for _, h := range hopHeaders {
		if strings.EqualFold(h, k) {
			return true
		}
	}
	return false
}

// abortIfOffline closes the client's connection without an answer, and
// counts it, when the proxy is offline (SetOffline): checked before the
// request goes upstream and again before the answer goes back, so that
// going offline cuts the exchanges under way too.
func (p *Proxy) abortIfOffline(w http.ResponseWriter) bool {
	if !p.offline.Load() {
		return false
	}
	p.stats.offline.Add(1)
	abort(w)
	return true
}

// abort closes the client's connection without an answer.
func abort(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // reset, as a cut network or a dead NAT entry does
	}
	_ = conn.Close()
}

func (p *Proxy) connState(c net.Conn, s http.ConnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch s {
	case http.StateNew:
		p.conns[c] = struct{}{}
	case http.StateHijacked, http.StateClosed:
		delete(p.conns, c)
	}
}

// listener refuses connections while the proxy is offline: it accepts and
// closes them at once.
type listener struct {
	net.Listener
	p *Proxy
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if !l.p.offline.Load() {
			return c, nil
		}
		l.p.stats.offline.Add(1)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
	}
}
