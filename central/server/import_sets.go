package server

import "mensakiosk/central/server/kv"

// The import's set buckets (bFamily: account → pupils, bRefs: pupil →
// badges and bookings) hold keys with empty values. Each imported pupil,
// badge and booking names its key; an unchanged re-import of a Comune
// names 110,000 keys that are all there already. Writing them again costs
// nothing visible on bbolt but, on PostgreSQL, an upsert of every row
// (new row versions, their WAL and their indexes' entries): most of an
// unchanged re-import's time once the reads were prefetched. putMember
// therefore writes only a key that is not there; on PostgreSQL the import
// reads these buckets whole at their first Get (import_prefetch.go), so
// the check costs no round trip.

// putMember adds k to the set bucket b unless it is there already.
func putMember(b kv.Bucket, k []byte) error {
	if v := b.Get(k); v != nil && len(v) == 0 {
		return nil
	}
	return b.Put(k, nil)
}
