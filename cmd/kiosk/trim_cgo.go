//go:build cgo && linux

package main

/*
#include <malloc.h>
*/
import "C"

// trimCHeap gives the C heap's free pages back to the system: Mesa's
// software renderer frees textures of dropped views into glibc's malloc,
// which keeps them otherwise.
func trimCHeap() { C.malloc_trim(0) }
