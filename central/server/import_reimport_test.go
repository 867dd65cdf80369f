package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central/server/kv"
)

// reimportRoster is a Comune of 300 pupils in 200 families, each family
// with an access code, every pupil with a badge, one in five with a
// booking.
func reimportRoster() ImportData {
	d := comuneRoster(300, 200)
	d.AccessCodes = map[app.AccountID]string{}
	for i, a := range d.Accounts {
		d.AccessCodes[a.ID] = fmt.Sprintf("%010d", 7_000_000_000+i*7919)
	}
	return d
}

// openReimported is a server on the tests' store with reimportRoster
// imported once.
func openReimported(t *testing.T) (*Server, ImportData) {
	t.Helper()
	s, err := openTest(t, t.TempDir(), Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d := reimportRoster()
	if st, err := s.Import(d); err != nil || st.Inserted == 0 {
		t.Fatalf("first import: %+v, %v", st, err)
	}
	return s, d
}

// TestUnchangedReimportRewritesNothing: importing the same roster again
// changes nothing, and writes nothing either: on bbolt no more pages than
// a transaction that writes nothing; on PostgreSQL no row written again
// (each row's xmin, the transaction that wrote it, is the first
// import's). The family and pupil → badge/booking sets used to be written
// again whole (110,000 rows for a Comune: most of a re-import's time on
// PostgreSQL).
func TestUnchangedReimportRewritesNothing(t *testing.T) {
	s, d := openReimported(t)
	var before map[string]string
	switch {
	case testOnPostgres():
		before = pgRowVersions(t, s)
	case s.bolt != nil:
		// The baseline: a transaction that writes nothing (its meta page
		// and freelist).
		w0 := boltPageWrites(s)
		if err := s.db.Update(func(kv.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		empty := boltPageWrites(s) - w0
		defer func(w0 int64) {
			if n := boltPageWrites(s) - w0; n > empty {
				t.Errorf("the unchanged re-import wrote %d pages, a transaction writing nothing %d", n, empty)
			}
		}(boltPageWrites(s))
	}
	st, err := s.Import(d)
	if err != nil {
		t.Fatal(err)
	}
	if st.Inserted+st.Updated+st.Deleted != 0 || st.Unchanged == 0 {
		t.Fatalf("re-import: %+v, want all unchanged", st)
	}
	if before != nil {
		after := pgRowVersions(t, s)
		rewritten := 0
		for k, v := range after {
			if before[k] != v {
				rewritten++
			}
		}
		if rewritten != 0 || len(after) != len(before) {
			t.Fatalf("the unchanged re-import wrote %d of %d rows again (rows %d → %d)", rewritten, len(after), len(before), len(after))
		}
	}
}

// boltPageWrites is the pages s's bbolt file had written so far.
func boltPageWrites(s *Server) int64 {
	st := s.bolt.Stats()
	return st.TxStats.GetWrite()
}

// pgRowVersions is every row of s's database, bucket and key → xmin.
func pgRowVersions(t *testing.T, s *Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgDSNFor(t, s.dataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT bucket, key, xmin::text FROM kv`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for rows.Next() {
		var b, k []byte
		var x string
		if err := rows.Scan(&b, &k, &x); err != nil {
			t.Fatal(err)
		}
		out[string(b)+"\x00\x02"+string(k)] = x
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReimportRoundTripsDoNotGrowWithFamilies: on PostgreSQL, an import's
// reads are named ahead (access_codes_prefetch.go) or read whole
// (import_prefetch.go): re-importing 200 families with their access codes
// takes far fewer round trips than there are families. Looking up each
// family's record and code fingerprint before the write transaction took
// three round trips a family (90,000 for a Comune).
func TestReimportRoundTripsDoNotGrowWithFamilies(t *testing.T) {
	if !testOnPostgres() {
		t.Skip("PostgreSQL only: bbolt's reads make no round trips")
	}
	s, d := openReimported(t)
	rt, ok := s.db.(interface{ RoundTrips() int64 })
	if !ok {
		t.Fatalf("store %T counts no round trips", s.db)
	}
	for _, name := range []string{"unchanged", "one code changed"} {
		if name != "unchanged" {
			d.AccessCodes[d.Accounts[7].ID] = "1234567890"
		}
		r0 := rt.RoundTrips()
		if _, err := s.Import(d); err != nil {
			t.Fatal(err)
		}
		if n := rt.RoundTrips() - r0; n >= int64(len(d.Accounts))/2 {
			t.Errorf("%s re-import of %d families: %d round trips", name, len(d.Accounts), n)
		} else {
			t.Logf("%s re-import of %d families: %d round trips", name, len(d.Accounts), n)
		}
	}
}
