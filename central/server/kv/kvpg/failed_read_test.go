package kvpg_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
)

// TestBucketAfterAFailedReadIsTheFailure: once a transaction's connection
// is lost, Bucket answers nil for a bucket that exists; code that takes
// the bucket for granted (the server's rules do) panics on it. View and
// Update return the connection's failure instead of panicking, with the
// defaults and with optimistic Updates.
func TestBucketAfterAFailedReadIsTheFailure(t *testing.T) {
	for _, opts := range []kvpg.Options{{}, {OptimisticWrites: true}} {
		t.Run(fmt.Sprintf("OptimisticWrites=%v", opts.OptimisticWrites), func(t *testing.T) {
			dsn := newDSN(t)
			db := tenant(t, open(t, dsn, opts), "k")
			if err := db.Update(func(tx kv.Tx) error {
				b, err := tx.CreateBucket([]byte("b"))
				if err != nil {
					return err
				}
				return b.Put([]byte("k"), []byte("v"))
			}); err != nil {
				t.Fatal(err)
			}
			admin, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close(context.Background())
			kill := func() {
				if _, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle in transaction'`); err != nil {
					t.Error(err)
				}
			}
			for name, run := range map[string]func(func(kv.Tx) error) error{"View": db.View, "Update": db.Update} {
				err := func() (err error) {
					defer func() {
						if p := recover(); p != nil {
							err = fmt.Errorf("panicked: %v", p)
						}
					}()
					return run(func(tx kv.Tx) error {
						kill()
						tx.Bucket([]byte("b")).Get([]byte("k")) // nil: a nil pointer's method
						return nil
					})
				}()
				if err == nil || strings.HasPrefix(err.Error(), "panicked:") {
					t.Errorf("%s with its connection lost: %v, want the connection's failure", name, err)
				}
			}
		})
	}
}
