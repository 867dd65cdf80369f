package kvpg_test

import (
	"fmt"
	"strings"
	"testing"

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
			putInBucket(t, db, "k", "v")
			killer := connectionKiller(t, dsn)
			kill := func() {
				if _, err := killer(); err != nil {
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
