package server

import "testing"

// benchStore opens a fresh server on one store for a benchmark.
type benchStore struct {
	name string
	open func(b *testing.B) *Server
}

// benchStores are the stores the store benchmarks run on.
func benchStores() []benchStore {
	return []benchStore{{"bbolt", func(b *testing.B) *Server {
		s, err := Open(b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}}}
}
