package kvpg_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
)

// TestGroupCommitErrorOnTheCommitItself: a group whose COMMIT is refused
// (here by a deferred constraint trigger that rejects key "boom").
// A refusal of class 23 (integrity) says nothing was committed: each
// member runs again alone, and only the one writing "boom" fails. Any
// other error on the COMMIT could have come after the commit was made:
// the outcome is unknown, so no member runs again (it might be applied
// twice) and each caller gets the error.
func TestGroupCommitErrorOnTheCommitItself(t *testing.T) {
	for _, tc := range []struct {
		code  string
		alone bool
	}{{"23514", true}, {"XX000", false}} {
		t.Run(tc.code, func(t *testing.T) {
			dsn := newDSN(t)
			db := tenant(t, open(t, dsn, kvpg.Options{}), "g")
			if err := db.Update(func(tx kv.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			for _, q := range []string{
				fmt.Sprintf(`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.key = 'boom'::bytea THEN
		RAISE EXCEPTION 'boom refused at commit' USING ERRCODE = '%s';
	END IF;
	RETURN NULL;
END $$`, tc.code),
				`CREATE CONSTRAINT TRIGGER refuse_boom AFTER INSERT OR UPDATE ON kv
				 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_boom()`,
			} {
				if _, err := conn.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}

			errs := queueInOrder(t, db, []func(kv.Tx) error{put("0"), put("boom"), put("2")})
			keys := bucketKeys(t, db)
			var pe *pgconn.PgError
			if !errors.As(errs[1], &pe) || pe.Code != tc.code {
				t.Errorf("the Update writing boom: %v, want PostgreSQL's %s", errs[1], tc.code)
			}
			if _, ok := keys["boom"]; ok {
				t.Error("boom written")
			}
			for _, i := range []int{0, 2} {
				k := fmt.Sprint(i)
				_, written := keys[k]
				switch {
				case tc.alone && (errs[i] != nil || !written):
					t.Errorf("update %d, run again alone: %v, written %v", i, errs[i], written)
				case !tc.alone && (!errors.As(errs[i], &pe) || pe.Code != tc.code || written):
					t.Errorf("update %d, outcome unknown: %v, written %v; want the COMMIT's error and not run again", i, errs[i], written)
				}
			}
		})
	}
}
