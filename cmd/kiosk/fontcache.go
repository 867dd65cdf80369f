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
// heap, growing with every tap and every counter session. The canteen and
// counter screens no longer use overrides (ui's TestCanteenMakesNoThemeScopes
// and TestCounterSessionMakesNoThemeScopes); staff pages and the demo
// panel still do, and this purge still bounds what they leave. Setting the
// theme again is the public way to empty that cache: Fyne then reloads
// only the faces of what is on screen. The kiosk does it when its heap has
// grown by purgeGrowth since the last time, and only while nobody is at
// the reader, so a tap never waits for it.
const (
	purgeGrowth = 24 << 20
	purgeQuiet  = 5 * time.Second
	purgeEvery  = 2 * time.Second
)

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
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-k.closed:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, k.lastBadge.Load())) < purgeQuiet {
			continue
		}
		live := liveHeap()
		if live < base+purgeGrowth {
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
		runtime.GC()
		debug.FreeOSMemory()
		trimCHeap()
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
		k.log.Debug("toolkit font cache emptied", "live_heap_before_mib", live>>20, "after_mib", base>>20, "ms", time.Since(start).Milliseconds())
	}
}
