package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
)

// The Go runtime's defaults suit a server: the heap may grow to twice what
// is live before the collector runs (GOGC=100), and with no limit the
// runtime keeps what it once took. The kiosk's live heap is small (about
// 10–20 MiB, most of it the toolkit's parsed fonts), it runs for months on
// small boards, and a collection more often costs it nothing a pupil would
// notice. So the kiosk collects at half its live heap's growth and keeps a
// soft limit on all the memory the Go runtime holds; near the limit the
// collector works harder and gives pages back to the system sooner. The
// limit is soft: a kiosk whose live heap needs more (a first sync of a
// very large Comune) goes above it, at some extra collector work, and
// comes back under it afterwards.
//
// Both are the Go runtime's own settings: GOGC and GOMEMLIMIT in the
// kiosk's environment (the systemd unit's Environment=) replace these
// defaults, e.g. GOMEMLIMIT=off to drop the limit.
const (
	kioskGOGC        = 50
	kioskMemoryLimit = 64 << 20
)

// tuneGoMemory sets the kiosk's collector defaults unless the environment
// sets them.
func tuneGoMemory(log *slog.Logger) {
	gogc, limit := os.Getenv("GOGC"), os.Getenv("GOMEMLIMIT")
	if gogc == "" {
		debug.SetGCPercent(kioskGOGC)
		gogc = strconv.Itoa(kioskGOGC)
	}
	if limit == "" {
		debug.SetMemoryLimit(kioskMemoryLimit)
	}
	// SetMemoryLimit with a negative value only reads it.
	log.Info("go memory", "gogc", gogc, "memory_limit_mib", debug.SetMemoryLimit(-1)>>20, "emoji_font", emojiFont)
}
