// Package nulkey makes the composite keys of the two bbolt-shaped stores
// (the kiosk's storage and the reference server's): parts joined with NUL
// bytes, which no id contains (validation refuses it), so that a prefix
// scan of one part's keys never reaches another's.
package nulkey

// Join joins parts with NUL bytes, in one allocation.
func Join(parts ...string) []byte {
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}
