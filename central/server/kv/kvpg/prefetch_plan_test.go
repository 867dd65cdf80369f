package kvpg_test

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"mensakiosk/central/server/kv/kvpg"
)

// TestPrefetchPlanLooksUpEachKey: Bucket.Prefetch's statement never tests
// the rows of a bucket against its list of keys, whatever the statistics
// say. Right after a bulk import (no statistics yet) and with the plan
// cached for any list (a generic plan, which PostgreSQL picks by itself
// from a statement's sixth run), "key = ANY($3)" was planned as a scan of
// the bucket filtering each row through the list: rows × keys comparisons,
// over a minute for 30,000 keys of a Comune's change log.
func TestPrefetchPlanLooksUpEachKey(t *testing.T) {
	ctx := context.Background()
	dsn := newDSN(t)
	tenant(t, open(t, dsn, kvpg.Options{}), "bulk")
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	bucket := kvpg.TopPath([]byte("changes"))
	// A bulk load, as a first import's: no ANALYZE after it.
	if _, err := conn.Exec(ctx, `INSERT INTO kv (tenant, bucket, key, value)
		SELECT 'bulk', $1, int8send(g), convert_to(repeat('x', 200), 'UTF8') FROM generate_series(1, 20000) g`, bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	keys := make([][]byte, 0, 3000)
	for i := range 3000 {
		keys = append(keys, binary.BigEndian.AppendUint64(nil, uint64(i*5+1)))
	}
	if _, err := conn.Exec(ctx, `PREPARE many (text, bytea, bytea[]) AS `+kvpg.QMany); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `EXPLAIN EXECUTE many('bulk', $1, $2)`, pgx.QueryExecModeSimpleProtocol, bucket, keys)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, line := range plan {
		if strings.Contains(line, "Filter:") && strings.Contains(line, "ANY") {
			t.Fatalf("the rows are filtered through the list of keys:\n%s", strings.Join(plan, "\n"))
		}
	}
	// And it answers: the keys there, not those absent.
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (`+kvpg.QMany+`) AS x`, "bulk", bucket,
		append(keys[:10:10], []byte("absent"))).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Fatalf("%d rows for 10 keys there and one absent", n)
	}
}
