package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"mensakiosk/central/server"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgstore"
)

// A Comune leaves a shared service on PostgreSQL:
//
//	central remove-comune -config FILE -comune CODE              says what would go, and how to dump it first
//	central remove-comune -config FILE -comune CODE -confirm CODE  removes it
//
// Its data (its tenant: roster, events, tokens, everything) is removed from
// the database for good. Refused while the settings file still names the
// Comune (the servers would go on serving it: take it out, restart them,
// then remove), while a server on this machine still answers on its admin
// socket (in the data directory serve uses: -data, else the settings'
// "data", else ./central-data), and without the code given twice. On
// bbolt a Comune's data is its own directory: there is nothing for this
// command to do.

const removeComuneUsage = "remove-comune -config FILE [-data DIR] -comune CODE [-confirm CODE]"

// removeComuneTimeout bounds the command's work on the database.
const removeComuneTimeout = time.Minute

func removeComuneCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("remove-comune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "the service's settings file, the Comune no longer in its \"comuni\"")
	code := fs.String("comune", "", "the code of the Comune that leaves the service")
	confirm := fs.String("confirm", "", "the same code again: its data is removed for good")
	// Where serve keeps the Comuni's admin sockets: -data, else the
	// settings' "data", else serve's default.
	var cfg Config
	fs.StringVar(&cfg.Data, "data", "./central-data", "the servers' data directory, when serve is given -data (its admin sockets: a server still serving the Comune is refused)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *configPath == "" || *code == "" {
		return usageError{removeComuneUsage}
	}
	if err := loadConfig(*configPath, fs, &cfg); err != nil {
		return err
	}
	if err := checkComuni(cfg); err != nil {
		return err
	}
	switch _, served := cfg.Comuni[*code]; {
	case !cfg.Store.onPostgres():
		return fmt.Errorf("the store is bbolt: a Comune's data is its own directory (%s); with the server stopped, copy it away and remove it, and take the Comune out of the settings",
			comuneDataDir(cfg.Data, *code))
	case served:
		return fmt.Errorf("the Comune %s is still in the \"comuni\" of %s: take it out, restart every server with those settings, then run this again", *code, *configPath)
	case len(cfg.Comuni) == 0 && *code == pgstore.DefaultTenant:
		return fmt.Errorf("%q is the data of this service's one Comune (no \"comuni\" in %s): it is not removed while served", *code, *configPath)
	}
	ctx, cancel := context.WithTimeout(context.Background(), removeComuneTimeout)
	defer cancel()
	st, err := kvpg.Open(ctx, cfg.Store.Postgres, kvpg.Options{MaxConns: 2})
	if err != nil {
		return fmt.Errorf("PostgreSQL store: %w", err)
	}
	defer st.Close()
	partition, rows, err := st.TenantSize(ctx, *code)
	if errors.Is(err, kvpg.ErrUnknownTenant) {
		codes, _ := st.Tenants(ctx)
		return fmt.Errorf("no Comune %q in the database (it holds %s)", *code, strings.Join(codes, ", "))
	}
	if err != nil {
		return err
	}
	dir := comuneDataDir(cfg.Data, *code)
	serving := []string{dir}
	if *code == pgstore.DefaultTenant {
		// The one Comune of a service without "comuni" keeps its admin
		// socket in the data directory itself.
		serving = append(serving, cfg.Data)
	}
	for _, d := range serving {
		if server.NewAdminClient(d).Ping(adminPingWait) == nil {
			return fmt.Errorf("a server on this machine still serves Comune %s (it answers on %s): restart it with the settings without the Comune first", *code, server.NewAdminClient(d).Path())
		}
	}
	if *confirm != *code {
		fmt.Fprintf(stderr, `Comune %s: %d rows in the database (table %s) would be removed for good: its roster, meals, balances, tokens, everything.
Dump them first, with PostgreSQL's own tool:
  pg_dump --format=custom --file=%s-leaving.dump --table=%s "$DATABASE_URL"   the Comune's rows alone
  pg_dump --format=custom --file=before-removing-%s.dump "$DATABASE_URL"       or the whole database
then run again with -confirm %s
`, *code, rows, partition, *code, partition, *code, *code)
		return usageError{fmt.Sprintf("nothing removed: repeat the Comune's code with -confirm %s", *code)}
	}
	removed, err := st.DropTenant(ctx, *code)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Comune %s removed from the database: %d rows\n", *code, removed)
	if _, err := os.Stat(dir); err == nil {
		fmt.Fprintf(stdout, "its directory %s (its access codes' key) is left: remove it when it is no longer needed\n", dir)
	}
	return nil
}
