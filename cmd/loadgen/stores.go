package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"mensakiosk/central/loadgen"
	"mensakiosk/central/server"
	"mensakiosk/internal/pgtest"
)

// storeSpec is one server configuration to load: bbolt (one server), or
// PostgreSQL with one or more servers on one database.
type storeSpec struct {
	postgres bool
	servers  int
}

func (s storeSpec) String() string {
	if !s.postgres {
		return "bbolt"
	}
	if s.servers == 1 {
		return "postgres"
	}
	return fmt.Sprintf("postgres:%d", s.servers)
}

// parseStores reads -store: bbolt, postgres, postgres:N (N servers on one
// database), comma-separated.
func parseStores(v string) ([]storeSpec, error) {
	var out []storeSpec
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "bbolt":
			out = append(out, storeSpec{servers: 1})
		case f == "postgres":
			out = append(out, storeSpec{postgres: true, servers: 1})
		case strings.HasPrefix(f, "postgres:"):
			n, err := strconv.Atoi(strings.TrimPrefix(f, "postgres:"))
			if err != nil || n < 1 || n > 8 {
				return nil, fmt.Errorf("-store %q: postgres:N wants N from 1 to 8", f)
			}
			out = append(out, storeSpec{postgres: true, servers: n})
		default:
			return nil, fmt.Errorf("-store %q: want bbolt, postgres or postgres:N", f)
		}
	}
	return out, nil
}

// pgServers starts, at its first use, a throwaway PostgreSQL cluster with
// fsync and synchronous_commit ON (internal/pgtest, Durable): a commit is on
// disk when acknowledged, as bbolt's fdatasync makes it, so the two compare
// fairly. Each run gets a fresh database.
type pgServers struct {
	cluster *pgtest.Cluster
	// dsn is the last run's database.
	dsn string
}

func (p *pgServers) start() error {
	if p.cluster != nil {
		return nil
	}
	c, err := pgtest.StartDurable() // max_connections 300: two servers × 16
	if err != nil {
		return err
	}
	p.cluster = c
	return nil
}

func (p *pgServers) stop() error {
	if p.cluster == nil {
		return nil
	}
	return p.cluster.Stop()
}

// serve opens spec's servers for a run of kiosks kiosks and pupils pupils,
// their directories under dir, and serves them on loopback.
func (p *pgServers) serve(spec storeSpec, dir string, kiosks, pupils int, opts server.Options) (urls []string, ks []loadgen.Kiosk, stop func() error, err error) {
	if !spec.postgres {
		u, ks, stop, err := loadgen.Serve(dir, kiosks, pupils, opts)
		return []string{u}, ks, stop, err
	}
	if err := p.start(); err != nil {
		return nil, nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil { // the baseline's bbolt file
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, dsn, err := p.cluster.CreateDB(ctx, "")
	if err != nil {
		return nil, nil, nil, err
	}
	p.dsn = dsn
	var srvs []*server.Server
	for i := range spec.servers {
		s, err := openPostgresServer(ctx, dsn, filepath.Join(dir, fmt.Sprintf("server-%d", i+1)), opts)
		if err != nil {
			for _, s := range srvs {
				s.Close()
			}
			return nil, nil, nil, err
		}
		srvs = append(srvs, s)
	}
	return loadgen.ServeServers(srvs, kiosks, pupils)
}

// pgBareCommit is the PostgreSQL counterpart of the baseline's bare bbolt
// commit: n single-row INSERTs on dsn, each its own transaction (a commit,
// and its WAL flush with fsync on), their p50 and p99.
func pgBareCommit(ctx context.Context, dsn string, n int) (p50, p99 time.Duration, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS loadgen_bare (n int PRIMARY KEY)`); err != nil {
		return 0, 0, err
	}
	defer conn.Exec(context.Background(), `DROP TABLE loadgen_bare`)
	ds := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		if _, err := conn.Exec(ctx, `INSERT INTO loadgen_bare VALUES ($1)`, i); err != nil {
			return 0, 0, err
		}
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)], nil
}
