package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
)

// runCmd runs the binary and returns its stdout and stderr apart.
func runCmd(t *testing.T, bin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// openData opens the reference server on the data directory dir (offline,
// as the commands do).
func openData(t *testing.T, dir string) *server.Server {
	t.Helper()
	s, err := server.Open(dir, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openImported is openData with d imported.
func openImported(t *testing.T, dir string, d server.ImportData) *server.Server {
	t.Helper()
	s := openData(t, dir)
	if _, err := s.Import(d); err != nil {
		t.Fatal(err)
	}
	return s
}

// pullAll pulls every page from cursor with a kiosk's token.
func pullAll(t *testing.T, addr, token, cursor string) (app.PullPage, int) {
	t.Helper()
	var all app.PullPage
	for range 1000 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+central.PathPull+"?"+url.Values{"cursor": {cursor}}.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return all, resp.StatusCode
		}
		var p app.PullPage
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		all.Pupils = append(all.Pupils, p.Pupils...)
		all.Badges = append(all.Badges, p.Badges...)
		all.Staff = append(all.Staff, p.Staff...)
		all.Cursor, all.Reset = p.Cursor, all.Reset || p.Reset
		cursor = p.Cursor
		if !p.More {
			return all, http.StatusOK
		}
	}
	t.Fatal("pull never ends")
	return all, 0
}

// TestAdminWhileServing runs the administration commands while the server
// runs: they go through <data>/admin.sock and print what they print
// offline.
func TestAdminWhileServing(t *testing.T) {
	bin := binary(t)
	dir, _ := setup(t, bin)
	offStatus, _, err := runCmd(t, bin, "status", "-data", dir)
	if err != nil {
		t.Fatal(err)
	}
	c := start(t, bin, dir)
	defer c.Cmd.Process.Kill()
	sock := filepath.Join(dir, "admin.sock")
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v %v", fi, err)
	}

	// Same output as offline.
	if out, _, err := runCmd(t, bin, "status", "-data", dir); err != nil || out != offStatus {
		t.Fatalf("status while serving: %v\n%s\noffline:\n%s", err, out, offStatus)
	}
	if out, _, err := runCmd(t, bin, "alarms", "-data", dir); err != nil || out != "0 alarms\n" {
		t.Fatalf("alarms while serving: %v %q", err, out)
	}
	if out, _, err := runCmd(t, bin, "review", "-data", dir, "-json"); err != nil || out != "" {
		t.Fatalf("review -json while serving: %v %q", err, out)
	}

	// A hot backup through the socket: a database that opens, with the
	// same records.
	bdir := t.TempDir()
	if out, _, err := runCmd(t, bin, "backup", "-data", dir, "-out", filepath.Join(bdir, "central.db")); err != nil || !strings.Contains(out, "backup written") {
		t.Fatalf("backup while serving: %v %q", err, out)
	}
	if out, _, err := runCmd(t, bin, "backup", "-data", dir, "-out", filepath.Join(bdir, "central.db")); err == nil {
		t.Fatalf("a backup over an existing file: %q", out)
	}
	if out, _, err := runCmd(t, bin, "status", "-data", bdir); err != nil || out != offStatus {
		t.Fatalf("status of the backup: %v\n%s\nwant:\n%s", err, out, offStatus)
	}

	// A new kiosk's token, used at once against the TCP listener.
	out, errOut, err := runCmd(t, bin, "token", "-data", dir, "-kiosk", "k2", "-role", "counter")
	token := strings.TrimSpace(out)
	if err != nil || len(token) < 40 || !strings.Contains(errOut, "token for kiosk k2") {
		t.Fatalf("token while serving: %v %q %s", err, out, errOut)
	}
	first, code := pullAll(t, c.Addr, token, "")
	if code != http.StatusOK || len(first.Pupils) != nPupils {
		t.Fatalf("first pull with the new token: %d, %d pupils", code, len(first.Pupils))
	}

	// A CSV directory imported while serving (P1-P4 and A1-A3 exist: they
	// are updated): the kiosk pulls it as a delta.
	csvDir := filepath.Join("..", "..", "central", "server", "testdata", "csv")
	if out, errOut, err := runCmd(t, bin, "import", "-data", dir, csvDir); err != nil || out != "imported: 16 inserted, 7 updated, 0 unchanged, 0 deleted\n" {
		t.Fatalf("import while serving: %v %q %s", err, out, errOut)
	}
	delta, code := pullAll(t, c.Addr, token, first.Cursor)
	if code != http.StatusOK || delta.Reset || len(delta.Pupils) != 4 || len(delta.Badges) != 5 || len(delta.Staff) != 2 {
		t.Fatalf("delta after the import: %d, reset %v, %d pupils, %d badges, %d staff", code, delta.Reset, len(delta.Pupils), len(delta.Badges), len(delta.Staff))
	}

	// A bad import writes nothing and says where, as offline.
	before, _, _ := runCmd(t, bin, "status", "-data", dir)
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "accounts.csv"), []byte("id;holder;balance\nA900;New;1000\n"), 0o600)
	os.WriteFile(filepath.Join(bad, "badges.csv"), []byte("id,pupil_id\n0A0B0C0D,P1\n0A0B0C0E,NOPE\n"), 0o600)
	out, errOut, err = runCmd(t, bin, "import", "-data", dir, bad)
	const want = "central import: import: badges.csv line 3: pupil_id: unknown pupil \"NOPE\"\n"
	if err == nil || out != "" || errOut != want {
		t.Fatalf("bad import while serving: %v %q %q", err, out, errOut)
	}
	if after, _, _ := runCmd(t, bin, "status", "-data", dir); after != before {
		t.Fatalf("a refused import wrote:\n%s\nwas\n%s", after, before)
	}

	if out, _, err := runCmd(t, bin, "revoke", "-data", dir, "-kiosk", "k2"); err != nil || out != "token of kiosk k2 revoked\n" {
		t.Fatalf("revoke while serving: %v %q", err, out)
	}
	if _, code := pullAll(t, c.Addr, token, ""); code != http.StatusUnauthorized {
		t.Fatalf("pull with the revoked token: %d", code)
	}

	// Shutdown removes the socket; the commands then open the database.
	c.Terminate(t)
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("socket after shutdown: %v", err)
	}
	_, errOut, err = runCmd(t, bin, "import", "-data", dir, bad)
	if err == nil || errOut != want {
		t.Fatalf("bad import offline: %v %q", err, errOut)
	}
	s := openData(t, dir)
	defer s.Close()
	if c, _ := s.Counts(); c.Pupils != nPupils || c.Tokens != 1 {
		t.Fatalf("offline after the run: %+v", c)
	}
}

// TestAdminNothingAnswers: the database is in use and nothing answers on
// the socket (another process holds it): a clear error, after a bounded
// wait.
func TestAdminNothingAnswers(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	s := openData(t, dir)
	defer s.Close()
	start := time.Now()
	_, errOut, err := runCmd(t, bin, "token", "-data", dir, "-kiosk", "k1", "-role", "canteen")
	if err == nil || !strings.Contains(errOut, "in use") || !strings.Contains(errOut, "admin.sock") {
		t.Fatalf("token with the database held: %v %s", err, errOut)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}
}
