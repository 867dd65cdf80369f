package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"mensakiosk/central/server"
)

// Where the server keeps its data, from the settings file (-config):
//
//	"store": {"postgres": "postgres://central@db.example:5432/mensa?sslmode=verify-full"}
//
// Without "store", the bbolt file central.db in the data directory (the
// embedded default: one server process). With "postgres", a PostgreSQL
// database (its schema migrated at start, a newer one refused), which
// several server processes may share; the data directory still holds what
// is never in the database (the access codes' fingerprint key, the admin
// socket). The password is best kept out of the file: PostgreSQL's own
// PGPASSWORD or ~/.pgpass (PGPASSFILE) are read when the URL has none.
//
// `serve` and every administration command open the store the same way.
// On bbolt a command reaches a running server through its admin socket
// (the file takes one process). On PostgreSQL a command opens the database
// itself, running servers or not: every change is a serializable
// transaction, so a command beside the servers is one more client (and a
// command's GPD calls take the outbox's lease like a server's). What only a
// running server holds is its kiosks' last contacts of the past minute
// (written every 30 s, merged): `central kiosks` shows them as of then.

// StoreConfig is the settings file's "store".
type StoreConfig struct {
	// Postgres is the database's URL (postgres://…) or keyword/value
	// string (host=… dbname=…).
	Postgres string `json:"postgres,omitempty"`
}

// onPostgres tells whether the store is PostgreSQL.
func (c *StoreConfig) onPostgres() bool { return c != nil && c.Postgres != "" }

// check refuses a "store" that names nothing.
func (c *StoreConfig) check() error {
	if c != nil && strings.TrimSpace(c.Postgres) == "" {
		return errors.New(`config: "store" names no database: give {"postgres": "postgres://…"}, or leave "store" out for the bbolt file in the data directory`)
	}
	return nil
}

// String is the store for a log line: the database without its password.
func (c *StoreConfig) String() string {
	if !c.onPostgres() {
		return "bbolt"
	}
	if u, err := url.Parse(c.Postgres); err == nil && u.Scheme != "" {
		u.User = url.User(u.User.Username())
		u.RawQuery = ""
		return "postgres " + u.Redacted()
	}
	return "postgres (keyword/value settings)"
}

// commandBase is what -config gives an administration command: the
// options it opens the server with, and the store.
type commandBase struct {
	opts  server.Options
	store *StoreConfig
}

// pgOpenTimeout bounds the connection to PostgreSQL and its migrations
// at start.
const pgOpenTimeout = 30 * time.Second

// openServer opens the server on the configured store: bbolt's file in
// data (server.Open), or PostgreSQL's default Comune with data as the data
// directory.
func openServer(data string, store *StoreConfig, opts server.Options) (*server.Server, error) {
	if err := store.check(); err != nil {
		return nil, err
	}
	if !store.onPostgres() {
		return server.Open(data, opts)
	}
	if data == "" {
		return nil, errors.New("central server: no data directory given")
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, fmt.Errorf("central server: data directory: %w", err)
	}
	// A command run here without -config must not open a bbolt file.
	if err := server.MarkStoreKind(data, server.StoreKindPostgres); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgOpenTimeout)
	defer cancel()
	db, err := openPostgres(ctx, store.Postgres, opts.Comune) // store_postgres.go
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL store: %w", err)
	}
	srv, err := server.OpenStore(db, data, opts)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("PostgreSQL store: %w", err)
	}
	return srv, nil
}

// openAdminOn is openAdmin on the configured store: on PostgreSQL the
// database itself, whether servers run or not (see the top of the file).
func openAdminOn(data string, log *slog.Logger, base []commandBase) (adminOps, error) {
	opts := withBase(server.Options{Log: log, LockTimeout: adminLockWait}, base)
	return openServer(data, storeOf(base), opts)
}

func storeOf(base []commandBase) *StoreConfig {
	if len(base) == 0 {
		return nil
	}
	return base[0].store
}

// errBackupPostgres: `central backup` on PostgreSQL.
var errBackupPostgres = errors.New(`the store is PostgreSQL: back it up with PostgreSQL's own tools, not with this command:
  pg_dump -Fc -f mensa.dump "$DATABASE_URL"    a consistent copy, the servers running (pg_restore puts it back)
  or a base backup (pg_basebackup) with WAL archiving, for point-in-time recovery
after putting a copy back, run "central restored -config FILE" so every kiosk pulls afresh (docs/central.md)`)
