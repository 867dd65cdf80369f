package server

import (
	"context"
	"testing"
	"time"

	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgstore"
	"mensakiosk/internal/pgtest"
)

// benchStore opens a fresh server on one store for a benchmark, and the
// count of the store's round trips so far (nil: bbolt, which makes none).
type benchStore struct {
	name string
	open func(b *testing.B) (*Server, func() int64)
}

// benchStores are the stores the store benchmarks run on: bbolt (a file
// in a temporary directory, fdatasync at every commit) and PostgreSQL (a
// throwaway cluster started for the benchmark with fsync and
// synchronous_commit ON, as in production: a fair comparison with bbolt's
// fdatasync; the tests' shared cluster has them off).
func benchStores() []benchStore {
	return []benchStore{
		{"bbolt", func(b *testing.B) (*Server, func() int64) {
			s, err := Open(b.TempDir(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			return s, nil
		}},
		{"postgres", openBenchPostgres},
	}
}

func openBenchPostgres(b *testing.B) (*Server, func() int64) {
	c, err := pgtest.StartDurable()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := c.Stop(); err != nil {
			b.Error(err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, dsn, err := c.CreateDB(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	st, err := kvpg.Open(ctx, dsn, kvpg.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.CreateTenant(ctx, pgstore.DefaultTenant); err != nil {
		b.Fatal(err)
	}
	s, err := OpenStore(st.Tenant(pgstore.DefaultTenant), b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s, st.RoundTrips
}
