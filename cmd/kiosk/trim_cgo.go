//go:build cgo && linux

package main

/*
#include <malloc.h>

// Mesa's software renderer keeps each texture (every run of text drawn,
// every image) in a malloc'd buffer of tens to hundreds of kilobytes,
// freed when Fyne drops the texture a minute after it was last drawn.
// glibc serves a buffer that large with mmap at first, but raises its mmap
// threshold to the size of every such buffer freed, so that soon the
// buffers come from the heap's arenas instead, where freed ones leave
// holes that are not given back to the system: the kiosk's anonymous
// memory grew with every tap. A fixed threshold turns that adjustment
// off: buffers of mkMmapThreshold and more are mapped and unmapped, and
// their memory goes back to the system when the texture is dropped.
// The constructor runs before any library allocates.
enum { mkMmapThreshold = 64 * 1024 };

__attribute__((constructor)) static void mk_malloc_tuning(void) {
	mallopt(M_MMAP_THRESHOLD, mkMmapThreshold);
}

static size_t mk_heap_in_use(void) { struct mallinfo2 m = mallinfo2(); return m.uordblks + m.hblkhd; }
static size_t mk_heap_free(void) { struct mallinfo2 m = mallinfo2(); return m.fordblks; }
static size_t mk_heap_mapped(void) { struct mallinfo2 m = mallinfo2(); return m.hblkhd; }
*/
import "C"

// trimCHeap gives the C heap's free pages back to the system: Mesa's
// software renderer frees textures of dropped views into glibc's malloc,
// which keeps them otherwise.
func trimCHeap() { C.malloc_trim(0) }

// cHeapStats is glibc's account of the C heap (all arenas): bytes in use
// (mapped blocks included), free but kept, and in mapped blocks.
func cHeapStats() (inUse, free, mapped uint64) {
	return uint64(C.mk_heap_in_use()), uint64(C.mk_heap_free()), uint64(C.mk_heap_mapped())
}
