package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mensakiosk/internal/pgstore"
	"mensakiosk/internal/pgtest"
)

// TestRemoveComuneFindsTheServerWhereverItsDataDirectoryIs: remove-comune
// refuses while a server on this machine still serves the Comune, as
// serve finds its data directory: the settings' "data", else the default
// ./central-data, and -data given to serve on the command line wins. With
// settings that name no "data", the check looked nowhere and the Comune's
// data went from under the running server; a server started with -data
// could not be found at all (remove-comune took no -data).
func TestRemoveComuneFindsTheServerWhereverItsDataDirectoryIs(t *testing.T) {
	bin := binary(t)
	dsn := pgtest.NewDB(t)
	files := t.TempDir()
	store := map[string]string{"postgres": dsn}
	// The settings without "data": the old ones still name A001.
	old := writeJSONFile(t, files, "old.json", map[string]any{"store": store,
		"comuni": map[string]ComuneConfig{"A001": {}, "B002": {}}})
	onlyB := writeJSONFile(t, files, "only-b.json", map[string]any{"store": store,
		"comuni": map[string]ComuneConfig{"B002": {}}})
	removeIn := func(wd string, args ...string) (string, int) {
		t.Helper()
		var o, e bytes.Buffer
		cmd := exec.Command(bin, append([]string{"remove-comune"}, args...)...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = wd, &o, &e
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return o.String() + e.String(), code
	}
	refused := func(wd string, args ...string) {
		t.Helper()
		out, code := removeIn(wd, args...)
		if code == 0 || !strings.Contains(out, "still serves Comune A001") {
			t.Errorf("remove-comune %s while a server serves A001: exit %d, %s", strings.Join(args, " "), code, out)
		}
	}

	// serve run in wd with those settings: its data directory is
	// wd/central-data, as remove-comune's run there.
	wd := shortDir(t)
	srv := start(t, bin, filepath.Join(wd, "central-data"), "-config", old)
	refused(wd, "-config", onlyB, "-comune", "A001", "-confirm", "A001")
	srv.Terminate(t)

	// serve given -data: remove-comune given the same.
	elsewhere := shortDir(t)
	srv = start(t, bin, elsewhere, "-config", old)
	refused(t.TempDir(), "-config", onlyB, "-data", elsewhere, "-comune", "A001", "-confirm", "A001")
	srv.Terminate(t)

	// No server any more: removed.
	if out, code := removeIn(wd, "-config", onlyB, "-comune", "A001", "-confirm", "A001"); code != 0 || !strings.Contains(out, "Comune A001 removed") {
		t.Errorf("remove-comune once no server serves A001: exit %d, %s", code, out)
	}
}

// shortDir is a temporary directory with a short path: a Comune's admin
// socket, <dir>/central-data/comuni/<code>/admin.sock, must fit a Unix
// socket's ~100 bytes, which t.TempDir's long names do not leave.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rmc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestRemoveComuneFindsTheOneComuneServer: the data of a service of one
// Comune (its tenant "default", served with settings without "comuni")
// is not removed by settings of several Comuni while that server runs:
// its admin socket is in the data directory itself, not under comuni/.
func TestRemoveComuneFindsTheOneComuneServer(t *testing.T) {
	bin := binary(t)
	dsn := pgtest.NewDB(t)
	files := t.TempDir()
	store := map[string]string{"postgres": dsn}
	one := writeJSONFile(t, files, "one.json", map[string]any{"store": store})
	many := writeJSONFile(t, files, "many.json", map[string]any{"store": store,
		"comuni": map[string]ComuneConfig{"B002": {}}})
	data := shortDir(t)
	srv := start(t, bin, data, "-config", one)
	out, err := exec.Command(bin, "remove-comune", "-config", many, "-data", data,
		"-comune", pgstore.DefaultTenant, "-confirm", pgstore.DefaultTenant).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "still serves Comune "+pgstore.DefaultTenant) {
		t.Errorf("remove-comune of the one Comune while its server runs: %v, %s", err, out)
	}
	srv.Terminate(t)
	if out, err := exec.Command(bin, "remove-comune", "-config", many, "-data", data,
		"-comune", pgstore.DefaultTenant, "-confirm", pgstore.DefaultTenant).CombinedOutput(); err != nil || !strings.Contains(string(out), "removed") {
		t.Errorf("remove-comune of the one Comune once its server stopped: %v, %s", err, out)
	}
}
