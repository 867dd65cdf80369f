package kv

// Want names keys of one bucket for PrefetchPaths: Path is the bucket's
// names from the top (empty: the top level, whose keys are the top-level
// buckets' names); Keys are the keys about to be read in it.
type Want struct {
	Path [][]byte
	Keys [][]byte
}

// TxPrefetcher is a Tx that can read the keys of several buckets at once,
// nested buckets whose parents are not read yet included. On kvpg the Gets
// of the keys named then cost nothing, and the writes to the buckets named
// need no read of their nested buckets' names: what a request reads from
// ten buckets is one query instead of ten or more. It changes no result; a
// bucket named that does not exist is no error.
type TxPrefetcher interface {
	PrefetchPaths(wants ...Want)
}

// PrefetchPaths tells tx that the keys of wants are about to be read, when
// tx can use it (kvpg: one query); it does nothing on a store whose reads
// are memory (kvbolt).
func PrefetchPaths(tx Tx, wants ...Want) {
	if p, ok := tx.(TxPrefetcher); ok {
		p.PrefetchPaths(wants...)
	}
}

// CanPrefetch tells whether tx reads named keys at once (PrefetchPaths):
// a caller may skip working out the keys on a store where it would not.
func CanPrefetch(tx Tx) bool {
	_, ok := tx.(TxPrefetcher)
	return ok
}
