//go:build !cgo || !linux

package main

// trimCHeap: without cgo there is no C heap to trim.
func trimCHeap() {}

// cHeapStats: without cgo there is no C heap.
//
//lint:ignore U1000 the e2ehook test hook's memstats reads it
func cHeapStats() (inUse, free, mapped uint64) { return 0, 0, 0 }
