package main

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
	"mensakiosk/storage"
	"mensakiosk/storage/storagetest"
)

// TestKillDuringSync kills the kiosk process with SIGKILL again and again
// while pupils tap and the kiosk syncs with the real reference server on
// loopback. At the end every meal in the kiosk's database is on the server
// exactly once, charged once, and nothing the server holds is unknown to
// the kiosk: nothing lost, nothing doubled.
func TestKillDuringSync(t *testing.T) {
	bin := headlessBinary(t)
	dir := t.TempDir()
	roster, badges := testRoster(2000, "")
	srv, token, tokenFile := serveCentral(t, dir, roster)
	url := srv.URL
	reader := virtualReader(t, dir)
	cfgPath := writeSyncConfig(t, dir, reader.Path(), url, tokenFile)

	rng := rand.New(rand.NewPCG(2, uint64(time.Now().UnixNano())))
	const rounds = 8
	next, syncs := 0, 0
	for round := range rounds {
		c := tapThenKill(t, bin, cfgPath, reader, badges, &next, time.Duration(300+rng.IntN(1500))*time.Millisecond,
			func() time.Duration { return time.Duration(1+rng.IntN(8)) * time.Millisecond })
		n := countLines(c.log(), `"msg":"sync"`)
		syncs += n
		t.Logf("round %d: %d taps sent so far, %d syncs completed before SIGKILL", round, next, n)
	}
	if syncs == 0 {
		t.Fatal("no sync completed in any round: the test proved nothing")
	}

	// Finish the sync with the same engine, in-process, on the same file.
	st := storagetest.OpenPath(t, filepath.Join(dir, "kiosk.db"), storage.Options{SkipCheck: true})
	client, err := central.NewClient(central.ClientConfig{BaseURL: url, Token: token, Epoch: st.Epoch()})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.NewSyncer(st, client, app.SystemClock{}, app.SyncConfig{KioskID: "kiosk-test"}, nil).SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var meals []app.Meal
	if err := st.ForEachMeal(func(m app.Meal) error { meals = append(meals, m); return nil }); err != nil {
		t.Fatal(err)
	}
	ss, _ := st.SyncState()
	if ss.Waiting != 0 || ss.Acked != uint64(len(meals)) {
		t.Fatalf("kiosk sync state %+v with %d meals", ss, len(meals))
	}
	cnt, err := srv.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Events != len(meals) || cnt.MealsCharged != len(meals) {
		t.Fatalf("server holds %d events (%d charged); the kiosk recorded %d meals", cnt.Events, cnt.MealsCharged, len(meals))
	}
	// Each family's balance on the server is its opening balance minus its
	// children's meals, as the kiosk recorded them.
	spent := map[app.AccountID]app.Cents{}
	for _, m := range meals {
		spent[m.AccountID] += m.Price
	}
	for _, a := range roster.Accounts {
		b, err := srv.Balance(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b != a.Balance-spent[a.ID] {
			t.Errorf("balance of %s = %d, want %d", a.ID, b, a.Balance-spent[a.ID])
		}
	}
	t.Logf("%d rounds: %d meals, %d syncs completed before the kills; the server holds each once", rounds, len(meals), syncs)
}

// serveCentral serves the reference server (servertest) on dir/central with
// roster imported, and writes a canteen token for kiosk-test into
// dir/token.
func serveCentral(t testing.TB, dir string, roster app.Roster) (srv *servertest.Server, token, tokenFile string) {
	t.Helper()
	srv = servertest.Start(t, servertest.Dir(filepath.Join(dir, "central")), servertest.Import(server.FromRoster(roster)),
		servertest.Kiosk("kiosk-test", server.RoleCanteen))
	token = srv.Tokens["kiosk-test"]
	tokenFile = filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, token, tokenFile
}

// writeSyncConfig writes a kiosk configuration that syncs every second.
func writeSyncConfig(t testing.TB, dir, port, url, tokenFile string) string {
	t.Helper()
	return saveConfig(t, dir, syncConfig(dir, port, url, tokenFile))
}

// syncConfig is testConfig syncing every second with the server at url.
func syncConfig(dir, port, url, tokenFile string) Config {
	cfg := testConfig(dir, port)
	cfg.Central = centralSection{URL: url, TokenFile: tokenFile, SyncSeconds: 1, TimeoutSeconds: 5}
	return cfg
}

func countLines(log, sub string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

// TestMissingTokenFileStillServes: a kiosk whose token file is missing says
// so (log, screen) and serves on; its meals wait in the outbox.
func TestMissingTokenFileStillServes(t *testing.T) {
	bin := headlessBinary(t)
	dir := t.TempDir()
	roster, badges := testRoster(3, "")
	dbPath := seedDB(t, dir, roster)
	reader := virtualReader(t, dir)
	cfgPath := writeSyncConfig(t, dir, reader.Path(), "http://127.0.0.1:9", filepath.Join(dir, "no-such-token"))
	c := startChild(t, bin, nil, "-headless", "-config", cfgPath)
	defer c.cmd.Process.Kill()
	c.waitReady(t)
	if err := reader.Send(badges[0]); err != nil {
		t.Fatal(err)
	}
	c.waitMeals(t, 1, 10*time.Second)
	if !strings.Contains(c.log(), "central server link not started") || !strings.Contains(c.log(), "no-such-token") {
		t.Fatalf("the missing token file is not named in the log:\n%s", c.log())
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	<-c.done
	st := storagetest.OpenPath(t, dbPath, storage.Options{SkipCheck: true})
	if ss, _ := st.SyncState(); ss.Waiting != 1 {
		t.Fatalf("waiting %d, want the meal kept for the server", ss.Waiting)
	}
}
