package kvpg_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
)

// TestDropTenant: dropping a tenant removes its rows and its entry, after
// counting them, and nothing of another tenant with the same keys; a
// tenant dropped is unknown (to TenantSize, to DropTenant, to a DB of it),
// and made again it starts empty. While another tenant's transaction holds
// the tables, the drop gives up (ErrTenantBusy) and removes nothing.
func TestDropTenant(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDSN(t), kvpg.Options{})
	a, b := tenant(t, s, "A001"), tenant(t, s, "B002")
	fill := func(db *kvpg.DB) {
		t.Helper()
		err := db.Update(func(tx kv.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("pupils"))
			if err != nil {
				return err
			}
			for _, k := range []string{"P1", "P2", "P3"} {
				if err := bk.Put([]byte(k), []byte(db.TenantCode())); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	fill(a)
	fill(b)
	part, n, err := s.TenantSize(ctx, "A001")
	if err != nil || n != 4 || part == "" { // the bucket's row and its 3 keys
		t.Fatalf("A's rows: %s %d %v", part, n, err)
	}

	// Busy: a transaction of B holds the tables; A stays.
	restore := kvpg.SetDropLockTimeout(200 * time.Millisecond)
	inside, done := make(chan struct{}), make(chan struct{})
	viewErr := make(chan error, 1)
	go func() {
		viewErr <- b.View(func(tx kv.Tx) error {
			tx.Bucket([]byte("pupils")).Get([]byte("P1"))
			close(inside)
			<-done
			return nil
		})
	}()
	<-inside
	_, err = s.DropTenant(ctx, "A001")
	close(done)
	restore()
	if !errors.Is(err, kvpg.ErrTenantBusy) {
		t.Fatalf("drop beside another tenant's transaction: %v", err)
	}
	if err := <-viewErr; err != nil {
		t.Fatal(err)
	}
	if _, n, err := s.TenantSize(ctx, "A001"); err != nil || n != 4 {
		t.Fatalf("A's rows after a drop that gave up: %d %v", n, err)
	}

	n, err = s.DropTenant(ctx, "A001")
	if err != nil || n != 4 {
		t.Fatalf("drop: %d rows, %v", n, err)
	}
	if codes, err := s.Tenants(ctx); err != nil || !slices.Equal(codes, []string{"B002"}) {
		t.Errorf("tenants after the drop: %v %v", codes, err)
	}
	if _, _, err := s.TenantSize(ctx, "A001"); !errors.Is(err, kvpg.ErrUnknownTenant) {
		t.Errorf("rows of a dropped tenant: %v", err)
	}
	if _, err := s.DropTenant(ctx, "A001"); !errors.Is(err, kvpg.ErrUnknownTenant) {
		t.Errorf("drop again: %v", err)
	}
	if err := s.Tenant("A001").View(func(kv.Tx) error { return nil }); !errors.Is(err, kvpg.ErrUnknownTenant) {
		t.Errorf("a new DB of the dropped tenant: %v", err)
	}
	// B: every key, its own values.
	err = b.View(func(tx kv.Tx) error {
		bk := tx.Bucket([]byte("pupils"))
		for _, k := range []string{"P1", "P2", "P3"} {
			if bk == nil || string(bk.Get([]byte(k))) != "B002" {
				t.Errorf("B's %s after A's drop", k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Made again: empty.
	a2 := tenant(t, s, "A001")
	err = a2.View(func(tx kv.Tx) error {
		if tx.Bucket([]byte("pupils")) != nil {
			t.Error("A made again has the dropped rows")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
