package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgstore"
	"mensakiosk/internal/pgtest"
)

// TestImportOfStaffPINsIsNotIdleInItsTransaction: on PostgreSQL a
// transaction that sends nothing for Options.TxIdleTimeout is ended by the
// database (kvpg/tx_timeout.go). An import's staff PINs are bcrypt hashes
// (about 50 ms each at the default cost), and the import's reads come from
// memory (import_prefetch.go): hashed or verified inside the transaction,
// a few dozen staff kept it idle past the bound and the import failed,
// every time. They are hashed before the transaction opens, as the access
// codes are: the first import, a re-import of the same PINs (the stored
// hashes kept) and one with a PIN changed all succeed within a bound much
// shorter than their hashing.
func TestImportOfStaffPINsIsNotIdleInItsTransaction(t *testing.T) {
	old := pinhash.Cost
	pinhash.Cost = pinhash.DefaultCost
	t.Cleanup(func() { pinhash.Cost = old })
	// A bound a busy machine does not reach between two statements of a
	// working transaction, and enough staff that their hashing, one after
	// the other, outlasts it three times over on this machine.
	const idle = time.Second
	start := time.Now()
	if _, err := pinhash.Hash("1234"); err != nil {
		t.Fatal(err)
	}
	n := max(16, min(400, int(3*idle/max(time.Since(start), time.Millisecond))+1))

	dsn := pgtest.NewDBFrom(t, pgtest.Template(t, "kv", pgstore.Migrate))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := pgstore.OpenTenant(ctx, dsn, pgstore.DefaultTenant, kvpg.Options{TxIdleTimeout: idle})
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(db, t.TempDir(), Options{})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	defer s.Close()

	staff := func(changed int) ImportData {
		var d ImportData
		for i := range n {
			pin := fmt.Sprintf("%04d", 1000+i)
			if i == changed {
				pin = "98765"
			}
			d.Staff = append(d.Staff, ImportStaff{ID: fmt.Sprintf("S%02d", i), Name: fmt.Sprintf("Staff %d", i), Role: app.StaffCanteen, PIN: pin})
		}
		return d
	}
	hashes := func() map[string]string {
		m := map[string]string{}
		for i := range n {
			id := fmt.Sprintf("S%02d", i)
			st, ok, err := s.staffRecord(id)
			if err != nil || !ok {
				t.Fatalf("staff %s: %v %v", id, ok, err)
			}
			m[id] = st.PINHash
		}
		return m
	}

	if st, err := s.Import(staff(-1)); err != nil || st.Inserted != n {
		t.Fatalf("first import of %d staff PINs: %v %v", n, st, err)
	}
	first := hashes()
	for id, h := range first {
		if h == "" {
			t.Errorf("staff %s: no PIN hash", id)
		}
	}
	if st, err := s.Import(staff(-1)); err != nil || st.Unchanged != n {
		t.Fatalf("re-import of the same PINs: %v %v", st, err)
	}
	if again := hashes(); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Errorf("the same PINs re-imported changed their stored hashes")
	}
	if st, err := s.Import(staff(3)); err != nil || st.Updated != 1 || st.Unchanged != n-1 {
		t.Fatalf("import with one PIN changed: %v %v", st, err)
	}
	after := hashes()
	for id, h := range after {
		if (id == "S03") == (h == first[id]) {
			t.Errorf("staff %s: hash %q, before %q", id, h, first[id])
		}
	}
	if !pinhash.Verify(after["S03"], "98765") {
		t.Error("the changed PIN does not verify")
	}
}

// staffRecord reads a stored staff member.
func (s *Server) staffRecord(id string) (st app.Staff, ok bool, err error) {
	err = s.db.View(func(tx kv.Tx) error {
		st, ok, err = getJSON[app.Staff](tx, app.KindStaff, id)
		return err
	})
	return st, ok, err
}
