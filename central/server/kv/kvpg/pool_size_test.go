package kvpg_test

import (
	"context"
	"strings"
	"testing"

	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgtest"
)

// The pool is DefaultMaxConns unless the DSN or the options say otherwise:
// pgx's own default (4 on two cores) made pulls wait behind pushes.
func TestPoolSize(t *testing.T) {
	dsn := pgtest.NewDB(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, c := range []struct {
		name string
		dsn  string
		opts kvpg.Options
		want int32
	}{
		{"default", dsn, kvpg.Options{}, kvpg.DefaultMaxConns},
		{"dsn", dsn + sep + "pool_max_conns=3", kvpg.Options{}, 3},
		{"options", dsn + sep + "pool_max_conns=3", kvpg.Options{MaxConns: 5}, 5},
	} {
		st, err := kvpg.Open(context.Background(), c.dsn, c.opts)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := st.Pool().Config().MaxConns; got != c.want {
			t.Errorf("%s: pool of %d connections, want %d", c.name, got, c.want)
		}
		st.Close()
	}
}
