package server

import "mensakiosk/central/server/kv"

// Reading ahead on kvpg (kv.PrefetchPaths): the keys a request will read,
// named before it reads them, come in one query instead of one each (a
// top-level bucket's name is a key too). Nothing is done on bbolt. See
// push_prefetch.go for a push's.

// prefetchIn names keys of the top-level bucket b (and b itself).
func prefetchIn(tx kv.Tx, b []byte, keys ...[]byte) {
	if !kv.CanPrefetch(tx) {
		return // bbolt: not even the lists are made
	}
	kv.PrefetchPaths(tx, kv.Want{Keys: [][]byte{b}}, kv.Want{Path: [][]byte{b}, Keys: keys})
}

// prefetchPull names what every pull reads whatever it sends: the head
// and the live count, the database id, the kiosk's state. An empty pull
// (the most frequent request: every kiosk every 30 s) then reads nothing
// more.
func prefetchPull(tx kv.Tx, kioskID string) {
	if !kv.CanPrefetch(tx) {
		return
	}
	kv.PrefetchPaths(tx,
		kv.Want{Keys: [][]byte{bMeta, bChanges, bKiosks}},
		kv.Want{Path: [][]byte{bMeta}, Keys: [][]byte{kHead, kLive, kDBID}},
		kv.Want{Path: [][]byte{bKiosks}, Keys: [][]byte{[]byte(kioskID)}})
}
