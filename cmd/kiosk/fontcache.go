package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"fyne.io/fyne/v2"
)

// Fyne 2.7 keeps the parsed font faces of each theme-override scope in a
// cache that is never trimmed, and a ThemeOverride container takes a new
// scope each time it is refreshed: every screen change under one parses
// the fonts again (the text font, the emoji font, the system's fallback:
// megabytes) and keeps them. On the kiosk that was nearly all of its Go
// heap, growing with every tap and every counter session. It also keeps
// every text, image and rectangle an override ever themed in a map it
// never empties (only widgets leave it), which this purge cannot reach.
// The canteen (menu board included), the counter's sessions and the staff
// lists no longer make scopes (ui's TestCanteenMakesNoThemeScopes,
// TestCounterSessionMakesNoThemeScopes: the family view's tabs take one
// per family; TestStaffRowsMakeNoThemeScopes); staff mode's title and
// settings page, counterDense around widgets other than labels and the
// demo panel still do, and this purge bounds their fonts. Setting the
// theme again is the public way to empty that cache: Fyne then reloads
// only the faces of what is on screen. The kiosk does it when its heap has
// grown by purgeGrowth since the last time, and only while nobody is at
// the reader, so a tap never waits for it.
const (
	purgeGrowth = 24 << 20
	purgeQuiet  = 5 * time.Second
	purgeEvery  = 2 * time.Second
	// releaseEvery: the kiosk also gives free memory back to the system
	// (releaseMemory) at the first quiet moment after badges, and every
	// releaseEvery while quiet: Fyne drops textures and renderers a while
	// after they were last drawn (the kiosk's FYNE_CACHE: locale_cgo.go).
	releaseEvery = 30 * time.Second
)

// releaseMemory gives back to the system what the Go runtime and the C
// heap hold free: the Go heap's free pages (after a collection) and what
// glibc's malloc kept of the textures Fyne dropped (Mesa's software
// renderer allocates them there). Neither would go back soon by itself:
// the Go runtime returns pages a few at a time, and malloc keeps freed
// memory below the top of its arenas for good.
func releaseMemory() {
	debug.FreeOSMemory()
	trimCHeap()
}

// liveHeap is the Go heap's live bytes at the last collection.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// fontCacheLoop empties Fyne's font cache when the heap has grown and the
// kiosk is quiet, until the kiosk stops.
func (k *kioskWindow) fontCacheLoop() {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	base := liveHeap()
	released, releasedAfter := time.Now(), k.lastBadge.Load()
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-k.closed:
			return
		case <-t.C:
		}
		badge := k.lastBadge.Load()
		if time.Since(time.Unix(0, badge)) < purgeQuiet {
			continue
		}
		live := liveHeap()
		if live < base+purgeGrowth {
			if badge != releasedAfter || time.Since(released) >= releaseEvery {
				releaseMemory()
				released, releasedAfter = time.Now(), badge
			}
			continue
		}
		start := time.Now()
		done := make(chan struct{})
		fyne.Do(func() {
			defer close(done)
			s := k.a.Settings()
			s.SetTheme(s.Theme())
		})
		select {
		case <-done:
		case <-k.closed:
			return
		}
		releaseMemory()
		// The base is the heap once the screen has been drawn again with
		// the fonts it needs. Taken right after the purge, before the
		// repaint parsed them again, it made every quiet moment look like
		// growth, and the kiosk purged (and parsed every font of the
		// screen anew) at each pause between classes.
		select {
		case <-time.After(purgeEvery):
		case <-k.ctx.Done():
			return
		case <-k.closed:
			return
		}
		runtime.GC()
		base = liveHeap()
		released, releasedAfter = time.Now(), k.lastBadge.Load()
		k.log.Debug("toolkit font cache emptied", "live_heap_before_mib", live>>20, "after_mib", base>>20, "ms", time.Since(start).Milliseconds())
	}
}
