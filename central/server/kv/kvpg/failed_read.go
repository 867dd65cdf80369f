package kvpg

import "mensakiosk/central/server/kv"

// runFn runs a transaction's fn. A panic while the transaction holds a
// failure is that failure: after a failed read (a lost connection, a
// serialization failure met by a query) Bucket answers nil even for a
// bucket that exists, and the server's rules take their buckets for
// granted; without this, such a failure ended in a panic (an HTTP 500)
// instead of View or Update returning it, or Update running fn again.
func runFn(t *tx, fn func(kv.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if t.err == nil {
				panic(p)
			}
			err = t.err
		}
	}()
	return fn(t)
}
