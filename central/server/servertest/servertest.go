// Package servertest runs the real reference server (central/server) on
// loopback for another package's tests: its own bbolt store in a temp
// directory, served over real HTTP by Server.Serve, a Comune imported and
// kiosk tokens made when asked, everything stopped at the test's end.
//
//	s := servertest.Start(t, servertest.Import(data), servertest.Kiosk("porta-1", server.RoleCanteen))
//	client := central.NewClient(central.ClientConfig{BaseURL: s.URL, Token: s.Tokens["porta-1"]})
//
// The server package's own tests use the helpers in that package.
package servertest

import (
	"context"
	"net"
	"testing"

	"mensakiosk/central/server"
)

// Server is a reference server serving on loopback for one test. The
// embedded *server.Server is its store (Import, CreateToken, Notice, …).
type Server struct {
	*server.Server
	// URL is http://Addr, the address kiosks' clients are given.
	URL  string
	Addr string
	// Dir is the server's data directory.
	Dir string
	// Tokens are the tokens made at start, by kiosk ID (see Kiosk).
	Tokens map[string]string

	t       testing.TB
	opts    server.Options
	dsn     string // the PostgreSQL database (store.go), once opened
	cancel  context.CancelFunc
	done    chan struct{}
	stopped bool
}

type config struct {
	dir    string
	opts   server.Options
	data   []server.ImportData
	kiosks [][2]string
}

// An Option changes how Start opens the server.
type Option func(*config)

// Dir opens the server on dir (kept by the caller: a backup copied in, a
// directory shared with a later open) instead of a new temp directory.
func Dir(dir string) Option { return func(c *config) { c.dir = dir } }

// Options are the server's own options (clock, time zone, pagoPA, log…).
func Options(o server.Options) Option { return func(c *config) { c.opts = o } }

// Import imports data before the server answers.
func Import(data server.ImportData) Option {
	return func(c *config) { c.data = append(c.data, data) }
}

// Kiosk makes a token for kiosk with role (server.RoleCanteen or
// server.RoleCounter) at start: Server.Tokens[kiosk].
func Kiosk(kiosk, role string) Option {
	return func(c *config) { c.kiosks = append(c.kiosks, [2]string{kiosk, role}) }
}

// Start opens the reference server, imports and makes tokens as the
// options say, and serves it on a free loopback port until the test ends
// (or Stop). Any failure fails the test.
func Start(t testing.TB, options ...Option) *Server {
	t.Helper()
	var c config
	for _, o := range options {
		o(&c)
	}
	if c.dir == "" {
		c.dir = t.TempDir()
	}
	s := &Server{Dir: c.dir, Tokens: map[string]string{}, t: t, opts: c.opts}
	s.open("127.0.0.1:0")
	t.Cleanup(s.Stop)
	for _, d := range c.data {
		if _, err := s.Server.Import(d); err != nil {
			t.Fatalf("servertest: import: %v", err)
		}
	}
	for _, k := range c.kiosks {
		s.Tokens[k[0]] = s.Token(k[0], k[1])
	}
	return s
}

// Token makes a new token for kiosk with role; a failure fails the test.
func (s *Server) Token(kiosk, role string) string {
	s.t.Helper()
	tok, err := s.CreateToken(kiosk, role)
	if err != nil {
		s.t.Fatalf("servertest: token for %s: %v", kiosk, err)
	}
	return tok
}

func (s *Server) open(addr string) {
	t := s.t
	t.Helper()
	srv, err := s.openStore() // store.go
	if err != nil {
		t.Fatalf("servertest: open: %v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		t.Fatalf("servertest: listen: %v", err)
	}
	s.Server, s.Addr = srv, ln.Addr().String()
	s.URL = "http://" + s.Addr
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done, s.stopped = cancel, make(chan struct{}), false
	go func() {
		defer close(s.done)
		if err := srv.Serve(ctx, ln, nil); err != nil {
			t.Errorf("servertest: serve: %v", err)
		}
	}()
}

// Stop stops serving (the requests in flight end first) and closes the
// store. Safe to call again; the test's cleanup calls it.
func (s *Server) Stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.cancel()
	<-s.done
	if err := s.Server.Close(); err != nil {
		s.t.Errorf("servertest: close: %v", err)
	}
}

// Reopen opens the stopped server again on the same directory (what the
// test put there meanwhile: a backup restored), serving at the same
// address (a kiosk's client, or a proxy in front, keeps its URL), as a
// server restarted by its operator.
func (s *Server) Reopen() {
	s.t.Helper()
	if !s.stopped {
		s.t.Fatal("servertest: Reopen of a server still running: Stop it first")
	}
	s.open(s.Addr)
}
