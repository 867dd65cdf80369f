// Package server is MensaKiosk's reference central server: the roster a
// Comune imports (accounts, pupils, badges, bookings, fee bands, diets,
// staff, news, documents), handed to kiosks as deltas, and the events the
// kiosks push (meals recorded and voided, staff actions), from which it
// computes the families' balances. It speaks the /v1 protocol of package
// central (central/openapi.yaml) and keeps everything in one bbolt file,
// <data>/central.db.
//
// Deltas. Every change to a record takes the next server-wide revision. The
// "changes" bucket holds exactly one entry per record, at its latest
// revision, and that entry carries the record's JSON: a pull is one
// sequential scan of "changes" from the cursor, splicing the stored bytes
// into the page without decoding them. A deleted record leaves a tombstone
// entry, so kiosks that pull a delta learn of the deletion.
//
// Events. Every event id is stored once, forever, with its answer (accepted,
// or rejected with a reason): a retry is always recognised. Each kiosk's
// events form a gap-free sequence per database (epoch); the server keeps
// seq → event id per (kiosk, epoch) and acknowledges the highest contiguous
// sequence number it holds.
package server

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvbolt"

	"mensakiosk"
	"mensakiosk/app"
	"mensakiosk/internal/logagg"
	"mensakiosk/internal/nulkey"
)

// Version is the server's version, as /v1/health reports it: the project's
// version from FyneApp.toml (package mensakiosk), e.g. "mensakiosk-central/0.9.0".
var Version = "mensakiosk-central/" + mensakiosk.Version()

// SchemaVersion is the layout of central.db this code reads and writes.
const SchemaVersion = 1

// DBFile is the database's file name inside the data directory.
const DBFile = "central.db"

// ErrInUse is returned by Open when another process holds the database.
var ErrInUse = errors.New("the central database is in use by another process (is a server already running on this data directory?)")

// Options tune a Server.
type Options struct {
	// Log receives the server's log; nil discards it.
	Log *slog.Logger
	// Clock gives the time (server_time, balance_as_of, alarms); nil is
	// the system clock.
	Clock app.Clock
	// LockTimeout bounds the wait for the database's file lock; 0 is 2 s.
	LockTimeout time.Duration
	// NoSync skips fsync on commit. Only for benchmarks and tests that
	// measure something else: a crash may then lose acknowledged events.
	NoSync bool
	// Location is the Comune's time zone: civil days (today, a booking's
	// day and its cut-off) are taken in it. Nil is Europe/Rome.
	Location *time.Location
	// BookingCutoff is the time of day ("09:30", the default) after which
	// a day's bookings can no longer change, in Location.
	BookingCutoff string
	// PagoPA is the Comune's pagoPA settings (pagopa_config.go); nil is
	// DefaultPagoPA, the test creditor.
	PagoPA *PagoPAConfig
	// LogInterval is the least time between two log lines about refused
	// requests, or about an alarm raised again (0: one minute): what a
	// stranger can trigger is counted and logged in bounded volume.
	LogInterval time.Duration
	// ContactFlushEvery is how often a serving server writes the kiosks'
	// contacts changed since the last write (kiosk_contacts.go); 0 is
	// DefaultContactFlushEvery.
	ContactFlushEvery time.Duration
	// Comune is the code of the Comune this server serves in a service of
	// many Comuni (comuni.go): its tokens carry it as their prefix, and the
	// store is marked with it. "" is the single Comune of a service of one.
	Comune string
}

// Server is the central server: its store and its HTTP handler.
type Server struct {
	db kv.DB
	// bolt is the bbolt file under db when the store is kvbolt (backup
	// and its size need a file); nil on PostgreSQL.
	bolt *bolt.DB
	// dataDir holds the access codes' key; path is the bbolt file ("" on
	// PostgreSQL).
	dataDir string
	log     *slog.Logger
	clock   app.Clock
	dbID    []byte // random, made with the database, as read at open: requests read it afresh (dbid.go)
	path    string
	// loc and cutoff: see Options.Location and Options.BookingCutoff.
	loc    *time.Location
	cutoff cutoff
	pagopa pagopaSettings // positions.go
	// refused counts the requests answered 4xx and the HTTP server's own
	// complaints (TLS handshakes), repeats the alarms raised again the
	// same day, pushWarns the warnings about pushed events (an event sent
	// again with another content): each writes at most one line per
	// LogInterval.
	refused, repeats, pushWarns *logagg.Aggregator
	// panics counts the handlers' panics (handler_panic.go): a panic a
	// request can cause again and again is logged in bounded volume.
	panics *logagg.Aggregator

	closeOnce sync.Once
	closeErr  error

	access accessCodes // access_codes.go: the fingerprint key and the hasher

	contacts contacts // kiosk_contacts.go: each kiosk's version and last contact
	// contactFlushEvery: Options.ContactFlushEvery.
	contactFlushEvery time.Duration

	comune string // Options.Comune: comuni.go
}

// Layout.
var (
	bMeta    = []byte("meta")
	bChanges = []byte("changes") // rev → change entry (see encodeChange)
	bLedger  = []byte("ledger")  // account → opening(8) | charged(8): balance = opening − charged
	bFamily  = []byte("family")  // account \0 pupil → nil
	bRefs    = []byte("refs")    // pupil \0 kind \0 id → nil: badges and bookings of a pupil
	bEvents  = []byte("events")  // event id → storedEvent JSON
	bReview  = []byte("review")  // event id → nil: rejected or flagged events
	bServed  = []byte("served")  // day \0 service \0 pupil → event id of the charged meal
	bStreams = []byte("streams") // kiosk → bucket: epoch → bucket: seq(8) → event id
	bKiosks  = []byte("kiosks")  // kiosk → kioskState JSON
	bAlarms  = []byte("alarms")  // n(8) → app.Alarm JSON: the office's (alarms.go for the kiosks')
	bTokens  = []byte("tokens")  // sha256(token) → kiosk id
	bKioskTk = []byte("kiosk_tokens")

	kSchema  = []byte("schema")
	kDBID    = []byte("db_id")
	kHead    = []byte("head")   // highest revision given out
	kLive    = []byte("live")   // live (non-tombstone) records in changes
	kEvents  = []byte("events") // events stored
	kAlarmN  = []byte("alarm_n")
	kCharged = []byte("meals_charged")
)

// kindIndex maps each record kind to its bucket: id → rev(8).
var kindIndex = map[string][]byte{}

// kinds in a fixed order; a change entry names its kind by its index here.
var kinds = []string{app.KindAccount, app.KindPupil, app.KindBadge, app.KindBooking, app.KindFeeBand,
	app.KindDiet, app.KindStaff, app.KindNews, app.KindDocument}

func init() {
	for _, k := range kinds {
		kindIndex[k] = []byte("idx_" + k)
	}
}

func kindByte(kind string) byte {
	for i, k := range kinds {
		if k == kind {
			return byte(i)
		}
	}
	panic("unknown kind " + kind)
}

// Open opens (creating if needed) the bbolt database in dataDir: the
// embedded default store.
func Open(dataDir string, opts Options) (*Server, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if dataDir == "" {
		return nil, errors.New("central server: no data directory given")
	}
	if err := CheckStoreKind(dataDir); err != nil { // store_marker.go
		return nil, fmt.Errorf("central server: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("central server: data directory: %w", err)
	}
	path := filepath.Join(dataDir, DBFile)
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		return nil, fmt.Errorf("open %s: the file is empty (truncated?); move it away to start afresh", path)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, FreelistType: bolt.FreelistMapType, NoSync: opts.NoSync})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w", path, ErrInUse)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s, err := OpenStore(kvbolt.New(db), dataDir, opts)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.path = path
	return s, nil
}

// OpenStore opens a server on an open store (kvbolt, or one Comune's key
// space on kvpg), preparing it at first use. dataDir holds what is never in
// the store: the access codes' fingerprint key (access_codes.go). The
// server closes db when it is closed.
func OpenStore(db kv.DB, dataDir string, opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = app.SystemClock{}
	}
	if dataDir == "" {
		return nil, errors.New("central server: no data directory given")
	}
	loc, cut, err := bookingOptions(opts)
	if err != nil {
		return nil, fmt.Errorf("central server: %w", err)
	}
	pp, err := resolvePagoPA(opts.PagoPA, opts.Log)
	if err != nil {
		return nil, fmt.Errorf("central server: %w", err)
	}
	if err := checkComuneStore(db, opts.Comune); err != nil { // comuni.go
		return nil, fmt.Errorf("central server: %w", err)
	}
	s := &Server{db: db, dataDir: dataDir, log: opts.Log, clock: opts.Clock, loc: loc, cutoff: cut, pagopa: pp, comune: opts.Comune,
		refused:   logagg.New(opts.Log, opts.LogInterval, 5, logagg.WithMessage("requests refused")),
		repeats:   logagg.New(opts.Log, opts.LogInterval, 3, logagg.WithMessage("alarms raised again"), logagg.WithLevel(slog.LevelError)),
		pushWarns: logagg.New(opts.Log, opts.LogInterval, 3, logagg.WithMessage("push warnings")),
		panics:    logagg.New(opts.Log, opts.LogInterval, 3, logagg.WithMessage("handler panics"), logagg.WithLevel(slog.LevelError))}
	if b, ok := db.(*kvbolt.DB); ok {
		s.bolt = b.Bolt
	}
	s.contactFlushEvery = cmp.Or(opts.ContactFlushEvery, DefaultContactFlushEvery) // kiosk_contacts.go
	if err := s.init(); err != nil {
		s.refused.Close()
		s.repeats.Close()
		s.pushWarns.Close()
		s.panics.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) init() error {
	return s.db.Update(func(tx kv.Tx) error {
		all := [][]byte{bMeta, bChanges, bLedger, bFamily, bRefs, bEvents, bReview, bServed, bStreams, bKiosks, bAlarms, bKioskAlarms, bTokens, bKioskTk}
		all = append(all, topUpBuckets...) // positions.go
		all = append(all, bPrices)         // prices.go
		for _, k := range kinds {
			all = append(all, kindIndex[k])
		}
		all = append(all, bAccessFP) // access_codes.go
		all = append(all, bContacts) // kiosk_contacts.go
		// messages.go
		all = append(all, messageBuckets...)
		for _, b := range all {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := ensureMealIndex(tx); err != nil { // family.go
			return err
		}
		if err := s.loadContacts(tx); err != nil { // kiosk_contacts.go
			return err
		}
		meta := tx.Bucket(bMeta)
		if err := s.checkComune(meta); err != nil { // comuni.go
			return err
		}
		if v := meta.Get(kSchema); v != nil {
			if got := binary.BigEndian.Uint64(v); got != SchemaVersion {
				return fmt.Errorf("database schema %d, this server reads %d", got, SchemaVersion)
			}
			s.dbID = append([]byte(nil), meta.Get(kDBID)...)
			if len(s.dbID) != dbIDLen {
				return errors.New("database without a valid id")
			}
			return nil
		}
		s.dbID = make([]byte, dbIDLen)
		if _, err := rand.Read(s.dbID); err != nil {
			return err
		}
		return errors.Join(meta.Put(kSchema, u64(SchemaVersion)), meta.Put(kDBID, s.dbID))
	})
}

// Close closes the database. It waits for transactions in flight.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.refused.Close()
		s.repeats.Close()
		s.pushWarns.Close()
		s.panics.Close()
		ferr := s.flushContacts() // kiosk_contacts.go
		if ferr != nil {
			s.log.Error("kiosk contacts not saved", "err", ferr)
		}
		s.closeErr = errors.Join(ferr, s.db.Close())
	})
	return s.closeErr
}

// Path is the database file.
func (s *Server) Path() string { return s.path }

func (s *Server) now() time.Time { return s.clock.Now().UTC() }

// --- small helpers

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func getU64(b kv.Bucket, k []byte) uint64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func addU64(b kv.Bucket, k []byte, d int64) error {
	return b.Put(k, u64(uint64(int64(getU64(b, k))+d)))
}

// key joins parts with NUL bytes (nulkey.Join).
func key(parts ...string) []byte { return nulkey.Join(parts...) }

// --- the change log

// A change entry: kind(1) | tombstone(1) | len(id)(2) | id | record JSON.
const changeHeader = 4

func encodeChange(kind string, id string, tomb bool, data []byte) []byte {
	v := make([]byte, changeHeader, changeHeader+len(id)+len(data))
	v[0] = kindByte(kind)
	if tomb {
		v[1] = 1
	}
	binary.BigEndian.PutUint16(v[2:], uint16(len(id)))
	v = append(v, id...)
	return append(v, data...)
}

type change struct {
	kind byte
	tomb bool
	id   []byte
	data []byte
}

func decodeChange(v []byte) (change, error) {
	if len(v) < changeHeader {
		return change{}, errors.New("corrupt change entry")
	}
	n := int(binary.BigEndian.Uint16(v[2:]))
	if len(v) < changeHeader+n || int(v[0]) >= len(kinds) {
		return change{}, errors.New("corrupt change entry")
	}
	return change{kind: v[0], tomb: v[1] == 1, id: v[changeHeader : changeHeader+n], data: v[changeHeader+n:]}, nil
}

// getRecord returns a live record's JSON (valid during tx), or nil.
func getRecord(tx kv.Tx, kind, id string) ([]byte, error) {
	rev := tx.Bucket(kindIndex[kind]).Get([]byte(id))
	if rev == nil {
		return nil, nil
	}
	c, err := decodeChange(tx.Bucket(bChanges).Get(rev))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, id, err)
	}
	if c.tomb {
		return nil, nil
	}
	return c.data, nil
}

func getJSON[T any](tx kv.Tx, kind, id string) (T, bool, error) {
	var v T
	data, err := getRecord(tx, kind, id)
	if err != nil || data == nil {
		return v, false, err
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, false, fmt.Errorf("%s %s: stored record: %w", kind, id, err)
	}
	return v, true, nil
}

// putRecord stores a record's JSON under the next revision unless it is
// byte-for-byte what is stored (re-importing the same file changes
// nothing, so kiosks pull nothing). It reports whether the record was new
// (or a tombstone before) and whether anything changed.
func putRecord(tx kv.Tx, kind, id string, data []byte) (inserted, changed bool, err error) {
	idx := tx.Bucket(kindIndex[kind])
	ch := tx.Bucket(bChanges)
	meta := tx.Bucket(bMeta)
	wasLive := false
	if old := idx.Get([]byte(id)); old != nil {
		c, err := decodeChange(ch.Get(old))
		if err != nil {
			return false, false, err
		}
		if !c.tomb && bytes.Equal(c.data, data) {
			return false, false, nil
		}
		wasLive = !c.tomb
		if err := ch.Delete(old); err != nil {
			return false, false, err
		}
	}
	rev := getU64(meta, kHead) + 1
	if err := errors.Join(meta.Put(kHead, u64(rev)), ch.Put(u64(rev), encodeChange(kind, id, false, data)),
		idx.Put([]byte(id), u64(rev))); err != nil {
		return false, false, err
	}
	if !wasLive {
		if err := addU64(meta, kLive, 1); err != nil {
			return false, false, err
		}
	}
	return !wasLive, true, nil
}

// deleteRecord replaces a live record by a tombstone at the next revision.
// It reports whether there was a live record.
func deleteRecord(tx kv.Tx, kind, id string) (bool, error) {
	idx := tx.Bucket(kindIndex[kind])
	ch := tx.Bucket(bChanges)
	meta := tx.Bucket(bMeta)
	old := idx.Get([]byte(id))
	if old == nil {
		return false, nil
	}
	c, err := decodeChange(ch.Get(old))
	if err != nil || c.tomb {
		return false, err
	}
	if err := ch.Delete(old); err != nil {
		return false, err
	}
	rev := getU64(meta, kHead) + 1
	return true, errors.Join(meta.Put(kHead, u64(rev)), ch.Put(u64(rev), encodeChange(kind, id, true, nil)),
		idx.Put([]byte(id), u64(rev)), addU64(meta, kLive, -1))
}

// --- counts

// Counts are the server's figures, for `central status` and tests.
type Counts struct {
	Accounts     int    `json:"accounts"`
	Pupils       int    `json:"pupils"`
	Badges       int    `json:"badges"`
	Bookings     int    `json:"bookings"`
	FeeBands     int    `json:"fee_bands"`
	Diets        int    `json:"diets"`
	Staff        int    `json:"staff"`
	News         int    `json:"news"`
	Documents    int    `json:"documents"`
	Tombstones   int    `json:"tombstones"`
	Revision     uint64 `json:"revision"`
	Events       int    `json:"events"`
	MealsCharged int    `json:"meals_charged"`
	Review       int    `json:"review"`
	Alarms       int    `json:"alarms"`
	Kiosks       int    `json:"kiosks"`
	Tokens       int    `json:"tokens"`
	// PagoPA says whether notices are payable (gpd_status.go), GPDPending
	// how many positions GPD must still be told about, GPDUnavailable how
	// many top-ups wait for GPD to answer.
	PagoPA         string `json:"pagopa"`
	GPDPending     int    `json:"gpd_pending"`
	GPDUnavailable int    `json:"gpd_unavailable"`
}

// Counts counts the records, events and alarms (a full scan of the
// record indexes: an administrator's command, not a request path).
func (s *Server) Counts() (Counts, error) {
	var c Counts
	err := s.db.View(func(tx kv.Tx) error {
		per := map[byte]int{}
		ch := tx.Bucket(bChanges)
		err := ch.ForEach(func(_, v []byte) error {
			e, err := decodeChange(v)
			if err != nil {
				return err
			}
			if e.tomb {
				c.Tombstones++
			} else {
				per[e.kind]++
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.Accounts, c.Pupils, c.Badges, c.Bookings = per[0], per[1], per[2], per[3]
		c.FeeBands, c.Diets, c.Staff, c.News, c.Documents = per[4], per[5], per[6], per[7], per[8]
		meta := tx.Bucket(bMeta)
		c.Revision = getU64(meta, kHead)
		c.Events = int(getU64(meta, kEvents))
		c.MealsCharged = int(getU64(meta, kCharged))
		c.Review = tx.Bucket(bReview).KeyN()
		c.Alarms = tx.Bucket(bAlarms).KeyN() + tx.Bucket(bKioskAlarms).KeyN()
		c.Kiosks = tx.Bucket(bKiosks).KeyN()
		c.Tokens = tx.Bucket(bTokens).KeyN()
		return s.gpdCounts(tx, &c) // gpd_status.go
	})
	return c, err
}
