package server

import (
	"context"
	"testing"
	"time"

	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgstore"
	"mensakiosk/internal/pgtest"
)

// benchStore opens a fresh server on one store for a benchmark.
type benchStore struct {
	name string
	open func(b *testing.B) *Server
}

// benchStores are the stores the store benchmarks run on: bbolt (a file
// in a temporary directory, fdatasync at every commit) and PostgreSQL (a
// throwaway cluster started for the benchmark with fsync and
// synchronous_commit ON, as in production: a fair comparison with bbolt's
// fdatasync; the tests' shared cluster has them off).
func benchStores() []benchStore {
	return []benchStore{
		{"bbolt", func(b *testing.B) *Server {
			s, err := Open(b.TempDir(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
		{"postgres", openBenchPostgres},
	}
}

func openBenchPostgres(b *testing.B) *Server {
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
	db, err := pgstore.OpenTenant(ctx, dsn, pgstore.DefaultTenant, kvpg.Options{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := OpenStore(db, b.TempDir(), Options{})
	if err != nil {
		db.Close()
		b.Fatal(err)
	}
	return s
}
