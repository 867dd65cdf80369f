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
	// Log receives the background consistency check's outcome. May be nil.
	Log *slog.Logger
	// OnCheck, if set, is called once with the result of the background
	// consistency check (nil when the file is sound).
	OnCheck func(error)
	// SkipCheck turns the background check off (benchmarks).
	SkipCheck bool
}

// Store is the kiosk's bbolt store.
type Store struct {
	db    *bolt.DB
	epoch string
	path  string
}

// Open opens or creates the store at path. A locked, unreadable, corrupt or
// newer-schema file gives a clear error, never a silent empty database. A
// consistency check (bbolt Tx.Check) runs in the background after Open
// returns, so it does not delay readiness; its result goes to opts.OnCheck.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		// bbolt would initialise an empty file; a zero-length file where a
		// database was expected means it was truncated.
		return nil, fmt.Errorf("open %s: %w: the file is empty", path, ErrNotADatabase)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opts.LockTimeout,
		FreelistType: bolt.FreelistMapType,
		// The freelist is synced (the default): with NoFreelistSync bbolt
		// walks every page at open, which delays readiness on a large file
		// and panics, unrecoverably, on a corrupt one.
	})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, fmt.Errorf("open %s: %w (%v)", path, ErrNotADatabase, err)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if !opts.SkipCheck {
		go s.check(opts)
	}
	return s, nil
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

// check runs bbolt's consistency check. It takes the writer's lock (a
// writable transaction, rolled back): Tx.Check reads the freelist, which a
// concurrent writer changes, so bbolt documents it as unsafe beside writes
// when run in a read-only transaction. On a 50,000-pupil, 200,000-meal file
// it holds the lock for about 60 ms: a tap in that moment waits for it.
func (s *Store) check(opts Options) {
	var errs []error
	tx, err := s.db.Begin(true)
	if err == nil {
		for e := range tx.Check() { // drained to the end: the check's goroutine reads tx
			if len(errs) < 10 {
				errs = append(errs, e)
			}
		}
		_ = tx.Rollback() // it wrote nothing
	}
	if err == nil && len(errs) > 0 {
		err = fmt.Errorf("%w: %w", ErrCorrupt, errors.Join(errs...))
	}
	if err != nil && errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return // closed before the check ran: nothing to report
	}
	if opts.Log != nil {
		if err != nil {
			opts.Log.Error("database check failed", "path", s.path, "err", err)
		} else {
			opts.Log.Info("database check passed", "path", s.path)
		}
	}
	if opts.OnCheck != nil {
		opts.OnCheck(err)
	}
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Path is the file's path.
func (s *Store) Path() string { return s.path }

// Epoch is the random id made when the database was created: a database
// restored from an old copy is told apart by the server through it.
func (s *Store) Epoch() string { return s.epoch }

// Update runs fn in one read-write transaction, committed (fsync) before it
// returns nil.
func (s *Store) Update(fn func(app.CanteenTx) error) (err error) {
	defer recoverCorrupt(&err)
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&canteenTx{tx: tx}) })
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(app.CanteenTx) error) (err error) {
	defer recoverCorrupt(&err)
	return s.db.View(func(tx *bolt.Tx) error { return fn(&canteenTx{tx: tx}) })
}

// recoverCorrupt turns bbolt's panic on a corrupt page (it asserts page
// headers as it reads them) into ErrCorrupt; the transaction was rolled back.
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
