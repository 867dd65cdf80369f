package server

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgtest"
)

// The stores of a test's Comuni. On bbolt each Comune has its own file. On
// PostgreSQL (MENSAKIOSK_TEST_STORE=postgres) the Comuni of a test share
// one database, each its tenant (kvpg's Store.Tenant), as a service of many
// Comuni runs on it: the isolation tests then check the tenants' key
// spaces in one database, not two databases.

func comuniOnPostgres() bool { return os.Getenv("MENSAKIOSK_TEST_STORE") == "postgres" }

// comuniStores: the PostgreSQL store of each test.
var comuniStores sync.Map // testing.TB → *kvpg.Store

// comuniStore is the test's PostgreSQL store (one database), opened at
// its first use and closed at the test's end.
func comuniStore(t testing.TB) *kvpg.Store {
	t.Helper()
	if st, ok := comuniStores.Load(t); ok {
		return st.(*kvpg.Store)
	}
	st, err := kvpg.Open(context.Background(), pgtest.NewDB(t), kvpg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	comuniStores.Store(t, st)
	t.Cleanup(func() {
		comuniStores.Delete(t)
		st.Close()
	})
	return st
}

// openComuneStore opens the server of Comune opts.Comune with dir as its
// data directory, on the tests' store.
func openComuneStore(t testing.TB, dir string, opts Options) (*Server, error) {
	t.Helper()
	if !comuniOnPostgres() {
		return Open(dir, opts)
	}
	st := comuniStore(t)
	if err := st.CreateTenant(context.Background(), opts.Comune); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return OpenStore(st.Tenant(opts.Comune), dir, opts)
}

// storeDump is every key and value of a Comune's store, bucket by bucket:
// two dumps are equal when nothing was written in between. On PostgreSQL
// it is the tenant's rows, read with SQL beside kv.
func storeDump(t *testing.T, s *Server) map[string]string {
	t.Helper()
	out := map[string]string{}
	if comuniOnPostgres() {
		rows, err := comuniStore(t).Pool().Query(context.Background(),
			`SELECT bucket, key, value FROM kv WHERE tenant = $1`, s.Comune())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var bucket, key, value []byte
			if err := rows.Scan(&bucket, &key, &value); err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprintf("%q/%q", bucket, key)] = fmt.Sprintf("%t %q", value == nil, value)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var walk func(prefix string, b *bolt.Bucket)
	walk = func(prefix string, b *bolt.Bucket) {
		_ = b.ForEach(func(k, v []byte) error {
			name := prefix + "/" + fmt.Sprintf("%q", k)
			if v == nil {
				walk(name, b.Bucket(k))
				return nil
			}
			out[name] = string(v)
			return nil
		})
	}
	err := s.bolt.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			walk(string(name), b)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// storeTenants are the tenants that have rows on PostgreSQL (nil on
// bbolt).
func storeTenants(t *testing.T) []string {
	t.Helper()
	if !comuniOnPostgres() {
		return nil
	}
	rows, err := comuniStore(t).Pool().Query(context.Background(), `SELECT DISTINCT tenant FROM kv ORDER BY tenant`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			t.Fatal(err)
		}
		out = append(out, code)
	}
	return out
}

// TestComuneOnAnotherTenant: on PostgreSQL a Comune's server refuses
// another tenant's key space (a command that opened the default tenant for
// -comune B002 would read and write the wrong Comune).
func TestComuneOnAnotherTenant(t *testing.T) {
	if !comuniOnPostgres() {
		t.Skip("PostgreSQL's tenants (MENSAKIOSK_TEST_STORE=postgres)")
	}
	st := comuniStore(t)
	if err := st.CreateTenant(context.Background(), "A001"); err != nil {
		t.Fatal(err)
	}
	_, err := OpenStore(st.Tenant("A001"), t.TempDir(), Options{Comune: "B002"})
	if err == nil || !strings.Contains(err.Error(), `tenant "A001"`) {
		t.Fatalf("B002 opened on A001's key space: %v", err)
	}
	s, err := OpenStore(st.Tenant("A001"), t.TempDir(), Options{Comune: "A001"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
