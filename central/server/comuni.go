package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/server/kv"
	"mensakiosk/internal/logagg"
)

// Many Comuni in one service (tenants). Each Comune is its own *Server on
// its own store (one bbolt file, or its key space on PostgreSQL): its
// roster, fee bands, creditor data, time zone, kiosks, tokens. Nothing in
// a Server reaches another's store, so a Comune's data can be read or
// written only through its own Server.
//
// Comuni is the front that answers /v1 for all of them: it picks a
// request's Server by the Comune code its bearer token starts with. A
// token made in a service of many Comuni is "<code>.<random>" (the random
// part is base64url, which has no '.'); the chosen Server then checks the
// whole token's hash in its own tokens, as it always does. A forged or
// altered prefix therefore finds a Server whose store does not hold that
// token: 401, the same answer as any unknown token. The kiosk never needs
// to know: a token is opaque to it.
//
// A service of one Comune needs none of this: its Server answers alone and
// its tokens carry no prefix, as before.

// comuneCodeRule is what a Comune's code may be.
const comuneCodeRule = "want 1 to 32 letters, digits, '_' or '-', starting with a letter or digit (e.g. the cadastral code H501)"

// ValidComuneCode reports whether code can name a Comune: it goes before
// the '.' of its tokens, so it has none. (A loop, not a regexp: the front
// checks it on every request.)
func ValidComuneCode(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// ComuneOfToken is the Comune code a token of a service of many Comuni
// starts with ("" and false for a token without one).
func ComuneOfToken(token string) (string, bool) {
	code, rest, ok := strings.Cut(token, ".")
	if !ok || rest == "" || !ValidComuneCode(code) {
		return "", false
	}
	return code, true
}

// Comune is the code of the Comune this server serves ("" in a service of
// one Comune).
func (s *Server) Comune() string { return s.comune }

// comuneTokenPrefix is what the server's new tokens start with: its
// Comune's code and a '.', or nothing in a service of one Comune.
func (s *Server) comuneTokenPrefix() string {
	if s.comune == "" {
		return ""
	}
	return s.comune + "."
}

var kComune = []byte("comune")

// checkComuneStore refuses a Comune code that cannot prefix tokens, and a
// store that is another tenant's key space (kvpg's, by its TenantCode): a
// Comune's server must open its own.
func checkComuneStore(db kv.DB, code string) error {
	if code == "" {
		return nil
	}
	if !ValidComuneCode(code) {
		return fmt.Errorf("the Comune code %q: %s", code, comuneCodeRule)
	}
	if t, ok := db.(interface{ TenantCode() string }); ok && t.TenantCode() != code {
		return fmt.Errorf("the store is tenant %q's key space, not Comune %s's", t.TenantCode(), code)
	}
	return nil
}

// checkComune marks a store with its Comune's code at first use, and
// refuses a store marked with another code: a Comune's settings (its
// creditor) opened on another Comune's data would send its families'
// notices to the wrong creditor. A store opened without a code (a service
// of one Comune) is left as it is.
func (s *Server) checkComune(meta kv.Bucket) error {
	if s.comune == "" {
		return nil
	}
	switch got := meta.Get(kComune); {
	case got == nil:
		return meta.Put(kComune, []byte(s.comune))
	case string(got) != s.comune:
		return fmt.Errorf("this store belongs to Comune %s, not %s", logagg.Escape(string(got), 40), s.comune)
	}
	return nil
}

// Comuni answers /v1 for several Comuni, each request by the Server of the
// Comune its token names.
type Comuni struct {
	servers map[string]*Server
	codes   []string // sorted
	log     *slog.Logger
	clock   app.Clock
	// refused counts the requests the front refuses itself (no token, no
	// Comune known by its prefix): anyone can send them.
	refused *logagg.Aggregator
}

// ComuniOptions tune the front.
type ComuniOptions struct {
	// Log receives the front's log (the Servers keep their own); nil
	// discards it.
	Log *slog.Logger
	// Clock gives /v1/health's server time; nil is the system clock.
	Clock app.Clock
	// LogInterval: see Options.LogInterval.
	LogInterval time.Duration
}

// NewComuni is the front of servers, each opened with its Comune's code
// (Options.Comune), no two with the same. It closes none of them.
func NewComuni(servers []*Server, opts ComuniOptions) (*Comuni, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = app.SystemClock{}
	}
	if len(servers) == 0 {
		return nil, errors.New("central server: no Comune to serve")
	}
	c := &Comuni{servers: map[string]*Server{}, log: opts.Log, clock: opts.Clock}
	for _, s := range servers {
		switch {
		case s.comune == "":
			return nil, errors.New("central server: a Comune's server was opened without its code (Options.Comune)")
		case c.servers[s.comune] != nil:
			return nil, fmt.Errorf("central server: Comune %s given twice", s.comune)
		}
		c.servers[s.comune] = s
		c.codes = append(c.codes, s.comune)
	}
	slices.Sort(c.codes)
	c.refused = logagg.New(opts.Log, opts.LogInterval, 5, logagg.WithMessage("requests refused"))
	return c, nil
}

// Codes are the Comuni served, sorted.
func (c *Comuni) Codes() []string { return slices.Clone(c.codes) }

// Server is the Server of a Comune, or nil.
func (c *Comuni) Server(code string) *Server { return c.servers[code] }

// Close stops the front's log of refused requests (the Servers are the
// caller's to close).
func (c *Comuni) Close() { c.refused.Close() }

// Handler is the /v1 API of every Comune.
func (c *Comuni) Handler() http.Handler { return http.HandlerFunc(c.serveHTTP) }

func (c *Comuni) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	echoRequestID(rw, r)
	// Health names no Comune and tells nothing of any: the front answers.
	if answerHealth(rw, r, c.clock.Now().UTC()) {
		return
	}
	token, ok := parseBearer(r)
	if ok {
		code, _ := ComuneOfToken(token)
		if s := c.servers[code]; s != nil {
			s.serveHTTP(rw, r)
			return
		}
	}
	w := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
	if _, ok := bearerToken(w, r); ok {
		unknownToken(w)
	}
	c.refused.Add(w.code, fmt.Sprintf("%s %s %s: %s", r.RemoteAddr, r.Method, r.URL.Path, w.msg))
}

// Serve answers /v1 for every Comune on ln until ctx ends, as
// Server.Serve does for one.
func (c *Comuni) Serve(ctx context.Context, ln net.Listener, tlsCfg *tls.Config) error {
	for _, code := range c.codes {
		defer c.servers[code].whileServing(ctx)() // http.go
	}
	return serveOn(ctx, ln, tlsCfg, c.Handler(), c.refused, c.log, "comuni", c.codes)
}
