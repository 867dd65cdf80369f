package kvpg

import (
	"bytes"

	"mensakiosk/central/server/kv"
)

// qPaths reads named keys of several buckets (pairs of bucket path and key)
// and the nested buckets' names of the buckets named ($4), in one query.
// LATERAL makes each pair one lookup of the primary key (a join of the
// arrays could be planned as a scan of the tenant's whole partition).
const qPaths = `SELECT x.bucket, x.key, x.value FROM unnest($2::bytea[], $3::bytea[]) AS u(b, k)
	CROSS JOIN LATERAL (SELECT bucket, key, value FROM kv WHERE tenant = $1 AND bucket = u.b AND key = u.k) AS x
	UNION ALL
	SELECT y.bucket, y.key, y.value FROM unnest($4::bytea[]) AS m(b)
	CROSS JOIN LATERAL (SELECT bucket, key, value FROM kv WHERE tenant = $1 AND bucket = m.b AND value IS NULL) AS y`

var _ kv.TxPrefetcher = (*tx)(nil)

// PrefetchPaths implements kv.TxPrefetcher: the keys named that the
// transaction does not know yet, and the nested buckets' names of every
// bucket named (what a write to it checks), are read in one query into its
// read cache.
func (t *tx) PrefetchPaths(wants ...kv.Want) {
	if t.err != nil {
		return
	}
	var qb, qk, markers [][]byte
	var asked []*bstate
	type ask struct {
		st *bstate
		k  string
	}
	var asks []ask
	seenPath, seenKey := map[string]bool{}, map[string]bool{}
	for _, w := range wants {
		path := []byte{}
		for _, name := range w.Path {
			path = childPath(path, name)
		}
		st := t.state(path)
		if st.empty {
			continue // made in this transaction: the database has nothing under it
		}
		if !st.markers && !seenPath[string(path)] {
			seenPath[string(path)] = true
			markers = append(markers, st.path)
			asked = append(asked, st)
		}
		for _, k := range w.Keys {
			if len(k) == 0 {
				continue
			}
			if _, known := st.entries[string(k)]; known {
				continue
			}
			id := string(st.path) + "\x00\x02" + string(k) // a path ends 0x00 0x01: no clash
			if seenKey[id] {
				continue
			}
			seenKey[id] = true
			qb, qk = append(qb, st.path), append(qk, k)
			asks = append(asks, ask{st, string(k)})
		}
	}
	if len(qk) == 0 && len(markers) == 0 {
		return
	}
	if qb == nil {
		qb, qk = [][]byte{}, [][]byte{}
	}
	if markers == nil {
		markers = [][]byte{}
	}
	rows, err := t.pg.Query(t.ctx, qPaths, t.d.tenant, qb, qk, markers)
	if err != nil {
		t.fail(err)
		return
	}
	type found struct{ b, k, v []byte }
	var got []found
	func() {
		defer rows.Close()
		for rows.Next() {
			var b, k, v []byte
			if err = rows.Scan(&b, &k, &v); err != nil {
				return
			}
			got = append(got, found{b, k, v}) // Scan into []byte copies
		}
		err = rows.Err()
	}()
	if err != nil {
		t.fail(err)
		return
	}
	for _, a := range asks {
		a.st.entries[a.k] = entry{} // absent, unless found
	}
	for _, f := range got {
		st := t.buckets[string(f.b)]
		if st == nil || !bytes.Equal(st.path, f.b) {
			continue
		}
		if e, ok := st.entries[string(f.k)]; ok && (e.dirty || e.kind != kAbsent) {
			continue // the transaction's own state, or already read
		}
		if f.v == nil {
			st.entries[string(f.k)] = entry{kind: kBucket}
		} else {
			st.entries[string(f.k)] = entry{kind: kValue, val: f.v}
		}
	}
	for _, st := range asked {
		st.markers = true
	}
}
