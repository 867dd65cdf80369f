package synctest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mensakiosk/central/server"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/centraltest"
	"mensakiosk/internal/pgstore"
	"mensakiosk/internal/pgtest"
)

// The kill and storm tests on PostgreSQL: two real central processes on one
// database, behind the balancing fault proxy.

// openPGServer opens the server on dsn's default Comune in-process, as
// cmd/central does (internal/pgstore), beside any servers running on it.
func openPGServer(t *testing.T, dsn string) *server.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := pgstore.OpenTenant(ctx, dsn, pgstore.DefaultTenant, kvpg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.OpenStore(db, t.TempDir(), server.Options{Log: logger(t)})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return srv
}

// pgFleet is n central processes on one fresh PostgreSQL database (each its
// own data directory and port, the store from its -config file), behind
// the balancing fault proxy, not started; side is the store opened
// in-process beside them.
func pgFleet(t *testing.T, bin string, n int) (f *centralFleet, side *server.Server) {
	t.Helper()
	dsn := pgtest.NewDB(t)
	side = openPGServer(t, dsn)
	t.Cleanup(func() { side.Close() })
	cfg, _ := json.Marshal(map[string]any{"store": map[string]string{"postgres": dsn}})
	cfgFile := filepath.Join(t.TempDir(), "central.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	var addrs []string
	var args [][]string
	for range n {
		addr := freeAddr(t)
		addrs = append(addrs, addr)
		args = append(args, []string{"-config", cfgFile, "-addr", addr, "-data", t.TempDir()})
	}
	f = newFleet(t, bin, addrs, args, func(t *testing.T) *server.Server { return openPGServer(t, dsn) })
	t.Cleanup(f.stopAll)
	return f, side
}

// TestServerKilledDuringSyncTwoServersOnPostgres: two central processes on
// one PostgreSQL database behind a balancer, either SIGKILLed at random
// again and again while two kiosks push through the fault proxy (each
// request to the next server): 0 lost, 0 doubled, balances exact, no alarm.
func TestServerKilledDuringSyncTwoServersOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the central binary (not in -short)")
	}
	bin := centraltest.Binary(t)
	f, side := pgFleet(t, bin, 2)
	c := newComune(1500)
	if _, err := side.Import(c.data); err != nil {
		t.Fatal(err)
	}
	kiosks := []string{"porta-1", "porta-2"}
	var tokens []string
	for _, k := range kiosks {
		tok, err := side.CreateToken(k, server.RoleCanteen)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	serverKills(t, f, c, kiosks, tokens, 8)
}

// TestSyncThroughAFaultStormTwoServersOnPostgres: the storm, through the
// balancing proxy in front of two central processes on one database.
func TestSyncThroughAFaultStormTwoServersOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the central binary (not in -short)")
	}
	f, side := pgFleet(t, centraltest.Binary(t), 2)
	f.startDead(t)
	syncThroughAFaultStorm(t, f.proxy, side)
}
