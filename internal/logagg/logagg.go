// Package logagg bounds the log volume of warnings a stranger can trigger
// (bad requests, bad tokens, garbage from a serial reader): instead of one
// line per event it writes at most one line per interval, with the count of
// each reason and the first few examples.
//
// Use one Aggregator per kind of noise:
//
//	agg := logagg.New(log, time.Minute, 3, logagg.WithMessage("rejected requests"))
//	defer agg.Close()
//	agg.Add("bad_token", r.URL.Path)
//
// The first Add of a quiet period opens a window; the window's line is
// written when the interval has passed (by a timer, or by the next Add),
// or at Flush/Close. Nothing is dropped: every Add is counted in some line.
// Reasons should come from a fixed set chosen by the caller; past
// MaxReasons distinct reasons in one window, further ones are counted under
// "other". Examples are cut to MaxExampleBytes and control, format (bidi)
// and invalid UTF-8 characters are escaped, so a line's size is bounded
// whatever a stranger sends.
package logagg

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	// MaxReasons is the number of distinct reasons one line names; the
	// rest are counted under OtherReason.
	MaxReasons = 32
	// OtherReason collects reasons past MaxReasons.
	OtherReason = "other"
	// MaxExampleBytes bounds one example (after escaping).
	MaxExampleBytes = 160
)

// Clock is what the aggregator needs of time; tests inject a fake one.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once after d, in its own goroutine; the returned
	// function cancels it.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Option changes an Aggregator's defaults.
type Option func(*Aggregator)

// WithClock replaces the wall clock and its timers (tests).
func WithClock(c Clock) Option { return func(a *Aggregator) { a.clock = c } }

// WithMessage sets the line's message (default "repeated warnings").
func WithMessage(msg string) Option { return func(a *Aggregator) { a.msg = msg } }

// WithLevel sets the line's level (default WARN).
func WithLevel(l slog.Level) Option { return func(a *Aggregator) { a.level = l } }

// Aggregator counts events by reason and logs them at most once per
// interval. It is safe for concurrent use.
type Aggregator struct {
	log      *slog.Logger
	interval time.Duration
	examples int
	clock    Clock
	msg      string
	level    slog.Level

	mu       sync.Mutex
	start    time.Time // the open window's start; zero when none is open
	counts   map[string]int64
	total    int64
	samples  []string
	stop     func() bool
	closed   bool
	lastEmit time.Time
}

// New returns an aggregator writing to logger at most one line per
// interval, with up to examples examples per line.
func New(logger *slog.Logger, interval time.Duration, examples int, opts ...Option) *Aggregator {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if interval <= 0 {
		interval = time.Minute
	}
	if examples < 0 {
		examples = 0
	}
	a := &Aggregator{log: logger, interval: interval, examples: examples, clock: realClock{},
		msg: "repeated warnings", level: slog.LevelWarn, counts: map[string]int64{}}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Add counts one event of the given reason; example (what the stranger
// sent, a path, a fragment) is kept if it is among the window's first few.
func (a *Aggregator) Add(reason, example string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	if !a.start.IsZero() && !now.Before(a.start.Add(a.interval)) {
		a.emitLocked(now)
	}
	if a.start.IsZero() {
		a.start = now
		// A window opens no earlier than one interval after the last
		// line, so lines stay one interval apart.
		if !a.lastEmit.IsZero() && a.start.Before(a.lastEmit) {
			a.start = a.lastEmit
		}
		if !a.closed {
			a.stop = a.clock.AfterFunc(a.start.Add(a.interval).Sub(now), a.tick)
		}
	}
	reason = Escape(reason, 48)
	if _, ok := a.counts[reason]; !ok && len(a.counts) >= MaxReasons {
		reason = OtherReason
	}
	a.counts[reason]++
	a.total++
	if len(a.samples) < a.examples {
		a.samples = append(a.samples, reason+": "+Escape(example, MaxExampleBytes))
	}
}

// tick is the timer's end of a window.
func (a *Aggregator) tick() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.start.IsZero() {
		return
	}
	now := a.clock.Now()
	if now.Before(a.start.Add(a.interval)) {
		if !a.closed {
			a.stop = a.clock.AfterFunc(a.start.Add(a.interval).Sub(now), a.tick)
		}
		return
	}
	a.emitLocked(now)
}

// Flush writes the open window's line now, if anything was counted.
func (a *Aggregator) Flush() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.start.IsZero() {
		a.emitLocked(a.clock.Now())
	}
}

// Close flushes and stops the timer; later Adds are still counted and
// written by a later Add or Flush.
func (a *Aggregator) Close() error {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.Flush()
	return nil
}

// Pending is the number of events counted but not yet written.
func (a *Aggregator) Pending() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.total
}

func (a *Aggregator) emitLocked(now time.Time) {
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
	if a.total > 0 {
		reasons := make([]string, 0, len(a.counts))
		for r := range a.counts {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		counts := make([]any, 0, len(reasons))
		for _, r := range reasons {
			counts = append(counts, slog.Int64(r, a.counts[r]))
		}
		a.log.Log(context.Background(), a.level, a.msg,
			slog.Int64("count", a.total),
			slog.Group("by_reason", counts...),
			slog.Any("examples", a.samples),
			slog.Time("since", a.start),
			slog.Float64("interval_s", a.interval.Seconds()))
		a.lastEmit = now
	}
	a.start = time.Time{}
	a.counts = map[string]int64{}
	a.total = 0
	a.samples = nil
}

// Escape returns s cut to at most max bytes with control characters,
// Unicode format characters (bidi overrides, zero-width marks), line and
// paragraph separators and invalid UTF-8 written as Go escapes (\x00,
// \u202e), so the result shows what was sent and cannot reorder or hide a
// terminal line. A cut string ends in "…".
func Escape(s string, max int) string {
	var b strings.Builder
	cut := 0 // the longest prefix of whole pieces that leaves room for "…"
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && size == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case r == '\\':
			piece = `\\`
		case unsafeRune(r):
			switch {
			case r < 0x80:
				piece = fmt.Sprintf(`\x%02x`, r)
			case r > 0xffff:
				piece = fmt.Sprintf(`\U%08x`, r)
			default:
				piece = fmt.Sprintf(`\u%04x`, r)
			}
		default:
			piece = s[i : i+size]
		}
		if b.Len()+len(piece) <= max-len("…") {
			cut = b.Len() + len(piece)
		}
		b.WriteString(piece)
		i += size
		if b.Len() > max {
			return b.String()[:cut] + "…"
		}
	}
	return b.String()
}

// unsafeRune is what Escape writes escaped.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) || !unicode.IsPrint(r) && r != ' '
}
