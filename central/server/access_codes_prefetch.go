package server

import (
	"mensakiosk/app"
	"mensakiosk/central/server/kv"
)

// Before an import's write transaction, prepareAccessCodes looks up, for
// each account that carries an access code, its record (the kind index,
// then the change log) and its fingerprint: three Gets an account, on
// PostgreSQL a round trip each, 90,000 for a Comune of 30,000 families
// (an unchanged re-import spent most of its 10 s there). On a store that
// reads named keys at once (kvpg) they are named first, a query a bucket:
// the index entries, the fingerprints, then the change log entries the
// index names (four round trips with the buckets' names). Nothing is done
// on bbolt.

// prefetchAccessCodes names the keys prepareAccessCodes will read for the
// accounts of d that carry an access code.
func prefetchAccessCodes(tx kv.Tx, d *ImportData) {
	if !kv.CanPrefetch(tx) {
		return // bbolt: not even the lists are made
	}
	ids := make([][]byte, 0, len(d.AccessCodes))
	for _, a := range d.Accounts {
		if _, ok := d.AccessCodes[a.ID]; ok && a.AccessHash == "" {
			ids = append(ids, []byte(a.ID))
		}
	}
	if len(ids) == 0 {
		return
	}
	idxName := kindIndex[app.KindAccount]
	kv.PrefetchPaths(tx, kv.Want{Keys: [][]byte{idxName, bChanges, bAccessFP}})
	idx := tx.Bucket(idxName)
	if idx == nil {
		return // no account yet: nothing more to read
	}
	kv.Prefetch(idx, ids...)
	if fp := tx.Bucket(bAccessFP); fp != nil {
		kv.Prefetch(fp, ids...)
	}
	revs := make([][]byte, 0, len(ids))
	for _, id := range ids {
		if rev := idx.Get(id); rev != nil {
			revs = append(revs, rev)
		}
	}
	if ch := tx.Bucket(bChanges); ch != nil {
		kv.Prefetch(ch, revs...)
	}
}
