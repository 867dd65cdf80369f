package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"mensakiosk/app/apptest"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
)

// pullAs sends one pull with the kiosk's version header.
func pullAs(t *testing.T, addr, token, version string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+central.PathPull, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(central.HeaderKioskVersion, version)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pull: %d", resp.StatusCode)
	}
}

// kioskLine returns the table's line of kiosk.
func kioskLine(t *testing.T, out, kiosk string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, kiosk+" ") {
			return l
		}
	}
	t.Fatalf("kiosk %s not listed:\n%s", kiosk, out)
	return ""
}

// `central kiosks` lists, through the running server's admin socket and
// offline alike, a kiosk not heard from for 3 hours as STALE, one with a
// token that never connected as "never", and a fresh one with its
// version, the least recent first.
func TestKiosksCommand(t *testing.T) {
	bin := binary(t)
	dir, token := setup(t, bin) // k1, canteen
	if _, errOut, err := runCmd(t, bin, "token", "-data", dir, "-kiosk", "knever", "-role", "counter"); err != nil {
		t.Fatal(err, errOut)
	}
	oldTok, _, err := runCmd(t, bin, "token", "-data", dir, "-kiosk", "kold", "-role", "canteen")
	if err != nil {
		t.Fatal(err)
	}

	// kold last synced 3 hours ago (the server's clock set back).
	srv := servertest.Start(t, servertest.Dir(dir), servertest.Options(server.Options{Clock: apptest.NewClock(time.Now().Add(-3 * time.Hour))}))
	pullAs(t, srv.Addr, strings.TrimSpace(oldTok), "0.8.0")
	srv.Stop() // the real binary serves dir from here on

	c := start(t, bin, dir)
	pullAs(t, c.Addr, token, "0.9.0")
	check := func(how string) {
		t.Helper()
		out, errOut, err := runCmd(t, bin, "kiosks", "-data", dir)
		if err != nil {
			t.Fatalf("%s: %v %s", how, err, errOut)
		}
		if l := kioskLine(t, out, "knever"); !regexp.MustCompile(`^knever +counter +- +never +STALE$`).MatchString(l) {
			t.Errorf("%s: never-connected kiosk: %q", how, l)
		}
		if l := kioskLine(t, out, "kold"); !regexp.MustCompile(`^kold +canteen +0\.8\.0 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 1(79|80) min ago  STALE$`).MatchString(l) {
			t.Errorf("%s: stale kiosk: %q", how, l)
		}
		if l := kioskLine(t, out, "k1"); !regexp.MustCompile(`^k1 +canteen +0\.9\.0 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 0 min ago$`).MatchString(l) {
			t.Errorf("%s: fresh kiosk: %q", how, l)
		}
		if i, j, k := strings.Index(out, "\nknever "), strings.Index(out, "\nkold "), strings.Index(out, "\nk1 "); !(i < j && j < k) {
			t.Errorf("%s: order:\n%s", how, out)
		}
		if !strings.Contains(out, "3 kiosks, 2 stale") {
			t.Errorf("%s: summary:\n%s", how, out)
		}
		// -stale 4h: kold is no longer stale.
		out, _, _ = runCmd(t, bin, "kiosks", "-data", dir, "-stale", "4h")
		if strings.Contains(kioskLine(t, out, "kold"), "STALE") {
			t.Errorf("%s: -stale 4h: %q", how, kioskLine(t, out, "kold"))
		}
		out, _, _ = runCmd(t, bin, "kiosks", "-data", dir, "-json")
		var n int
		for _, l := range bytes.Split(bytes.TrimSpace([]byte(out)), []byte("\n")) {
			var k server.KioskContact
			if err := json.Unmarshal(l, &k); err != nil {
				t.Fatalf("%s: -json line %q: %v", how, l, err)
			}
			if k.Kiosk == "k1" && (k.Version != "0.9.0" || k.LastPull.IsZero()) {
				t.Errorf("%s: -json k1 %+v", how, k)
			}
			n++
		}
		if n != 3 {
			t.Errorf("%s: -json %d lines:\n%s", how, n, out)
		}
	}
	check("through the admin socket")

	c.Terminate(t)
	check("offline")
}
