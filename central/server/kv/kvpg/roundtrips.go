package kvpg

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// RoundTrips is how many round trips to PostgreSQL the store's
// transactions made since Open (a statement, or a batch of statements sent
// together, each one): what the server's request paths are measured by
// (central/server's benchmarks report it per meal and per pull).
func (s *Store) RoundTrips() int64 { return s.trips.Load() }

// counted is a querier that counts its round trips.
type counted struct {
	q     querier
	trips *atomic.Int64
	rt    *runTimer // nil: not observed (observe.go)
}

func (c counted) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.trips.Add(1)
	defer c.rt.read(time.Now())
	return c.q.Query(ctx, sql, args...)
}

func (c counted) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.trips.Add(1)
	defer c.rt.read(time.Now())
	return c.q.QueryRow(ctx, sql, args...)
}

func (c counted) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.trips.Add(1)
	defer c.rt.read(time.Now())
	return c.q.Exec(ctx, sql, args...)
}

func (c counted) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	c.trips.Add(1)
	defer c.rt.read(time.Now())
	return c.q.SendBatch(ctx, b)
}

// RoundTrips is the round trips of the tenant's store (Store.RoundTrips):
// what a test that holds only the tenant's DB counts.
func (d *DB) RoundTrips() int64 { return d.s.RoundTrips() }
