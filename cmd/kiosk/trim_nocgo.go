//go:build !cgo || !linux

package main

// trimCHeap: without cgo there is no C heap to trim.
func trimCHeap() {}
