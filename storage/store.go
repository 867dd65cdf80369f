// Package storage is the kiosk's store: one bbolt file holding the roster
// cache, the meals recorded here, the outbox of events to push, and the
// indexes the canteen rules read (badge → pupil, "already served today",
// meals served per day, unsynced charges per account).
//
// Every tap is one read-write transaction (DB.Update, never DB.Batch, which
// may run a function twice); it returns only after the commit is on disk.
package storage

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"mensakiosk/app"
)

// SchemaVersion is the layout this code reads and writes. A file with a newer
// version is refused: an older kiosk must not write into it.
// Version 2 added the sync buckets (delivered, rejected, flagged, alarms) and
// the records the server hands out besides the roster (fee bands, diets,
// staff, news, documents); a version 1 file is migrated in place at open.
// Version 3 added the staff-mode and counter buckets (events, staff_lock,
// family_cache, pupil_cf); older files are migrated in place at open.
const SchemaVersion = 3

// Layout. Everything a tap writes lands in one small bucket, today's
// partition (days/<day>), keyed by pupil and service, so a tap's commit
// rewrites a handful of pages however long the kiosk's history: the meal
// record is at once the "already served" index and the outbox entry (the
// outbox is every meal whose sequence number is above the acknowledged
// watermark, in the days listed in "unsynced").
var (
	bMeta     = []byte("meta")     // small, inline in the root page
	bAccounts = []byte("accounts") // account → Account JSON
	bFamily   = []byte("family")   // account \0 pupil → nil: siblings
	bPupils   = []byte("pupils")   // pupil → Pupil JSON
	bBadges   = []byte("badges")   // badge → Badge JSON
	bBookings = []byte("bookings") // day \0 pupil → Booking JSON
	bDays     = []byte("days")     // day → bucket: pupil \0 service → Meal JSON
	bUnsynced = []byte("unsynced") // day → nil: days holding meals not yet acknowledged
	bUnknown  = []byte("unknown_badges")

	// Schema 2: sync.
	bDelivered = []byte("delivered") // seq → nil: answered by the server, above the acked watermark
	bRejected  = []byte("rejected")  // seq → rejectedEvent JSON: kept aside for staff
	bFlagged   = []byte("flagged")   // seq → flaggedEvent JSON: server flags (double serve, ...)
	bAlarms    = []byte("alarms")    // code \0 time → app.Alarm JSON
	bFeeBands  = []byte("fee_bands") // code → app.FeeBand JSON
	bDiets     = []byte("diets")     // code → app.Diet JSON
	bStaff     = []byte("staff")     // id → app.Staff JSON
	bNews      = []byte("news")      // id → app.News JSON
	bDocuments = []byte("documents") // id → app.Document JSON

	// Schema 3: staff mode and the counter role.
	bEvents      = []byte("events")       // seq → app.OutboxEvent JSON: outbox events other than meals (voids, staff actions)
	bStaffLock   = []byte("staff_lock")   // key → JSON: the staff PIN lockout, kept across restarts
	bFamilyCache = []byte("family_cache") // account → JSON: the counter's cached family view (meals, notices) with its as-of time
	bPupilCF     = []byte("pupil_cf")     // codice fiscale → pupil id: counter identification
	bPupilName   = []byte("pupil_name")   // folded surname \0 folded first name \0 pupil → school and class: staff search (search.go)

	v1Buckets  = [][]byte{bMeta, bAccounts, bFamily, bPupils, bBadges, bBookings, bDays, bUnsynced, bUnknown}
	v2Buckets  = [][]byte{bDelivered, bRejected, bFlagged, bAlarms, bFeeBands, bDiets, bStaff, bNews, bDocuments}
	v3Buckets  = [][]byte{bEvents, bStaffLock, bFamilyCache, bPupilCF, bPupilName}
	allBuckets = append(append(append([][]byte{}, v1Buckets...), v2Buckets...), v3Buckets...)

	kSchema  = []byte("schema")
	kEpoch   = []byte("epoch")
	kNextSeq = []byte("next_seq")
	kCreated = []byte("created")
	kOutLen  = []byte("outbox_len")
	// kAcked is the highest sequence number the central server acknowledged
	// with all below it.
	kAcked = []byte("acked")
	// Sync state (schema 2).
	kCursor   = []byte("cursor")    // the server's opaque pull cursor
	kLastSync = []byte("last_sync") // RFC 3339: end of the last complete sync
)

// Errors Open returns; each says what to do.
var (
	ErrLocked        = errors.New("the database file is in use by another kiosk process (locked)")
	ErrSchemaTooNew  = errors.New("the database was written by a newer MensaKiosk")
	ErrNotADatabase  = errors.New("the file is not a MensaKiosk database, or it is corrupt")
	ErrCorrupt       = errors.New("the database failed its consistency check")
	errMissingBucket = errors.New("missing bucket")
)

// Options for Open.
type Options struct {
	// LockTimeout bounds the wait for the file lock (bbolt waits forever by
	// default). Zero means 2 s.
	LockTimeout time.Duration
	// Log receives the consistency check's outcome. May be nil.
	Log *slog.Logger
	// OnCheck, if set, is called once with the result of the consistency
	// check (nil when the file is sound or the check was cut short), before
	// Open returns.
	OnCheck func(error)
	// SkipCheck turns the consistency check off (benchmarks).
	SkipCheck bool
	// CheckTimeout bounds the consistency check at open; past it the kiosk
	// starts without it (said in the log). Zero means 30 s: a 134 MB file
	// (50,000 pupils, 200,000 meals) took 1.4–2.2 s on a loaded 2-core
	// machine.
	CheckTimeout time.Duration
}

// Store is the kiosk's bbolt store.
type Store struct {
	db    *bolt.DB
	epoch string
	path  string
}

// Open opens or creates the store at path. A locked, unreadable, damaged or
// newer-schema file gives a clear error, never a silent empty database and
// never a crash: before bbolt maps the file, the file check (filecheck.go)
// reads it, under the file's lock, and compares it with the seal of its
// last clean close (seal.go); a damaged file is refused with a *Damage,
// which says what to do and lists the events the server had not
// acknowledged. bbolt's own open runs with faults turned into panics,
// recovered.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.CheckTimeout == 0 {
		opts.CheckTimeout = 30 * time.Second
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		// bbolt would initialise an empty file; a zero-length file where a
		// database was expected means it was truncated.
		return nil, fmt.Errorf("open %s: %w: the file is empty", path, ErrNotADatabase)
	} else if err == nil && fi.Mode().IsRegular() {
		if err := precheck(path, opts); err != nil {
			return nil, err
		}
	} else {
		if errors.Is(err, os.ErrNotExist) {
			// A new file. A seal left at this path belongs to a file moved
			// aside (as RestoreAdvice says): it must not judge this one.
			if err := os.Remove(sealPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("open %s: remove the seal of the file moved aside: %w", path, err)
			}
		}
		if !opts.SkipCheck && opts.OnCheck != nil {
			opts.OnCheck(nil) // a new file: nothing to check
		}
	}
	db, err := openBolt(path, opts)
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, fmt.Errorf("open %s: %w (%v)", path, ErrNotADatabase, err)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.safeInit(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

// precheck locks the existing file, checks it (unless opts.SkipCheck) and
// removes its seal, since the file is about to change.
func precheck(path string, opts Options) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close() // the lock goes with it, before bbolt takes its own
	if err := lockFile(f, opts.LockTimeout); errors.Is(err, ErrLocked) {
		return fmt.Errorf("open %s: %w", path, ErrLocked)
	} else if err != nil {
		return fmt.Errorf("open %s: lock: %w", path, err)
	}
	if !opts.SkipCheck {
		if err := checkOpen(f, opts); err != nil {
			return err
		}
	}
	if err := os.Remove(sealPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("open %s: remove the seal: %w", path, err)
	}
	return nil
}

// checkOpen runs the file check in a goroutine of its own (faults there
// are recovered: filecheck.go), for at most opts.CheckTimeout.
func checkOpen(f *os.File, opts Options) error {
	t0 := time.Now()
	var stop atomic.Bool
	done := make(chan error, 1)
	go func() {
		c, err := checkFile(f, &stop)
		if err == nil {
			if err = checkSeal(f, c); err == nil && c.count > 0 {
				err = c.damage(f.Name())
			}
		}
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(opts.CheckTimeout):
		stop.Store(true)
		<-done
		if opts.Log != nil {
			opts.Log.Warn("database check not finished in time: the kiosk starts without it", "path", f.Name(), "timeout", opts.CheckTimeout.String())
		}
		if opts.OnCheck != nil {
			opts.OnCheck(nil)
		}
		return nil
	}
	var d *Damage
	switch {
	case errors.As(err, &d):
		if opts.Log != nil {
			opts.Log.Error("database damaged", "path", f.Name(), "problems", d.Problems, "problem_count", d.Count,
				"what_to_do", RestoreAdvice, "unacknowledged", len(d.Unacknowledged), "partial", d.Partial,
				"no_watermark", d.NoWatermark, "outbox", d.UnacknowledgedText())
			for _, e := range d.Unacknowledged {
				opts.Log.Error("not acknowledged by the server", "path", f.Name(), "event", DescribeEvent(e), "event_id", e.ID, "seq", e.Seq)
			}
		}
		err = d
	case errors.Is(err, ErrNotADatabase):
		err = fmt.Errorf("open %s: %w", f.Name(), err)
	case err != nil:
		err = fmt.Errorf("open %s: check: %w", f.Name(), err)
	default:
		if opts.Log != nil {
			opts.Log.Info("database check passed", "path", f.Name(), "took", time.Since(t0).Round(time.Millisecond).String())
		}
	}
	if opts.OnCheck != nil {
		opts.OnCheck(err)
	}
	return err
}

// openBolt is bolt.Open with a fault or an assertion on a damaged page
// turned into ErrCorrupt.
func openBolt(path string, opts Options) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverCorrupt(&err)
	return bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opts.LockTimeout,
		FreelistType: bolt.FreelistMapType,
		// The freelist is synced (the default): with NoFreelistSync bbolt
		// walks every page at open, which delays readiness on a large file
		// and panics, unrecoverably, on a corrupt one.
	})
}

func (s *Store) safeInit() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverCorrupt(&err)
	return s.init()
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta != nil {
			v := meta.Get(kSchema)
			if len(v) != 4 {
				return fmt.Errorf("%w: no schema version", ErrNotADatabase)
			}
			got := binary.BigEndian.Uint32(v)
			if got > SchemaVersion {
				return fmt.Errorf("%w: schema version %d, this kiosk reads up to %d; update the kiosk software", ErrSchemaTooNew, got, SchemaVersion)
			}
			// The surname index came within version 3: a file may lack it
			// whatever its version. It is built from the roster it indexes.
			buildNames := tx.Bucket(bPupilName) == nil
			if got < SchemaVersion { // migrate 1 → 2 → 3: each version's buckets, empty
				for v, bs := range [][][]byte{2: v2Buckets, 3: v3Buckets} {
					if uint32(v) <= got {
						continue
					}
					for _, b := range bs {
						if _, err := tx.CreateBucketIfNotExists(b); err != nil {
							return err
						}
					}
				}
				if err := meta.Put(kSchema, binary.BigEndian.AppendUint32(nil, SchemaVersion)); err != nil {
					return err
				}
			}
			if buildNames {
				if err := buildNameIndex(tx); err != nil {
					return err
				}
			}
			if got < 3 { // the codice fiscale index came with version 3
				if err := buildFiscalCodeIndex(tx); err != nil {
					return err
				}
			}
			for _, b := range allBuckets {
				if tx.Bucket(b) == nil {
					return fmt.Errorf("%w: %w %q", ErrNotADatabase, errMissingBucket, b)
				}
			}
			s.epoch = hex.EncodeToString(meta.Get(kEpoch))
			return nil
		}
		// A file with buckets but no meta is not ours.
		if err := tx.ForEach(func([]byte, *bolt.Bucket) error { return ErrNotADatabase }); err != nil {
			return fmt.Errorf("%w: no meta bucket", ErrNotADatabase)
		}
		for _, b := range allBuckets {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		meta = tx.Bucket(bMeta)
		var epoch [16]byte
		if _, err := rand.Read(epoch[:]); err != nil {
			return err
		}
		s.epoch = hex.EncodeToString(epoch[:])
		return firstErr(
			meta.Put(kSchema, binary.BigEndian.AppendUint32(nil, SchemaVersion)),
			meta.Put(kEpoch, epoch[:]),
			meta.Put(kNextSeq, u64(1)),
			meta.Put(kOutLen, u64(0)),
			meta.Put(kAcked, u64(0)),
			meta.Put(kCreated, []byte(time.Now().UTC().Format(time.RFC3339Nano))),
		)
	})
}

// Close closes the file and seals it (seal.go).
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return err
	}
	if err := writeSeal(s.path); err != nil {
		return fmt.Errorf("seal %s: %w", s.path, err)
	}
	return nil
}

// Path is the file's path.
func (s *Store) Path() string { return s.path }

// Epoch is the random id made when the database was created: a database
// restored from an old copy is told apart by the server through it.
func (s *Store) Epoch() string { return s.epoch }

// Update runs fn in one read-write transaction, committed (fsync) before it
// returns nil.
func (s *Store) Update(fn func(app.CanteenTx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverCorrupt(&err)
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&canteenTx{tx: tx}) })
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(app.CanteenTx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverCorrupt(&err)
	return s.db.View(func(tx *bolt.Tx) error { return fn(&canteenTx{tx: tx}) })
}

// safeView is db.View with a fault or a panic on a damaged page turned
// into ErrCorrupt.
func (s *Store) safeView(fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverCorrupt(&err)
	return s.db.View(fn)
}

// safeUpdate is db.Update with a fault or a panic on a damaged page
// turned into ErrCorrupt (the transaction is rolled back).
func (s *Store) safeUpdate(fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverCorrupt(&err)
	return s.db.Update(fn)
}

// recoverCorrupt turns bbolt's panic on a corrupt page (it asserts page
// headers as it reads them), or a fault in the mapping made a panic by
// debug.SetPanicOnFault, into ErrCorrupt; the transaction was rolled back.
func recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", ErrCorrupt, r)
	}
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
