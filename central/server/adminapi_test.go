package server

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mensakiosk/app/apptest"
)

// serveAdmin runs the real Serve (TCP) and ServeAdmin (the socket) on a
// fresh data directory, as `central serve` does.
func serveAdmin(t *testing.T) (e *env, client *AdminClient, stop func()) {
	t.Helper()
	dir := t.TempDir()
	s, err := openTest(t, dir, Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	e = &env{t: t, s: s, dir: dir, http: &http.Client{Timeout: 30 * time.Second}}
	e.serve()
	aln, err := s.ListenAdmin()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeAdmin(ctx, aln) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeAdmin: %v", err)
		}
		e.stop()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(stop)
	return e, NewAdminClient(dir), stop
}

func TestAdminSocket(t *testing.T) {
	e, c, stop := serveAdmin(t)
	sock := AdminSocketPath(e.dir)
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v %v", fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(e.dir); len(entries) != 2 && !testOnPostgres() || len(entries) != 1 && testOnPostgres() {
		t.Fatalf("data directory holds %v: want central.db (bbolt) and admin.sock only", entries)
	}
	// While the server holds the database, another Open is refused (bbolt:
	// one process; PostgreSQL takes several)...
	if _, err := openTest(t, e.dir, Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrInUse) && !testOnPostgres() {
		t.Fatalf("second open: %v", err)
	}
	// ...and the socket does the work.
	if err := c.Ping(time.Second); err != nil {
		t.Fatal(err)
	}
	tok, err := c.CreateToken("k1", RoleCanteen)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := e.pullAll(tok, "", 0)
	if len(first.Pupils) != 0 {
		t.Fatalf("pupils before the import: %v", first.Pupils)
	}
	files, err := ReadImportFiles("testdata/csv")
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.ImportFiles(files)
	if err != nil || st.Inserted != 23 {
		t.Fatalf("import: %+v %v", st, err)
	}
	delta, _ := e.pullAll(tok, first.Cursor, 0)
	if delta.Reset || len(delta.Pupils) != 4 || len(delta.Badges) != 5 || len(delta.Staff) != 2 {
		t.Fatalf("the delta after the import: reset %v, %d pupils, %d badges, %d staff", delta.Reset, len(delta.Pupils), len(delta.Badges), len(delta.Staff))
	}
	before, err := c.Counts()
	if err != nil || before.Pupils != 4 || before.Tokens != 1 {
		t.Fatalf("status: %+v %v", before, err)
	}

	// A bad import writes nothing and says where.
	bad := []ImportFile{
		{Name: "accounts.csv", Data: []byte("id;holder;balance\nA9;New;1000\n")},
		{Name: "badges.csv", Data: []byte("id,pupil_id\n0A0B0C0D,P1\n0A0B0C0E,NOPE\n")},
	}
	_, err = c.ImportFiles(bad)
	var ae *AdminError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity ||
		err.Error() != `import: badges.csv line 3: pupil_id: unknown pupil "NOPE"` {
		t.Fatalf("bad import: %v", err)
	}
	_, offline := e.s.ImportFiles(bad)
	if offline == nil || offline.Error() != err.Error() {
		t.Fatalf("the socket says %q, the offline import %q", err, offline)
	}
	if after, _ := c.Counts(); after != before {
		t.Fatalf("a refused import wrote: %+v, was %+v", after, before)
	}
	if _, err := c.ImportFiles([]ImportFile{{Name: "pupils.csv", Data: []byte("id;account_id;first_name;last_name\n")}}); err == nil || err.Error() != ErrNoRecords.Error() {
		t.Fatalf("empty import: %v", err)
	}
	if _, err := c.ImportFiles([]ImportFile{{Name: "x.txt", Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), "x.txt") {
		t.Fatalf("import of a .txt: %v", err)
	}

	// One file as the raw body, named by ?name= (as with curl).
	code, body := adminDo(t, c, http.MethodPost, "/admin/import?name=import.json", mustRead(t, "testdata/import.json"))
	if code != http.StatusOK || !strings.Contains(body, `"inserted"`) {
		t.Fatalf("raw JSON import: %d %s", code, body)
	}
	if code, body := adminDo(t, c, http.MethodPost, "/admin/import", []byte("{}")); code != http.StatusBadRequest || !strings.Contains(body, "name") {
		t.Fatalf("import without a name: %d %s", code, body)
	}
	if code, body := adminDo(t, c, http.MethodGet, "/admin/token?kiosk=k1", nil); code == http.StatusOK {
		t.Fatalf("GET token: %d %s", code, body)
	}
	if code, body := adminDo(t, c, http.MethodPost, "/admin/token", nil); code != http.StatusBadRequest {
		t.Fatalf("token without a kiosk: %d %s", code, body)
	}

	if as, err := c.Alarms(); err != nil || len(as) != 0 {
		t.Fatalf("alarms: %v %v", as, err)
	}
	if rs, err := c.Review(); err != nil || len(rs) != 0 {
		t.Fatalf("review: %v %v", rs, err)
	}
	if _, err := c.CreateToken("bad id!", RoleCanteen); err == nil || !strings.Contains(err.Error(), "kiosk id") {
		t.Fatalf("bad kiosk id: %v", err)
	}
	if err := c.RevokeToken("k1"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.do(http.MethodGet, pullPath("", 0, ""), tok, nil); code != http.StatusUnauthorized {
		t.Fatalf("pull with a token revoked through the socket: %d", code)
	}
	if err := c.RevokeToken("k1"); err == nil || !strings.Contains(err.Error(), "has no token") {
		t.Fatalf("revoke twice: %v", err)
	}

	// The administration API is never on the TCP listener.
	tok2 := e.token("k2")
	for _, tk := range []string{"", tok2} {
		if code, _, _ := e.do(http.MethodGet, "/admin/status", tk, nil); code != http.StatusUnauthorized && code != http.StatusNotFound {
			t.Fatalf("/admin/status on TCP: %d", code)
		}
	}

	// Shutdown removes the socket.
	stop()
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket after shutdown: %v", err)
	}
	if err := c.Ping(time.Second); err == nil {
		t.Fatal("ping after shutdown")
	}
}

func adminDo(t *testing.T, c *AdminClient, method, path string, body []byte) (int, string) {
	t.Helper()
	var raw json.RawMessage
	err := c.do(context.Background(), method, path, nil, "", body, &raw)
	var ae *AdminError
	switch {
	case err == nil:
		return http.StatusOK, string(raw)
	case errors.As(err, &ae):
		return ae.Status, ae.Code + " " + ae.Message
	}
	t.Fatal(err)
	return 0, ""
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestListenAdminStale(t *testing.T) {
	dir := t.TempDir()
	s, err := openTest(t, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sock := AdminSocketPath(dir)

	// A socket file nothing answers on (a killed server's) is replaced.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	ln, err := s.ListenAdmin()
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	// One that answers is not touched.
	if _, err := s.ListenAdmin(); err == nil || !strings.Contains(err.Error(), "answers") {
		t.Fatalf("over a live socket: %v", err)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket after Close: %v", err)
	}
	// Nor is a file that is not a socket.
	if err := os.WriteFile(sock, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListenAdmin(); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("over a regular file: %v", err)
	}
	if data, _ := os.ReadFile(sock); string(data) != "x" {
		t.Fatal("the regular file was touched")
	}
	// No temporary directory is left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			t.Fatalf("left behind: %s", filepath.Join(dir, e.Name()))
		}
	}
}

// TestAdminSocketLogsItsPath: the socket is bound to a temporary name and
// moved into place; the listener and the log name the real path.
func TestAdminSocketLogsItsPath(t *testing.T) {
	var logBuf apptest.LogBuffer
	dir := t.TempDir()
	s, err := openTest(t, dir, Options{Log: slog.New(slog.NewJSONHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := s.ListenAdmin()
	if err != nil {
		t.Fatal(err)
	}
	want := AdminSocketPath(dir)
	if got := ln.Addr().String(); got != want {
		t.Errorf("listener address %s, want %s", got, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeAdmin(ctx, ln) }()
	if err := NewAdminClient(dir).Ping(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, l := range logLines(t, &logBuf) {
		if l["msg"] == "admin socket listening" {
			found = true
			if l["path"] != want {
				t.Errorf("logged path %v, want %s", l["path"], want)
			}
		}
	}
	if !found {
		t.Fatal("no 'admin socket listening' line")
	}
}
