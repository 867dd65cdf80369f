package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"mensakiosk/app"
)

// The administration API. While a server runs it holds the database (bbolt
// takes one process at a time), so the administration commands (import,
// token, revoke, alarms, review, status) reach it through a Unix domain
// socket in the data directory, <data>/admin.sock. It is never served on
// the TCP listener.
//
// Authentication is the socket's file permissions: the socket is 0600 in
// the data directory (0700), so only the user the server runs as (and
// root) can connect. There are no tokens.
//
//	POST /admin/import          body: one file, named by ?name=pupils.csv (or roster.json);
//	                            or multipart/form-data, one part per file (each with its file name).
//	                            All files in one transaction. 200: ImportStats.
//	POST /admin/token?kiosk=ID&role=canteen|counter
//	                            200: {"kiosk":ID,"role":R,"token":T} (T is shown once; it replaces the old one)
//	POST /admin/void?meal=EVENT_ID&reason=TEXT[&staff=ID]
//	                            200: ReviewItem of the meal, voided (an office void: voids.go)
//	POST /admin/revoke?kiosk=ID 200: {"kiosk":ID,"revoked":true}
//	GET  /admin/alarms          200: [app.Alarm...]
//	GET  /admin/kiosks          200: [KioskContact...] (the live contacts: kiosk_contacts.go)
//	GET  /admin/review          200: [ReviewItem...]
//	GET  /admin/status          200: Counts
//	GET  /admin/audit?kiosk=&day=&from=&to=&limit=  200: [AuditEntry...]
//	GET  /admin/report?day=&service=                200: app.DayReport
//	POST /admin/messages        body: app.Message (title, body, url, audience) 200: the message sent (messages.go)
//	GET  /admin/messages        200: [MessageSummary...], newest first, with their reads
//	GET  /admin/ping            200: {"status":"ok","version":...,"db":path}
//
// Errors answer {"code","message"} (central.Error): 400 bad_request for a
// malformed request, 422 refused when the operation failed (the message is
// the same as the offline command's: for an import, the record and field;
// nothing was written).

// AdminSocket is the administration socket's file name in the data
// directory.
const AdminSocket = "admin.sock"

// AdminSocketPath is the administration socket of a data directory.
func AdminSocketPath(dataDir string) string { return filepath.Join(dataDir, AdminSocket) }

// MaxAdminImportBytes bounds an import request's body.
const MaxAdminImportBytes = 256 << 20

// AdminTimeout bounds reading an administration request and answering it
// (an import of a large roster included).
const AdminTimeout = 10 * time.Minute

// ListenAdmin listens on the data directory's administration socket,
// created with mode 0600. A socket file left by a server that was killed
// is removed; one that answers (another server) is an error. Closing the
// listener removes the socket file.
func (s *Server) ListenAdmin() (net.Listener, error) {
	dir := s.dataDir
	path := AdminSocketPath(dir)
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		s.log.Warn("the data directory is open to other users: make it 0700", "dir", dir, "mode", fi.Mode().Perm().String())
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("admin socket %s: the file exists and is not a socket: move it away", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("admin socket %s: another process answers on it", path)
		}
		// Stale: left by a server that was killed.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("admin socket %s: removing the stale socket: %w", path, err)
		}
		s.log.Info("removed a stale admin socket", "path", path)
	}
	// The socket is made in a private directory, given mode 0600, then
	// moved into place: it never exists at its path with a wider mode.
	tmp, err := os.MkdirTemp(dir, ".a")
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	defer os.Remove(tmp)
	tmpSock := filepath.Join(tmp, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmpSock, Net: "unix"})
	if err != nil {
		if len(tmpSock) > 100 {
			err = fmt.Errorf("%w (a Unix socket's path is limited to about 100 bytes: use a shorter data directory path)", err)
		}
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false)
	fail := func(err error) (net.Listener, error) {
		ln.Close()
		os.Remove(tmpSock)
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	if err := os.Chmod(tmpSock, 0o600); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmpSock, path); err != nil {
		return fail(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fail(err)
	}
	return &adminListener{UnixListener: ln, path: path, fi: fi}, nil
}

// adminListener removes its socket file when closed (if it is still
// this listener's).
type adminListener struct {
	*net.UnixListener
	path string
	fi   fs.FileInfo
	once sync.Once
	err  error
}

// Addr is the socket's path in the data directory (the listener was
// bound to a temporary name, then moved there).
func (l *adminListener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

func (l *adminListener) Close() error {
	l.once.Do(func() {
		l.err = l.UnixListener.Close()
		if fi, err := os.Lstat(l.path); err == nil && os.SameFile(fi, l.fi) {
			if err := os.Remove(l.path); err != nil && l.err == nil {
				l.err = err
			}
		}
	})
	return l.err
}

// ServeAdmin answers the administration API on ln (see ListenAdmin) until
// ctx ends, then shuts down gracefully (an import in flight commits or
// not, as a whole) and closes ln, which removes the socket file.
func (s *Server) ServeAdmin(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.AdminHandler(),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       AdminTimeout,
		WriteTimeout:      AdminTimeout,
		IdleTimeout:       IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.log.Info("admin socket listening", "path", ln.Addr().String())
	stopped := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
		}
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	close(stopped)
	serr := <-done
	if !errors.Is(err, http.ErrServerClosed) {
		ln.Close()
		return err
	}
	if serr != nil {
		ln.Close()
		return fmt.Errorf("admin shutdown: %w", serr)
	}
	return nil
}

// AdminHandler is the administration API (see ListenAdmin). It has no
// authentication of its own: serve it only on the admin socket.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/import", s.adminImport)
	mux.HandleFunc("POST /admin/token", func(w http.ResponseWriter, r *http.Request) {
		kiosk, ok := kioskParam(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		if len(q["role"]) != 1 || !ValidTokenRole(q.Get("role")) {
			writeError(w, http.StatusBadRequest, "bad_request", "role", "give the token's role once: ?role=canteen or ?role=counter")
			return
		}
		tok, err := s.CreateToken(kiosk, q.Get("role"))
		if err != nil {
			refused(w, err)
			return
		}
		writeJSON(w, AdminToken{Kiosk: kiosk, Role: q.Get("role"), Token: tok})
	})
	mux.HandleFunc("POST /admin/revoke", func(w http.ResponseWriter, r *http.Request) {
		kiosk, ok := kioskParam(w, r)
		if !ok {
			return
		}
		if err := s.RevokeToken(kiosk); err != nil {
			refused(w, err)
			return
		}
		writeJSON(w, map[string]any{"kiosk": kiosk, "revoked": true})
	})
	mux.HandleFunc("GET /admin/alarms", func(w http.ResponseWriter, _ *http.Request) {
		alarms, err := s.Alarms()
		if alarms == nil {
			alarms = []app.Alarm{}
		}
		answer(w, alarms, err)
	})
	mux.HandleFunc("GET /admin/kiosks", func(w http.ResponseWriter, _ *http.Request) {
		kiosks, err := s.Kiosks()
		answer(w, kiosks, err)
	})
	mux.HandleFunc("GET /admin/review", func(w http.ResponseWriter, _ *http.Request) {
		items, err := s.Review()
		if items == nil {
			items = []ReviewItem{}
		}
		answer(w, items, err)
	})
	mux.HandleFunc("GET /admin/status", func(w http.ResponseWriter, _ *http.Request) {
		c, err := s.Counts()
		answer(w, c, err)
	})
	mux.HandleFunc("GET /admin/backup", s.adminBackup)
	mux.HandleFunc("POST /admin/void", s.adminVoid) // voids.go
	// audit.go, report.go
	mux.HandleFunc("GET /admin/audit", s.adminAudit)
	mux.HandleFunc("GET /admin/report", s.adminReport)
	s.adminPagoPA(mux) // positions_admin.go
	// messages.go
	s.adminMessages(mux)
	s.adminCertificates(mux)
	mux.HandleFunc("GET /admin/ping", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"status": "ok", "version": Version, "db": s.path})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "", "no such admin path or method: "+r.Method+" "+r.URL.Path)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.answerPanic(sw, r, recover(), "panic in admin handler") // handler_panic.go
			level := slog.LevelInfo
			if r.URL.Path == "/admin/ping" {
				level = slog.LevelDebug
			}
			s.log.Log(r.Context(), level, "admin request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"ms", float64(time.Since(start).Microseconds())/1000)
		}()
		mux.ServeHTTP(sw, r)
	})
}

// AdminToken answers POST /admin/token.
type AdminToken struct {
	Kiosk string `json:"kiosk"`
	Role  string `json:"role,omitempty"`
	Token string `json:"token"`
}

func kioskParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	q := r.URL.Query()
	if len(q["kiosk"]) != 1 || q.Get("kiosk") == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "kiosk", "give the kiosk once: ?kiosk=ID")
		return "", false
	}
	return q.Get("kiosk"), true
}

func refused(w http.ResponseWriter, err error) {
	writeError(w, http.StatusUnprocessableEntity, "refused", "", err.Error())
}

func answer(w http.ResponseWriter, v any, err error) {
	if err != nil {
		refused(w, err)
		return
	}
	writeJSON(w, v)
}

func (s *Server) adminImport(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, MaxAdminImportBytes)
	var files []ImportFile
	readErr := func(err error) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "", fmt.Sprintf("the import exceeds %d bytes", int64(MaxAdminImportBytes)))
			return
		}
		writeError(w, http.StatusBadRequest, "bad_request", "", "reading the body: "+err.Error())
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		r.Body = body
		mr, err := r.MultipartReader()
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "", err.Error())
			return
		}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				readErr(err)
				return
			}
			name := p.FileName()
			if name == "" {
				writeError(w, http.StatusBadRequest, "bad_request", "", "each part must be a file, with its file name (pupils.csv, roster.json, ...)")
				return
			}
			data, err := io.ReadAll(p)
			if err != nil {
				readErr(err)
				return
			}
			files = append(files, ImportFile{Name: name, Data: data})
		}
	} else {
		q := r.URL.Query()
		name := q.Get("name")
		if len(q["name"]) != 1 || name == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "name", "give the file's name once: ?name=pupils.csv (or roster.json), or send multipart/form-data")
			return
		}
		data, err := io.ReadAll(body)
		if err != nil {
			readErr(err)
			return
		}
		files = append(files, ImportFile{Name: name, Data: data})
	}
	if len(files) == 0 {
		writeError(w, http.StatusBadRequest, "bad_request", "", "no files")
		return
	}
	st, err := s.ImportFiles(files)
	if err != nil {
		refused(w, err)
		return
	}
	writeJSON(w, st)
}
