package central

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"mensakiosk/app"
)

// Defaults of ClientConfig.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultRetries          = 4
	DefaultMinBackoff       = 200 * time.Millisecond
	DefaultMaxBackoff       = 5 * time.Second
	DefaultMaxResponseBytes = 64 << 20
	DefaultUserAgent        = "mensakiosk-central-client/1"
)

// ErrMalformedReply: the server answered 2xx but the reply cannot be trusted
// (not JSON, too large, missing fields, or a push reply whose results do not
// match the batch one to one). The kiosk acknowledges nothing from it.
var ErrMalformedReply = errors.New("central server sent a malformed reply")

// ClientConfig configures a Client. Zero values take the defaults.
type ClientConfig struct {
	// BaseURL is the server's address, e.g. "https://mensa.comune.example.it"
	// (a path prefix is allowed). Plain http:// is refused unless the host is
	// loopback (127.0.0.0/8, ::1, localhost).
	BaseURL string
	// Token is the kiosk's bearer token (not sent to /v1/health).
	Token string
	// CAFile is a PEM file of extra root certificates, added to the system
	// roots (for a Comune's own CA or a self-signed server).
	CAFile string
	// Epoch is the kiosk database's epoch, sent with every pull as the epoch
	// query parameter. SetEpoch changes it later.
	Epoch string
	// Timeout bounds ONE attempt (connect, send, answer, body); default 10 s.
	// It does not bound a whole call: the caller's context does.
	Timeout time.Duration
	// Retries is the number of RETRIES after the first attempt: resty's
	// retry count n means n+1 attempts. 0 means the default (4, i.e. five
	// attempts); a negative value means no retry (one attempt).
	Retries int
	// MinBackoff and MaxBackoff bound the wait between attempts
	// (exponential with jitter; default 200 ms and 5 s). A Retry-After
	// header is honoured within MaxBackoff.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// MaxResponseBytes bounds a reply's (decompressed) body; default 64 MiB.
	MaxResponseBytes int
	// UserAgent is sent as User-Agent; default "mensakiosk/<Version>"
	// when Version is set, else DefaultUserAgent.
	UserAgent string
	// Version is the kiosk's version (mensakiosk.Version(), set by
	// cmd/kiosk), sent on every request as the Mensakiosk-Version header
	// (HeaderKioskVersion): the server lists it in `central kiosks`.
	Version string
	// Log receives retries (debug) and calls that failed after them (warn).
	// Nil discards.
	Log *slog.Logger
}

// Client is the kiosk's HTTP client for the central server; it implements
// app.Central over the /v1 protocol with go-resty.
//
// Retries: network errors, per-attempt timeouts, 5xx and 429 are retried with
// exponential backoff and jitter, up to ClientConfig.Retries times; other 4xx
// never are. Only idempotent requests are retried: the GETs, and POST
// /v1/events, which is idempotent by its events' ids (the server stores each
// id once and answers "duplicate" to a repeat) and carries an
// Idempotency-Key header besides. The body is marshalled once and re-sent
// byte for byte on every attempt. Note that Go's net/http may itself re-send
// a request that failed on a reused keep-alive connection before any answer
// arrived (it does so for a POST too, because of the Idempotency-Key header);
// that is safe for the same reason: the server deduplicates by event id.
//
// A whole call is bounded by the caller's context: cancelling it stops the
// attempt in flight and any further retry at once.
//
// Replies are validated before they are returned (see ErrMalformedReply).
// Errors wrap app.ErrUnauthorized (401), app.ErrForbidden (403: the token's
// role may not do this), app.ErrBadRequest (other 4xx, with
// the decoded *Error), app.ErrUnreachable (network, timeouts, 5xx and 429
// once retries are spent, cancellation) or ErrMalformedReply; tell them apart
// with errors.Is, and get the server's *Error with errors.As.
//
// A Client is safe for concurrent use.
type Client struct {
	rc       *resty.Client
	hc       *http.Client
	token    string
	log      *slog.Logger
	attempts int

	mu    sync.RWMutex
	epoch string
}

var _ app.Central = (*Client)(nil)

// NewClient checks cfg and makes a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
		if cfg.Version != "" {
			cfg.UserAgent = "mensakiosk/" + cfg.Version
		}
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("central: CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("central: CA file %s: no PEM certificate in it", cfg.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConf
	tr.MaxIdleConnsPerHost = 4

	hc := &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout, // per attempt: resty calls Do once per attempt
		// Never follow a redirect: it could carry the token elsewhere (or
		// to plain HTTP). A 3xx is answered as "unreachable" (captive portal).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c := &Client{
		hc:       hc,
		token:    cfg.Token,
		log:      log,
		attempts: cfg.Retries + 1,
		epoch:    cfg.Epoch,
	}
	rc := resty.NewWithClient(hc).
		SetBaseURL(strings.TrimSuffix(u.String(), "/")).
		SetLogger(restyLogger{log}).
		SetDisableWarn(true).
		SetHeader("User-Agent", cfg.UserAgent).
		SetHeader("Accept", "application/json").
		SetResponseBodyLimit(cfg.MaxResponseBytes).
		// resty's count of RETRIES: n means n+1 attempts.
		SetRetryCount(cfg.Retries).
		SetRetryWaitTime(cfg.MinBackoff).
		SetRetryMaxWaitTime(cfg.MaxBackoff).
		SetRetryAfter(retryAfter).
		AddRetryHook(c.logAttempt)
	// No client-level retry condition: each request adds the full condition
	// itself (see request), since adding any condition replaces resty's
	// default one.
	if cfg.Version != "" {
		rc.SetHeader(HeaderKioskVersion, cfg.Version)
	}
	c.rc = rc
	return c, nil
}

// checkBaseURL parses the base URL and refuses plain HTTP off loopback.
func checkBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("central: no server URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("central: server URL: %w", err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("central: server URL %q: no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("central: server URL %q: no user info, query or fragment allowed", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("central: server URL %q: plain http:// is allowed only to a loopback host (127.0.0.0/8, ::1, localhost); use https://", raw)
		}
	default:
		return nil, fmt.Errorf("central: server URL %q: scheme must be https (or http on loopback)", raw)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SetEpoch sets the kiosk database's epoch sent with every pull.
func (c *Client) SetEpoch(epoch string) {
	c.mu.Lock()
	c.epoch = epoch
	c.mu.Unlock()
}

// Epoch returns the epoch sent with pulls.
func (c *Client) Epoch() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

// Close closes idle connections. The Client stays usable.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Health asks the server's /v1/health (no token).
func (c *Client) Health(ctx context.Context) (app.Health, error) {
	body, err := c.do(ctx, c.request(ctx, true, false), http.MethodGet, PathHealth)
	if err != nil {
		return app.Health{}, err
	}
	h, err := decodeHealth(body)
	if err != nil {
		return app.Health{}, c.malformed("GET", PathHealth, err)
	}
	return h, nil
}

// Pull asks for one page of the delta since cursor (empty: from scratch).
// limit ≤ 0 lets the server choose; it is capped at MaxPullLimit. The
// client's epoch goes along as the epoch query parameter.
func (c *Client) Pull(ctx context.Context, cursor string, limit int) (app.PullPage, error) {
	r := c.request(ctx, true, true)
	if cursor != "" {
		r.SetQueryParam("cursor", cursor)
	}
	if limit > 0 {
		r.SetQueryParam("limit", strconv.Itoa(min(limit, MaxPullLimit)))
	}
	if e := c.Epoch(); e != "" {
		r.SetQueryParam("epoch", e)
	}
	body, err := c.do(ctx, r, http.MethodGet, PathPull)
	if err != nil {
		return app.PullPage{}, err
	}
	p, err := decodePullPage(body)
	if err != nil {
		return app.PullPage{}, c.malformed("GET", PathPull, err)
	}
	return p, nil
}

// Push sends a batch of outbox events and returns the server's answer, one
// result per event, checked against the batch. A batch of more than
// MaxPushEvents events is refused without being sent.
func (c *Client) Push(ctx context.Context, b app.PushBatch) (app.PushReply, error) {
	if len(b.Events) > MaxPushEvents {
		return app.PushReply{}, fmt.Errorf("central: POST %s: %w: %d events, at most %d in a batch",
			PathEvents, app.ErrBadRequest, len(b.Events), MaxPushEvents)
	}
	if b.Events == nil {
		b.Events = []app.OutboxEvent{}
	}
	payload, err := json.Marshal(b)
	if err != nil {
		return app.PushReply{}, fmt.Errorf("central: POST %s: %w: %w", PathEvents, app.ErrBadRequest, err)
	}
	if len(payload) > MaxBodyBytes {
		return app.PushReply{}, fmt.Errorf("central: POST %s: %w: body of %d bytes, at most %d",
			PathEvents, app.ErrBadRequest, len(payload), MaxBodyBytes)
	}
	r := c.request(ctx, true, true).
		SetHeader("Content-Type", "application/json").
		SetHeader(HeaderIdempotencyKey, IdempotencyKey(b)).
		// Bytes, never an io.Reader: resty rebuilds the body from them on
		// every attempt (a consumed reader would be re-sent empty).
		SetBody(payload)
	body, err := c.do(ctx, r, http.MethodPost, PathEvents)
	if err != nil {
		return app.PushReply{}, err
	}
	rep, err := decodePushReply(b, body)
	if err != nil {
		return app.PushReply{}, c.malformed("POST", PathEvents, err)
	}
	return rep, nil
}

// IdempotencyKey is the Idempotency-Key header of a push: the hex SHA-256 of
// the epoch and the batch's event ids, so the same batch always has the same
// key.
func IdempotencyKey(b app.PushBatch) string {
	h := sha256.New()
	h.Write([]byte("mensakiosk/v1/events\x00"))
	h.Write([]byte(b.Epoch))
	for _, e := range b.Events {
		h.Write([]byte{0})
		h.Write([]byte(e.ID))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// request makes a resty request bound to ctx. idempotent requests get the
// full retry condition; others get one that never retries (a condition must
// be set either way, or resty's default retries on any error).
func (c *Client) request(ctx context.Context, idempotent, auth bool) *resty.Request {
	r := c.rc.R().SetContext(ctx)
	if idempotent {
		r.AddRetryCondition(shouldRetry)
	} else {
		r.AddRetryCondition(func(*resty.Response, error) bool { return false })
	}
	if auth && c.token != "" {
		r.SetAuthToken(c.token)
	}
	return r
}

// do runs the request with its retries and turns the outcome into the body
// of a 2xx answer or an error wrapping one of the app.Err* sentinels.
func (c *Client) do(ctx context.Context, r *resty.Request, method, path string) ([]byte, error) {
	op := method + " " + path
	resp, err := r.Execute(method, path)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("central: %s: %w: %w", op, app.ErrUnreachable, ctxErr)
		}
		if isMalformedErr(err) {
			return nil, c.malformed(method, path, err)
		}
		c.log.Warn("central: call failed", "op", op, "attempts", attemptOf(resp), "err", err)
		return nil, fmt.Errorf("central: %s: %w: %w", op, app.ErrUnreachable, err)
	}
	status := resp.StatusCode()
	switch {
	case status >= 200 && status < 300:
		return resp.Body(), nil
	case status == http.StatusUnauthorized:
		return nil, fmt.Errorf("central: %s: %w: %w", op, app.ErrUnauthorized, errorBody(resp))
	case status == http.StatusForbidden:
		c.log.Error("central: the server refuses this kiosk's token for this request (its role): make the token for the kiosk's role", "op", op)
		return nil, fmt.Errorf("central: %s: %w: %w", op, app.ErrForbidden, errorBody(resp))
	case status == http.StatusTooManyRequests || status >= 500:
		c.log.Warn("central: call failed", "op", op, "attempts", attemptOf(resp), "status", status)
		return nil, fmt.Errorf("central: %s: %w: HTTP %d: %w", op, app.ErrUnreachable, status, errorBody(resp))
	case status >= 400:
		return nil, fmt.Errorf("central: %s: %w: HTTP %d: %w", op, app.ErrBadRequest, status, errorBody(resp))
	default:
		// 1xx/3xx: not the server we know (a captive portal redirects).
		return nil, fmt.Errorf("central: %s: %w: unexpected HTTP %d (%s)", op, app.ErrUnreachable, status,
			resp.Header().Get("Location"))
	}
}

func (c *Client) malformed(method, path string, err error) error {
	if errors.Is(err, ErrMalformedReply) {
		return fmt.Errorf("central: %s %s: %w", method, path, err)
	}
	return fmt.Errorf("central: %s %s: %w: %w", method, path, ErrMalformedReply, err)
}

// logAttempt is resty's retry hook: it runs after each failed attempt that
// the retry condition accepted, including the last one.
func (c *Client) logAttempt(resp *resty.Response, err error) {
	attempt := attemptOf(resp)
	args := []any{"attempt", attempt, "of", c.attempts, "will_retry", attempt < c.attempts}
	if resp != nil && resp.Request != nil {
		args = append(args, "op", resp.Request.Method+" "+resp.Request.URL)
	}
	if err != nil {
		args = append(args, "err", err)
	} else if resp != nil {
		args = append(args, "status", resp.StatusCode())
	}
	c.log.Debug("central: attempt failed", args...)
}

func attemptOf(resp *resty.Response) int {
	if resp == nil || resp.Request == nil {
		return 0
	}
	return resp.Request.Attempt
}

// shouldRetry is the whole retry condition (it replaces resty's default):
// network errors and per-attempt timeouts, 5xx and 429; never another
// status, never once the caller's context is done, never a certificate
// problem or an over-large reply.
func shouldRetry(resp *resty.Response, err error) bool {
	if resp == nil || resp.Request == nil {
		return false // the request could not even be built
	}
	if resp.Request.Context().Err() != nil {
		return false
	}
	if err != nil {
		return transientErr(err)
	}
	s := resp.StatusCode()
	return s == http.StatusTooManyRequests || s >= 500
}

func transientErr(err error) bool {
	if isMalformedErr(err) {
		return false
	}
	var (
		unknownCA   x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostnameErr), errors.As(err, &invalidErr),
		errors.As(err, &verifyErr), errors.As(err, &recordErr):
		return false
	}
	return true
}

func isMalformedErr(err error) bool {
	return errors.Is(err, resty.ErrResponseBodyTooLarge)
}

// retryAfter honours a Retry-After header (seconds or HTTP date); resty
// clamps the result to [MinBackoff, MaxBackoff]. 0 means "use the backoff".
func retryAfter(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	if resp == nil || resp.RawResponse == nil {
		return 0, nil
	}
	v := strings.TrimSpace(resp.Header().Get("Retry-After"))
	if v == "" {
		return 0, nil
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0, nil
		}
		return time.Duration(min(secs, 24*3600)) * time.Second, nil
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d, nil
		}
	}
	return 0, nil
}

// errorBody decodes a 4xx/5xx answer's central.Error, or makes one up from
// the status when the body is not one.
func errorBody(resp *resty.Response) *Error {
	var e Error
	if err := json.Unmarshal(resp.Body(), &e); err == nil && e.Code != "" {
		return &e
	}
	msg := resp.Status()
	if b := resp.Body(); len(b) > 0 {
		const keep = 200
		s := string(b)
		if len(s) > keep {
			s = s[:keep] + "…"
		}
		msg += ": " + strings.ToValidUTF8(s, "?")
	}
	return &Error{Code: "http_" + strconv.Itoa(resp.StatusCode()), Message: msg}
}

// decodeHealth decodes and checks a health answer.
func decodeHealth(body []byte) (app.Health, error) {
	var h app.Health
	if err := decodeJSON(body, &h); err != nil {
		return app.Health{}, err
	}
	if h.Status == "" {
		return app.Health{}, fmt.Errorf("%w: health without status", ErrMalformedReply)
	}
	if h.ServerTime.IsZero() {
		return app.Health{}, fmt.Errorf("%w: health without server_time", ErrMalformedReply)
	}
	return h, nil
}

// decodePullPage decodes and checks a pull page: it must carry a cursor, the
// server's time, sane counts and records with their keys.
func decodePullPage(body []byte) (app.PullPage, error) {
	p, bad, err := decodeReply[app.PullPage](body, "pull page") // client_reply.go
	if err != nil {
		return app.PullPage{}, err
	}
	if p.Cursor == "" {
		return bad("no cursor")
	}
	if p.ServerTime.IsZero() {
		return bad("no server_time")
	}
	if p.Done < 0 || p.Total < 0 {
		return bad("negative done/total (%d/%d)", p.Done, p.Total)
	}
	for _, c := range []struct {
		what string
		at   int
	}{
		{"account without id", missing(p.Accounts, func(r app.Account) bool { return r.ID == "" })},
		{"pupil without id", missing(p.Pupils, func(r app.Pupil) bool { return r.ID == "" })},
		{"badge without id", missing(p.Badges, func(r app.Badge) bool { return r.ID == "" })},
		{"booking without pupil_id or day", missing(p.Bookings, func(r app.Booking) bool { return r.PupilID == "" || r.Day == "" })},
		{"fee band without code", missing(p.FeeBands, func(r app.FeeBand) bool { return r.Code == "" })},
		{"diet without code", missing(p.Diets, func(r app.Diet) bool { return r.Code == "" })},
		{"staff without id", missing(p.Staff, func(r app.Staff) bool { return r.ID == "" })},
		{"news without id", missing(p.News, func(r app.News) bool { return r.ID == "" })},
		{"document without id", missing(p.Documents, func(r app.Document) bool { return r.ID == "" })},
		{"deleted ref without kind or id", missing(p.Deleted, func(r app.Ref) bool { return r.Kind == "" || r.ID == "" })},
	} {
		if c.at >= 0 {
			return bad("%s (record %d)", c.what, c.at)
		}
	}
	return p, nil
}

// missing returns the index of the first record lacking its key, or -1.
func missing[T any](rs []T, lacks func(T) bool) int {
	for i, r := range rs {
		if lacks(r) {
			return i
		}
	}
	return -1
}

// decodePushReply decodes a push reply and checks it against the batch sent:
// one result per event, in order, same id and seq, a known status.
func decodePushReply(b app.PushBatch, body []byte) (app.PushReply, error) {
	r, bad, err := decodeReply[app.PushReply](body, "push reply") // client_reply.go
	if err != nil {
		return app.PushReply{}, err
	}
	if r.ServerTime.IsZero() {
		return bad("no server_time")
	}
	if len(r.Results) != len(b.Events) {
		return bad("%d results for %d events", len(r.Results), len(b.Events))
	}
	for i, a := range r.Results {
		e := b.Events[i]
		if a.ID != e.ID || a.Seq != e.Seq {
			return bad("result %d is for event %q seq %d, not %q seq %d", i, a.ID, a.Seq, e.ID, e.Seq)
		}
		switch a.Status {
		case app.EventAccepted, app.EventDuplicate, app.EventRejected:
		default:
			return bad("result %d (event %q): unknown status %q", i, a.ID, a.Status)
		}
	}
	return r, nil
}

// decodeJSON decodes one JSON object (nothing after it).
func decodeJSON(body []byte, v any) error {
	if !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{")) {
		return fmt.Errorf("%w: not a JSON object (%d bytes)", ErrMalformedReply, len(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformedReply, err)
	}
	return nil
}

// restyLogger sends resty's own messages to slog at debug level (the
// Client logs what matters itself).
type restyLogger struct{ l *slog.Logger }

func (r restyLogger) Errorf(format string, v ...any) {
	r.l.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (r restyLogger) Warnf(format string, v ...any) {
	r.l.Debug("resty: " + fmt.Sprintf(format, v...))
}
func (r restyLogger) Debugf(format string, v ...any) {
	r.l.Debug("resty: " + fmt.Sprintf(format, v...))
}
