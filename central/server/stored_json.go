package server

import (
	"encoding/json"
	"fmt"

	"mensakiosk/central/server/kv"
)

// forEachStored decodes each value of b as a T and calls fn with its key
// and it, in key order. A value that does not decode fails the walk:
// what names the record, a format taking the key (with %s or %q).
func forEachStored[T any](b kv.Bucket, what string, fn func(k []byte, v T) error) error {
	return b.ForEach(func(k, v []byte) error {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf(what+": %w", k, err)
		}
		return fn(k, x)
	})
}
