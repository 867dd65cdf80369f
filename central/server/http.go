package server

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/internal/logagg"
)

// Handler is the /v1 HTTP API.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

// statusWriter remembers the status for the access log, and the error's
// code and message for the log of refused requests.
type statusWriter struct {
	http.ResponseWriter
	status    int
	code, msg string
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
	kiosk := ""
	defer func() {
		s.answerPanic(w, r, recover(), "panic in handler") // handler_panic.go
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", w.status, "kiosk", kiosk,
			"ms", float64(time.Since(start).Microseconds())/1000, "request_id", r.Header.Get(central.HeaderRequestID))
		if w.status >= 400 && w.status < 500 {
			// Anyone can send a bad request or a bad token: counted by
			// code, a line a minute with the first few examples.
			reason := cmp.Or(w.code, strconv.Itoa(w.status))
			s.refused.Add(reason, fmt.Sprintf("%s %s %s kiosk=%q: %s", r.RemoteAddr, r.Method, r.URL.Path, kiosk, w.msg))
		}
	}()
	echoRequestID(w, r)

	if answerHealth(w, r, s.now()) {
		return
	}

	// Everything else needs a kiosk's token, whether the path exists or
	// not: a caller without one learns nothing.
	// Receipts take a receipts token, never a kiosk's (positions_http.go).
	if r.URL.Path == central.PathReceipts {
		s.serveReceipts(w, r)
		return
	}
	kiosk, role, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	// The kiosk's version and last contact, in memory (kiosk_contacts.go).
	s.recordContact(kiosk, role, r.Header.Get(central.HeaderKioskVersion), r.Method, r.URL.Path)
	if !s.authorize(w, r, kiosk, role) { // roles.go
		return
	}
	if s.servePagoPA(w, r, kiosk) { // top-ups, notices: positions_http.go
		return
	}
	if s.serveCertificates(w, r) { // certificates.go
		return
	}
	if s.serveMenu(w, r) { // the menu and calendar: menu.go
		return
	}
	switch r.URL.Path {
	case central.PathPull:
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		s.handlePull(w, r, kiosk, role)
	case central.PathEvents:
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		s.handlePush(w, r, kiosk, role)
	case central.PathBookings:
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		s.handleBook(w, r)
	case central.PathAbsences:
		s.handleAbsence(w, r) // absences.go
	case central.PathMessages:
		s.handleMessages(w, r) // messages.go
	default:
		if acc, ok := familyPath(r.URL.Path); ok {
			if r.Method != http.MethodGet {
				methodNotAllowed(w, "GET")
				return
			}
			s.handleFamily(w, r, acc)
			return
		}
		writeError(w, http.StatusNotFound, "not_found", "", "no such path: "+r.URL.Path)
	}
}

// familyPath returns the account of a family view's path.
func familyPath(path string) (string, bool) {
	acc, ok := strings.CutPrefix(path, central.PathFamilies)
	return acc, ok && acc != "" && !strings.Contains(acc, "/")
}

// parseBearer is the request's bearer token, if it has one.
func parseBearer(r *http.Request) (string, bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, found && strings.EqualFold(scheme, "Bearer") && token != ""
}

// bearerToken is the request's bearer token; without one it answers 401.
func bearerToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	token, ok := parseBearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mensakiosk"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "", "a kiosk token is required: Authorization: Bearer <token>")
		return "", false
	}
	return token, true
}

// unknownToken answers 401 to a token that is not (or no longer) valid.
func unknownToken(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="mensakiosk", error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, "unauthorized", "", "unknown or revoked token")
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (kiosk, role string, ok bool) {
	token, ok := bearerToken(w, r)
	if !ok {
		return "", "", false
	}
	kiosk, role, err := s.kioskFor(token)
	if err != nil {
		s.internal(w, r, err)
		return "", "", false
	}
	if kiosk == "" {
		// A receipts token is known, but may only post receipts.
		if name, err := s.receiptsTokenName(token); err != nil {
			s.internal(w, r, err)
			return "", "", false
		} else if name != "" {
			forbidden(w, "a receipts token may only post receipts (POST "+central.PathReceipts+")")
			return "", "", false
		}
		unknownToken(w)
		return "", "", false
	}
	return kiosk, role, true
}

func (s *Server) handlePull(w http.ResponseWriter, r *http.Request, kiosk, role string) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "", err.Error())
		return
	}
	limit := central.DefaultPullLimit
	if v := q["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "bad_request", "limit", fmt.Sprintf("%q: want a whole number from 1", v))
			return
		}
		// Above the maximum the page is clamped, not refused: the kiosk
		// just gets smaller pages (documented in openapi.yaml).
		limit = min(n, central.MaxPullLimit)
	}
	epoch := q["epoch"]
	if epoch != "" {
		if err := central.CheckID(epoch); err != nil {
			writeError(w, http.StatusBadRequest, central.CodeBadID, "epoch", "epoch "+err.Error())
			return
		}
	}
	// A canteen's token pulls no access-code hashes (pull.go); a token made
	// before roles may serve a counter, so it pulls them.
	body, err := s.PullView(kiosk, q["cursor"], limit, epoch, role == RoleCanteen)
	switch {
	case errors.Is(err, errBadCursor):
		writeError(w, http.StatusBadRequest, "bad_cursor", "cursor", err.Error()+": pull again with an empty cursor")
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// parseQuery reads the pull's parameters, refusing one given twice (which
// would be a guess) and bad encodings.
func parseQuery(raw string) (map[string]string, error) {
	out := map[string]string{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		var err error
		if k, err = url.QueryUnescape(k); err != nil {
			return nil, err
		}
		if v, err = url.QueryUnescape(v); err != nil {
			return nil, err
		}
		switch k {
		case "cursor", "limit", "epoch":
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("query parameter %q given twice", k)
			}
			out[k] = v
		}
	}
	return out, nil
}

func (s *Server) handlePush(w http.ResponseWriter, r *http.Request, kiosk, role string) {
	var b app.PushBatch
	if !readJSONBody(w, r, central.MaxBodyBytes, fmt.Sprintf("the body exceeds %d bytes: send smaller batches", central.MaxBodyBytes), &b) {
		return
	}
	reply, err := s.PushAs(kiosk, role, b)
	var ce *central.Error
	switch {
	case errors.As(err, &ce) && ce.Code == central.CodeForbidden:
		s.log.Warn("a token pushed events beyond its role: refused", "kiosk", kiosk, "role", role, "field", ce.Field)
		writeError(w, http.StatusForbidden, ce.Code, ce.Field, ce.Message)
		return
	case errors.As(err, &ce):
		writeError(w, http.StatusBadRequest, ce.Code, ce.Field, ce.Message)
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	writeJSON(w, reply)
}

// decodeBody decodes exactly one JSON value (no trailing data) and names
// the field of a type error.
func decodeBody(body []byte, v any) (field string, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return te.Field, fmt.Errorf("%s: want %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		if errors.Is(err, io.EOF) {
			return "", errors.New("empty body")
		}
		return "", err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", errors.New("trailing data after the JSON body")
	}
	return "", nil
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("internal error", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "", "internal error; see the server's log")
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "", "use "+allow)
}

func writeError(w http.ResponseWriter, status int, code, field, msg string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.code, sw.msg = code, msg
		if field != "" {
			sw.msg = field + ": " + msg
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(central.Error{Code: code, Field: field, Message: msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
}

// --- serving

// ErrPlainHTTP refuses plain HTTP beyond loopback: tokens and balances
// would cross the network in clear.
var ErrPlainHTTP = errors.New("plain HTTP is allowed only on a loopback address (127.0.0.1, ::1, localhost): give a TLS certificate and key to listen on the network")

// IsLoopback reports whether a listen address ("host:port") is on
// loopback only. An empty host (all interfaces) is not.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Timeouts of the HTTP server: a slow or stuck client cannot hold a
// connection (and memory) for long.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	// ShutdownTimeout bounds the wait for requests in flight at shutdown.
	ShutdownTimeout = 30 * time.Second
)

// Serve answers /v1 on ln until ctx ends, then shuts down gracefully:
// it stops accepting, waits for the requests in flight (each push commits
// before it answers) and returns. With tlsCfg nil it serves plain HTTP,
// which it refuses unless ln is on loopback.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsCfg *tls.Config) error {
	defer s.whileServing(ctx)()
	return serveOn(ctx, ln, tlsCfg, s.Handler(), s.refused, s.log, "db", s.path)
}

// whileServing starts what a server does beside its requests while it
// serves, and returns what stops it (after the requests in flight ended).
// Serve calls it, and Comuni.Serve for each Comune's server: what a
// serving server must do in the background belongs here, not in Serve.
func (s *Server) whileServing(ctx context.Context) (stop func()) {
	// The kiosks' contacts, written off the requests (kiosk_contacts.go).
	flushCtx, stopFlush := context.WithCancel(ctx)
	flushed := make(chan struct{})
	go func() { s.flushContactsEvery(flushCtx); close(flushed) }()
	return func() { stopFlush(); <-flushed }
}

// serveOn answers with h on ln until ctx ends (Serve); refused counts the
// HTTP server's own complaints; logArgs name what is served in the
// "listening" line.
func serveOn(ctx context.Context, ln net.Listener, tlsCfg *tls.Config, h http.Handler, refused *logagg.Aggregator, log *slog.Logger, logArgs ...any) error {
	if tlsCfg == nil && !IsLoopback(ln.Addr().String()) {
		ln.Close()
		return fmt.Errorf("listen %s: %w", ln.Addr(), ErrPlainHTTP)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		// A stranger's failed TLS handshakes and broken requests: counted.
		ErrorLog:    stdlog.New(serverErrors{refused}, "", 0),
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if tlsCfg != nil {
		cfg := tlsCfg.Clone()
		if cfg.MinVersion == 0 {
			cfg.MinVersion = tls.VersionTLS12
		}
		ln = tls.NewListener(ln, cfg)
	}
	log.Info("listening", append([]any{"addr", ln.Addr().String(), "tls", tlsCfg != nil}, logArgs...)...)
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		log.Info("shutting down")
		done <- srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := <-done; err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// serverErrors takes the lines net/http's server logs (a failed TLS
// handshake, a broken request) into the refused requests' count.
type serverErrors struct{ agg *logagg.Aggregator }

func (e serverErrors) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	reason := "http_server"
	if strings.Contains(line, "TLS handshake error") {
		reason = "tls_handshake"
	}
	e.agg.Add(reason, line)
	return len(p), nil
}

// echoRequestID gives a request's id (a short one) back on its answer.
func echoRequestID(w http.ResponseWriter, r *http.Request) {
	if id := r.Header.Get(central.HeaderRequestID); id != "" && len(id) <= 128 {
		w.Header().Set(central.HeaderRequestID, id)
	}
}

// answerHealth answers /v1/health, which names no kiosk and no Comune, and
// says whether the request was that.
func answerHealth(w http.ResponseWriter, r *http.Request, now time.Time) bool {
	if r.URL.Path != central.PathHealth {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET, HEAD")
		return true
	}
	writeJSON(w, app.Health{Status: "ok", Version: Version, ServerTime: now})
	return true
}
