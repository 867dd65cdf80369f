package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"mensakiosk/app"
)

// The file check. bbolt maps the file into memory and follows the page
// numbers and offsets it finds there without bounds checks, so a damaged
// page makes it read outside the mapping: the process dies with SIGSEGV,
// which no recover catches. Its own Tx.Check runs in a goroutine of its
// own, where a fault kills the process too, and loops over a page's
// overflow count as written, up to four billion times. So the store checks
// the file itself, before bbolt maps it: the same walk as Tx.Check (every
// page reachable once from the root bucket, of the right type, within the
// file; keys in order within their parents' bounds; the freelist within
// the file and not freeing a page in use; no page neither reachable nor
// free), plus the records this store writes (JSON where JSON is written,
// the counters' sizes), read with pread into Go slices whose every index
// is bounds-checked. A damaged page is then an error, never a fault.
//
// The walk reads the file as bbolt writes it on little-endian machines
// (every target of the kiosk): a page is a 16-byte header (id u64, flags
// u16, count u16, overflow u32) and its elements; a branch element is
// (pos u32, ksize u32, pgid u64), a leaf element (flags u32, pos u32,
// ksize u32, vsize u32), pos counted from the element itself.

const (
	pageHeaderSize   = 16
	elementSize      = 16
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	noFreelist       = ^uint64(0)
	// maxProblems is how many problems a check keeps to report.
	maxProblems = 10
	// maxDepth bounds a B+tree's depth: bbolt's are a handful deep.
	maxDepth = 64
)

// Damage is what Open returns for a damaged file: the problems found, and
// what could still be read of the outbox, so that staff know which meals
// the central server has not acknowledged. It wraps ErrCorrupt.
type Damage struct {
	Path string
	// Problems are the first problems found; Count is how many in all.
	Problems []string
	Count    int
	// Unacknowledged are the outbox events (meals, voids, staff actions)
	// still readable in the file that the central server had not
	// acknowledged; Partial is set when part of the file could not be read,
	// so that the list may miss some. NoWatermark is set when the
	// acknowledged watermark itself is unreadable: then no event is named,
	// since naming one the server has would have it entered twice.
	Unacknowledged []app.OutboxEvent
	Partial        bool
	NoWatermark    bool
}

// Error says what is wrong and what to do.
func (d *Damage) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "open %s: %v: the file is damaged (problems found: %d; first: %s). ", d.Path, ErrCorrupt, d.Count, d.Problems[0])
	b.WriteString(RestoreAdvice)
	b.WriteString(" ")
	b.WriteString(d.UnacknowledgedText())
	return b.String()
}

// RestoreAdvice says what to do with a damaged file.
const RestoreAdvice = "Restore from the central server: stop the kiosk, move the file aside (keep it for support) and start the kiosk again: " +
	"a fresh file pulls the roster from the server, which keeps every meal it acknowledged."

// UnacknowledgedText names the events the server had not acknowledged.
func (d *Damage) UnacknowledgedText() string {
	var b strings.Builder
	switch {
	case d.NoWatermark:
		b.WriteString("Which events the server acknowledged cannot be read from the file: compare the meals in the server's report for this kiosk with the day's before entering any again.")
	case len(d.Unacknowledged) == 0 && !d.Partial:
		b.WriteString("Every event in the file was acknowledged by the server: nothing is lost.")
	case len(d.Unacknowledged) == 0:
		b.WriteString("No unacknowledged event could be read; part of the file is unreadable, so some may be missing.")
	default:
		fmt.Fprintf(&b, "Not acknowledged by the server, to enter again by hand (%d", len(d.Unacknowledged))
		if d.Partial {
			b.WriteString(", maybe more: part of the file is unreadable")
		}
		b.WriteString("): ")
		for i, e := range d.Unacknowledged {
			if i == 20 {
				fmt.Fprintf(&b, "; and %d more (the log lists them all)", len(d.Unacknowledged)-i)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(DescribeEvent(e))
		}
		b.WriteString(".")
	}
	return b.String()
}

// DescribeEvent says in a few words what an outbox event is: "meal
// 2026-01-12 lunch pupil P000123 at 12:31:05Z (seq 17, id …)".
func DescribeEvent(e app.OutboxEvent) string {
	if e.Kind == app.EventMealRecorded {
		var m app.Meal
		if json.Unmarshal(e.Payload, &m) == nil {
			return fmt.Sprintf("meal %s %s pupil %s at %s (seq %d, id %s)", m.Day, m.Service, m.PupilID, m.At.UTC().Format(time.RFC3339), e.Seq, e.ID)
		}
	}
	return fmt.Sprintf("%s at %s (seq %d, id %s)", e.Kind, e.At.UTC().Format(time.RFC3339), e.Seq, e.ID)
}

func (d *Damage) Unwrap() error { return ErrCorrupt }

// errCheckStopped ends a check abandoned for time.
var errCheckStopped = errors.New("check stopped")

// fileCheck is one check of one file.
type fileCheck struct {
	f    *os.File
	size int64
	psz  uint64
	// From the meta page bbolt would use.
	root, freelist, hwm, txid uint64
	metaProblem               string // a meta page failed its checksum (the other was used)

	freed    map[uint64]bool
	reached  []bool
	problems []string
	count    int
	stop     *atomic.Bool

	// What the walk read of the sync state and the outbox.
	acked     uint64
	ackedRead bool
	nextSeq   uint64 // 0 when unread
	answered  map[uint64]bool
	meals     []app.Meal // above the watermark
	events    []storedEvent
	partial   bool
	// metaOnly: the first pass, which reads only the meta bucket (for the
	// watermark), notes no problem and marks no page.
	metaOnly bool
}

func (c *fileCheck) problem(format string, args ...any) {
	if c.metaOnly {
		return
	}
	c.count++
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// checkFile checks the file at path (opened by the caller, who holds its
// lock). It returns nil when the file is sound, a *Damage when it is not,
// ErrNotADatabase when neither meta page is bbolt's, errCheckStopped when
// stop was set. A fault or a panic while reading is recovered as damage.
func checkFile(f *os.File, stop *atomic.Bool) (c *fileCheck, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	c = &fileCheck{f: f, stop: stop, freed: map[uint64]bool{}, answered: map[uint64]bool{}}
	defer func() {
		if r := recover(); r != nil {
			if r == errCheckStopped {
				err = errCheckStopped
				return
			}
			c.problem("reading the file: %v", r)
			c.partial = true
			err = c.damage(f.Name())
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return c, err
	}
	c.size = fi.Size()
	if err := c.readMeta(); err != nil {
		return c, err
	}
	c.walk()
	if c.count > 0 {
		return c, c.damage(f.Name())
	}
	return c, nil
}

func (c *fileCheck) damage(path string) *Damage {
	d := &Damage{Path: path, Problems: c.problems, Count: c.count, Partial: c.partial, NoWatermark: !c.ackedRead}
	if d.Count == 0 {
		d.Problems, d.Count = []string{"unknown"}, 1
	}
	if c.ackedRead {
		d.Unacknowledged = c.unacknowledged()
	}
	return d
}

func le16(b []byte) uint64 { return uint64(binary.LittleEndian.Uint16(b)) }
func le32(b []byte) uint64 { return uint64(binary.LittleEndian.Uint32(b)) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// readMeta reads both meta pages and keeps the valid one with the higher
// transaction id, as bbolt does.
func (c *fileCheck) readMeta() error {
	type meta struct {
		ok                              bool
		why                             string
		root, freelist, hwm, txid, pgsz uint64
	}
	read := func(off int64) meta {
		var b [pageHeaderSize + 64]byte
		if _, err := c.f.ReadAt(b[:], off); err != nil {
			return meta{why: "unreadable"}
		}
		m := b[pageHeaderSize:]
		h := fnv.New64a()
		h.Write(m[:56])
		switch {
		case le16(b[8:]) != metaPageFlag:
			return meta{why: "not a meta page"}
		case le32(m[0:]) != boltMagic:
			return meta{why: "bad magic"}
		case le32(m[4:]) != boltVersion:
			return meta{why: "unknown version"}
		case le64(m[56:]) != h.Sum64():
			return meta{why: "checksum mismatch"}
		}
		return meta{ok: true, pgsz: le32(m[8:]), root: le64(m[16:]), freelist: le64(m[32:]), hwm: le64(m[40:]), txid: le64(m[48:])}
	}
	m0 := read(0)
	psz := m0.pgsz
	if !m0.ok {
		psz = uint64(os.Getpagesize())
	}
	m1 := read(int64(psz))
	best := m0
	switch {
	case !m0.ok && !m1.ok:
		return fmt.Errorf("%w: meta pages: %s, %s", ErrNotADatabase, m0.why, m1.why)
	case !m0.ok:
		best, c.metaProblem = m1, "meta page 0: "+m0.why
	case !m1.ok:
		c.metaProblem = "meta page 1: " + m1.why
	case m1.txid > m0.txid:
		best = m1
	}
	if best.pgsz < 512 || best.pgsz > 1<<20 || best.pgsz&(best.pgsz-1) != 0 {
		return fmt.Errorf("%w: page size %d", ErrNotADatabase, best.pgsz)
	}
	c.psz, c.root, c.freelist, c.hwm, c.txid = best.pgsz, best.root, best.freelist, best.hwm, best.txid
	return nil
}

// page reads page id with its overflow; nil after noting a problem.
func (c *fileCheck) page(id uint64, what string) []byte {
	if c.stop != nil && c.stop.Load() {
		panic(errCheckStopped)
	}
	if id < 2 || id >= c.hwm {
		c.problem("%s: page %d out of bounds (2 to %d)", what, id, c.hwm)
		return nil
	}
	off := int64(id * c.psz)
	if off+int64(c.psz) > c.size {
		c.problem("%s: page %d is beyond the end of the file (%d bytes): the file was truncated", what, id, c.size)
		c.partial = true
		return nil
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := c.f.ReadAt(hdr, off); err != nil {
		c.problem("%s: page %d: %v", what, id, err)
		c.partial = true
		return nil
	}
	if got := le64(hdr); got != id {
		c.problem("%s: page %d says it is page %d", what, id, got)
		return nil
	}
	over := le32(hdr[12:])
	if id+over >= c.hwm {
		c.problem("%s: page %d overflows by %d pages past the last page (%d)", what, id, over, c.hwm)
		return nil
	}
	n := (over + 1) * c.psz
	if off+int64(n) > c.size {
		c.problem("%s: page %d (+%d) is beyond the end of the file: the file was truncated", what, id, over)
		c.partial = true
		return nil
	}
	p := make([]byte, n)
	if _, err := c.f.ReadAt(p, off); err != nil && !errors.Is(err, io.EOF) {
		c.problem("%s: page %d: %v", what, id, err)
		c.partial = true
		return nil
	}
	return p
}

func (c *fileCheck) walk() {
	// A meta page that fails its checksum is not damage here: bbolt falls
	// back on the other one, as after a power cut during a commit (that
	// commit never returned). A file sealed at a clean close that lost a
	// meta page is told by its seal (seal.go).
	if c.hwm < 2 || c.hwm > uint64(c.size)/c.psz+1<<20 {
		c.problem("the last page number %d does not fit a file of %d bytes", c.hwm, c.size)
		c.partial = true
		return
	}
	if want := int64(c.hwm * c.psz); want > c.size {
		c.problem("the file holds %d bytes of its %d: it was truncated", c.size, want)
		c.partial = true
	}
	c.reached = make([]bool, c.hwm)
	c.reached[0], c.reached[1] = true, true
	if c.freelist != noFreelist {
		if p := c.page(c.freelist, "freelist"); p != nil {
			c.mark(c.freelist, p, "freelist")
			c.readFreelist(p)
		} else {
			c.partial = true
		}
	}
	// The watermark first, so that the walk keeps only the meals above it.
	c.metaOnly = true
	c.bucket(nil, c.root, nil, 0)
	c.metaOnly = false
	c.partial = false
	c.bucket(nil, c.root, nil, 0)
	if c.count > 0 {
		return // unreachable pages are a consequence: not worth listing
	}
	for id := uint64(2); id < c.hwm; id++ {
		if !c.reached[id] && !c.freed[id] {
			c.problem("page %d: neither reachable nor free", id)
		}
	}
}

// mark notes the page and its overflow as reached once.
func (c *fileCheck) mark(id uint64, p []byte, what string) {
	if c.metaOnly {
		return
	}
	n := uint64(len(p)) / c.psz
	for i := range n {
		if c.reached[id+i] {
			c.problem("%s: page %d is referenced twice", what, id+i)
		}
		c.reached[id+i] = true
	}
}

func (c *fileCheck) readFreelist(p []byte) {
	if le16(p[8:]) != freelistPageFlag {
		c.problem("freelist page %d has type %#x", c.freelist, le16(p[8:]))
		return
	}
	n, at := le16(p[10:]), uint64(pageHeaderSize)
	if n == 0xFFFF {
		n, at = le64(p[pageHeaderSize:]), pageHeaderSize+8
	}
	if n > (uint64(len(p))-at)/8 {
		c.problem("freelist page %d: %d ids do not fit", c.freelist, n)
		return
	}
	for i := range n {
		id := le64(p[at+8*i:])
		switch {
		case id < 2 || id >= c.hwm:
			c.problem("freelist: page %d out of bounds", id)
		case c.freed[id]:
			c.problem("freelist: page %d freed twice", id)
		}
		c.freed[id] = true
	}
}

// bucket walks the B+tree of the bucket at path whose root is page root, or
// the inline page inline when root is 0.
func (c *fileCheck) bucket(path [][]byte, root uint64, inline []byte, depth int) {
	if root == 0 {
		if len(inline) < pageHeaderSize || le16(inline[8:]) != leafPageFlag {
			c.problem("bucket %s: inline page unreadable", pathString(path))
			c.partial = true
			return
		}
		c.node(path, inline, 0, nil, nil, depth)
		return
	}
	c.tree(path, root, nil, nil, depth)
}

func (c *fileCheck) tree(path [][]byte, id uint64, min, max []byte, depth int) []byte {
	what := "bucket " + pathString(path)
	if depth > maxDepth {
		c.problem("%s: tree deeper than %d pages", what, maxDepth)
		return nil
	}
	p := c.page(id, what)
	if p == nil {
		c.partial = true
		return nil
	}
	c.mark(id, p, what)
	if c.freed[id] && !c.metaOnly {
		c.problem("%s: page %d is in use and free", what, id)
	}
	return c.node(path, p, id, min, max, depth)
}

// node walks one branch or leaf page (id 0: inline) whose keys must lie in
// [min, max); it returns its last key.
func (c *fileCheck) node(path [][]byte, p []byte, id uint64, min, max []byte, depth int) []byte {
	what := "bucket " + pathString(path)
	flags, count := le16(p[8:]), le16(p[10:])
	if flags != branchPageFlag && flags != leafPageFlag {
		c.problem("%s: page %d has type %#x", what, id, flags)
		return nil
	}
	if pageHeaderSize+count*elementSize > uint64(len(p)) {
		c.problem("%s: page %d: %d elements do not fit", what, id, count)
		return nil
	}
	prev := min
	var last []byte
	for i := range count {
		e := p[pageHeaderSize+i*elementSize:]
		at := pageHeaderSize + i*elementSize
		var pos, ksize, vsize uint64
		if flags == branchPageFlag {
			pos, ksize = le32(e[0:]), le32(e[4:])
		} else {
			pos, ksize, vsize = le32(e[4:]), le32(e[8:]), le32(e[12:])
		}
		end := at + pos + ksize + vsize
		if end > uint64(len(p)) || end < at {
			c.problem("%s: page %d element %d points outside the page", what, id, i)
			c.partial = true
			return last
		}
		key := p[at+pos : at+pos+ksize]
		if i == 0 && prev != nil && bytes.Compare(key, prev) < 0 || i > 0 && bytes.Compare(key, prev) <= 0 {
			c.problem("%s: page %d: keys out of order at element %d", what, id, i)
		}
		if max != nil && bytes.Compare(key, max) >= 0 {
			c.problem("%s: page %d: key %d beyond its parent's bound", what, id, i)
		}
		prev, last = key, key
		if flags == branchPageFlag {
			var next []byte
			if i+1 < count {
				ne := p[pageHeaderSize+(i+1)*elementSize:]
				nat := pageHeaderSize + (i+1)*elementSize
				np, nk := le32(ne[0:]), le32(ne[4:])
				if nat+np+nk <= uint64(len(p)) {
					next = p[nat+np : nat+np+nk]
				}
			} else {
				next = max
			}
			if c.metaOnly && len(path) == 0 && (bytes.Compare(key, bMeta) > 0 && i > 0 || next != nil && bytes.Compare(bMeta, next) >= 0) {
				continue // the meta bucket is not under this child
			}
			c.tree(path, le64(e[8:]), key, next, depth+1)
			continue
		}
		value := p[at+pos+ksize : end]
		if le32(e[0:])&bucketLeafFlag != 0 {
			if len(value) < 16 {
				c.problem("%s: sub-bucket %q unreadable", what, key)
				continue
			}
			if c.metaOnly && (len(path) > 0 || !bytes.Equal(key, bMeta)) {
				continue
			}
			sub := append(slices.Clip(path), key)
			c.bucket(sub, le64(value), value[16:], depth+1)
			continue
		}
		c.record(path, key, value)
	}
	return last
}

func pathString(path [][]byte) string {
	if len(path) == 0 {
		return "(root)"
	}
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprintf("%q", p)
	}
	return strings.Join(parts, "/")
}

// jsonBuckets hold a JSON document in every value.
var jsonBuckets = map[string]bool{}

func init() {
	for _, b := range [][]byte{bAccounts, bPupils, bBadges, bBookings, bUnknown, bRejected, bFlagged, bAlarms,
		bFeeBands, bDiets, bStaff, bNews, bDocuments, bEvents, bStaffLock, bFamilyCache} {
		jsonBuckets[string(b)] = true
	}
}

// record checks one key/value of the store and keeps what the outbox
// listing needs.
func (c *fileCheck) record(path [][]byte, k, v []byte) {
	if len(path) == 0 {
		c.problem("a value %q at the root, where only buckets are", k)
		return
	}
	top := string(path[0])
	switch {
	case top == string(bMeta) && len(path) == 1:
		switch string(k) {
		case string(kSchema):
			if len(v) != 4 {
				c.problem("meta: schema version of %d bytes", len(v))
			}
		case string(kNextSeq), string(kAcked), string(kOutLen):
			if len(v) != 8 {
				c.problem("meta %s: %d bytes, want 8", k, len(v))
				return
			}
			switch string(k) {
			case string(kAcked):
				c.acked, c.ackedRead = be64(v), true
			case string(kNextSeq):
				c.nextSeq = be64(v)
			}
		}
	case top == string(bDays) && len(path) == 2:
		var m app.Meal
		if err := json.Unmarshal(v, &m); err != nil {
			c.problem("meal %s %q: not readable: %v", path[1], k, err)
			return
		}
		if m.Seq > c.acked {
			c.meals = append(c.meals, m)
		}
	case top == string(bDelivered) || top == string(bRejected):
		if len(k) != 8 {
			c.problem("%s: key of %d bytes", top, len(k))
			return
		}
		c.answered[be64(k)] = true
		if top == string(bRejected) && !json.Valid(v) {
			c.problem("%s %d: not readable", top, be64(k))
		}
	case top == string(bEvents) && len(path) == 1:
		var se storedEvent
		if err := json.Unmarshal(v, &se); err != nil || len(k) != 8 {
			c.problem("event %x: not readable", k)
			return
		}
		se.Seq = be64(k)
		c.events = append(c.events, se)
	case jsonBuckets[top] && len(path) == 1:
		if !json.Valid(v) {
			c.problem("%s %q: not readable", top, k)
		}
	}
}

func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// unacknowledged lists the outbox events read: above the acknowledged
// watermark and not answered, by sequence number.
func (c *fileCheck) unacknowledged() []app.OutboxEvent {
	var out []app.OutboxEvent
	// A number at or past the counter is a damaged record, not an event.
	possible := func(seq uint64) bool { return c.nextSeq == 0 || seq < c.nextSeq }
	for _, m := range c.meals {
		if m.Seq > c.acked && !c.answered[m.Seq] && possible(m.Seq) {
			raw, _ := json.Marshal(m)
			out = append(out, app.OutboxEvent{ID: m.EventID, Seq: m.Seq, Kind: app.EventMealRecorded, At: m.At, Payload: raw})
		}
	}
	for _, e := range c.events {
		if e.Seq > c.acked && !c.answered[e.Seq] && possible(e.Seq) {
			out = append(out, e.OutboxEvent)
		}
	}
	slices.SortFunc(out, func(a, b app.OutboxEvent) int {
		if a.Seq != b.Seq {
			if a.Seq < b.Seq {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
