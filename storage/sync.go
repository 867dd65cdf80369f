package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// The kiosk's side of sync (PRODUCT.md §5). The outbox is every meal whose
// sequence number is above the acknowledged watermark and that the server has
// not answered yet. An answer (accepted, duplicate or rejected) marks its
// event in "delivered"; the watermark then moves over every answered number
// it can reach, so "delivered" holds only the answers beyond a hole. Meals
// themselves are never deleted: they are the kiosk's history, and the source
// from which events are sent again when the server turns out to have lost
// them.

type rejectedEvent struct {
	ID     string    `json:"id"`
	Seq    uint64    `json:"seq"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	Code   string    `json:"code,omitempty"`
}

type flaggedEvent struct {
	ID    string    `json:"id"`
	Seq   uint64    `json:"seq"`
	Flags []string  `json:"flags"`
	At    time.Time `json:"at"`
}

// SyncState reads the sync state.
func (s *Store) SyncState() (app.SyncState, error) {
	var st app.SyncState
	err := s.safeView(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		st.Cursor = string(meta.Get(kCursor))
		st.Acked = uint64(getInt(meta, kAcked))
		st.LastSeq = uint64(getInt(meta, kNextSeq) - 1)
		st.Waiting = int(getInt(meta, kOutLen))
		st.Rejected = tx.Bucket(bRejected).Stats().KeyN
		if v := meta.Get(kLastSync); v != nil {
			t, err := time.Parse(time.RFC3339Nano, string(v))
			if err != nil {
				return fmt.Errorf("last sync time: %w", err)
			}
			st.LastSync = t
		}
		return tx.Bucket(bAlarms).ForEach(func(k, v []byte) error {
			var a app.Alarm
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("alarm %q: %w", k, err)
			}
			st.Alarms = append(st.Alarms, a)
			return nil
		})
	})
	return st, err
}

// answered reports whether the server answered the event with sequence seq
// above the watermark.
func answered(tx *bolt.Tx, seq uint64) bool {
	k := u64(seq)
	return tx.Bucket(bDelivered).Get(k) != nil || tx.Bucket(bRejected).Get(k) != nil
}

// ApplyPush records the server's answers to sent, in one transaction: each
// answered event leaves the outbox (a rejected one is kept aside with its
// reason, a flagged one is noted for staff), and the watermark moves over
// every answered number it reaches. Only what was answered is removed; an
// answer for an event that was not sent is an error and nothing is applied.
func (s *Store) ApplyPush(sent []app.OutboxEvent, reply app.PushReply) (app.PushAcks, error) {
	var res app.PushAcks
	if len(reply.Results) != len(sent) {
		return res, fmt.Errorf("push reply: %d answers for %d events", len(reply.Results), len(sent))
	}
	for i, r := range reply.Results {
		if r.ID != sent[i].ID || r.Seq != sent[i].Seq {
			return res, fmt.Errorf("push reply: answer %d is for event %s/%d, sent %s/%d", i, r.ID, r.Seq, sent[i].ID, sent[i].Seq)
		}
	}
	err := s.safeUpdate(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		acked := uint64(getInt(meta, kAcked))
		now := time.Now().UTC()
		removed := int64(0)
		for _, r := range reply.Results {
			if len(r.Flags) > 0 {
				if err := putJSON(tx.Bucket(bFlagged), u64(r.Seq), flaggedEvent{ID: r.ID, Seq: r.Seq, Flags: r.Flags, At: now}); err != nil {
					return err
				}
				res.Flagged++
			}
			if r.Seq <= acked || answered(tx, r.Seq) {
				continue // answered before (a retry that crossed its answer)
			}
			switch r.Status {
			case app.EventAccepted, app.EventDuplicate:
				res.Delivered++
				removed++
				if r.Seq == acked+1 { // the usual case: the watermark moves on, no mark needed
					acked++
					continue
				}
				if err := tx.Bucket(bDelivered).Put(u64(r.Seq), []byte{}); err != nil {
					return err
				}
			case app.EventRejected:
				if err := putJSON(tx.Bucket(bRejected), u64(r.Seq), rejectedEvent{ID: r.ID, Seq: r.Seq, Reason: r.Reason, At: now, Code: r.Code}); err != nil {
					return err
				}
				res.Rejected++
				removed++
			default:
				return fmt.Errorf("push reply: event %s: unknown status %q", r.ID, r.Status)
			}
		}
		// Move the watermark over the answered numbers it reaches; answers
		// beyond a hole stay in "delivered".
		del := tx.Bucket(bDelivered)
		for {
			k := u64(acked + 1)
			if del.Get(k) != nil {
				if err := del.Delete(k); err != nil {
					return err
				}
			} else if tx.Bucket(bRejected).Get(k) == nil {
				break
			}
			acked++
		}
		res.Acked = acked
		if err := firstErr(meta.Put(kAcked, u64(acked)), addInt(meta, kOutLen, -removed)); err != nil {
			return err
		}
		// The balances after the batch, in the same transaction as the
		// answers: an answered meal leaves the pending charges exactly when
		// the cached balance takes it in. An older copy never overwrites a
		// newer one (a pull may have brought it already).
		acc := tx.Bucket(bAccounts)
		for _, a := range reply.Accounts {
			var old app.Account
			ok, err := getJSON(acc, []byte(a.ID), &old)
			if err != nil {
				return err
			}
			if a.ID == "" || ok && old.BalanceAsOf.After(a.BalanceAsOf) {
				continue
			}
			if err := putJSON(acc, []byte(a.ID), a); err != nil {
				return err
			}
		}
		return s.pruneUnsynced(tx, acked)
	})
	return res, err
}

// pruneUnsynced drops from "unsynced" the days with no event left to send.
func (s *Store) pruneUnsynced(tx *bolt.Tx, acked uint64) error {
	var done [][]byte
	days := tx.Bucket(bDays)
	err := tx.Bucket(bUnsynced).ForEach(func(day, _ []byte) error {
		b := days.Bucket(day)
		left := false
		if b != nil {
			err := b.ForEach(func(k, v []byte) error {
				seq, err := mealSeq(v)
				if err != nil {
					return fmt.Errorf("meal %s %q: %w", day, k, err)
				}
				if seq > acked && !answered(tx, seq) {
					left = true
					return errStop
				}
				return nil
			})
			if err != nil && !errors.Is(err, errStop) {
				return err
			}
		}
		if !left {
			done = append(done, append([]byte(nil), day...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range done {
		if err := tx.Bucket(bUnsynced).Delete(d); err != nil {
			return err
		}
	}
	return nil
}

var errStop = errors.New("stop")

// mealSeq reads a meal record's sequence number without decoding the rest:
// the record is app.Meal as encoding/json writes it, whose "seq" field comes
// right after the event id (which is hex). Anything else is decoded in full.
func mealSeq(v []byte) (uint64, error) {
	if i := bytes.Index(v, []byte(`","seq":`)); i > 0 && bytes.HasPrefix(v, []byte(`{"event_id":"`)) && i == bytes.IndexByte(v[13:], '"')+13 {
		var n uint64
		j := i + len(`","seq":`)
		for ; j < len(v) && v[j] >= '0' && v[j] <= '9'; j++ {
			n = n*10 + uint64(v[j]-'0')
		}
		if j < len(v) && v[j] == ',' && j > i+len(`","seq":`) && j-(i+len(`","seq":`)) <= 19 {
			return n, nil
		}
	}
	var m struct {
		Seq uint64 `json:"seq"`
	}
	err := json.Unmarshal(v, &m)
	return m.Seq, err
}

// Reopen puts back in the outbox every event above seq that was answered:
// the server holds less of this kiosk's stream than it had acknowledged (its
// database was restored), so those events are sent again. The server answers
// "duplicate" for the ones it does hold (and "rejected" again for the ones
// it refused). The pull cursor is dropped too, so the next pull is a reset.
// It returns how many events were reopened.
func (s *Store) Reopen(seq uint64) (int, error) {
	n := 0
	err := s.safeUpdate(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		acked := uint64(getInt(meta, kAcked))
		if seq >= acked {
			return nil
		}
		days, uns := tx.Bucket(bDays), tx.Bucket(bUnsynced)
		err := days.ForEachBucket(func(day []byte) error {
			reopened := false
			err := days.Bucket(day).ForEach(func(k, v []byte) error {
				ms, err := mealSeq(v)
				if err != nil {
					return fmt.Errorf("meal %s %q: %w", day, k, err)
				}
				if ms <= seq {
					return nil
				}
				// Rejected events go again too: the server that lost them
				// has a hole without them, and answers them rejected again
				// (they come back to the rejected list within the sync).
				key := u64(ms)
				wasOpen := ms > acked && !answered(tx, ms)
				if err := firstErr(tx.Bucket(bDelivered).Delete(key), tx.Bucket(bRejected).Delete(key)); err != nil {
					return err
				}
				if !wasOpen {
					n++
				}
				reopened = true
				return nil
			})
			if err != nil || !reopened {
				return err
			}
			return uns.Put(append([]byte(nil), day...), []byte{})
		})
		if err != nil {
			return err
		}
		// Voids and staff actions go again too (events.go).
		m, err := reopenEvents(tx, seq, acked)
		if err != nil {
			return err
		}
		n += m
		// The server lost records' revisions too: the next pull starts
		// afresh (a reset), or it would skip what its counter now reuses.
		return firstErr(meta.Put(kAcked, u64(seq)), addInt(meta, kOutLen, int64(n)), meta.Delete(kCursor))
	})
	return n, err
}

// ApplyPull writes one pull page's records and its cursor in one
// transaction: a crash between pages resumes from the last page stored.
//
// A reset pull (the server's database is not the one the cursor came from)
// carries the whole roster: a kiosk that already had records notes every
// record the pages carry, and at the last page drops the records they did
// not (deleted on the server while it was replaced). A new kiosk's first
// pull, with nothing to drop, skips that bookkeeping.
func (s *Store) ApplyPull(p app.PullPage) error {
	if p.Cursor == "" {
		return errors.New("pull page without cursor")
	}
	if p.Len() == 0 && !p.Reset {
		// Nothing new (every sync of an idle kiosk): no commit, unless the
		// cursor moved, so a tap never waits for an empty page's fsync.
		same := false
		if err := s.safeView(func(tx *bolt.Tx) error {
			same = bytes.Equal(tx.Bucket(bMeta).Get(kCursor), []byte(p.Cursor))
			return nil
		}); err != nil {
			return err
		}
		if same {
			return nil
		}
	}
	return s.safeUpdate(func(tx *bolt.Tx) error {
		had := hasRoster(tx) // before this page's records
		if err := applyPage(tx, p); err != nil {
			return err
		}
		if err := trackReset(tx, p, had); err != nil {
			return err
		}
		meta := tx.Bucket(bMeta)
		return meta.Put(kCursor, []byte(p.Cursor))
	})
}

var (
	kResetting = []byte("resetting") // "sweep" or "fresh" during a reset pull
	bSeen      = []byte("reset_seen")
	// rosterBuckets are the ones a reset pull replaces.
	rosterBuckets = [][]byte{bAccounts, bPupils, bBadges, bBookings, bFeeBands, bDiets, bStaff, bNews, bDocuments}
)

// pageKeys lists each record of the page as bucket \0 key.
func pageKeys(p app.PullPage) [][]byte {
	var ks [][]byte
	add := func(b, k []byte, _ any) error {
		ks = append(ks, append(append(append([]byte(nil), b...), 0), k...))
		return nil
	}
	_ = firstErr( // add never fails
		recordsOf(bAccounts, p.Accounts, func(a app.Account) string { return string(a.ID) }, add),
		recordsOf(bPupils, p.Pupils, func(x app.Pupil) string { return string(x.ID) }, add),
		recordsOf(bBadges, p.Badges, func(x app.Badge) string { return string(x.ID) }, add),
		recordsOf(bBookings, p.Bookings, func(x app.Booking) string { return string(bookingKey(x.PupilID, x.Day)) }, add),
		keyedRecords(p, add))
	return ks
}

// keyedRecords calls fn with each record of the page's kinds that are
// stored whole under their id, a bucket a kind (the roster's kinds have
// indexes: putRoster): the bucket, the id and the record.
func keyedRecords(p app.PullPage, fn func(b, k []byte, v any) error) error {
	return firstErr(
		recordsOf(bFeeBands, p.FeeBands, func(f app.FeeBand) string { return f.Code }, fn),
		recordsOf(bDiets, p.Diets, func(d app.Diet) string { return d.Code }, fn),
		recordsOf(bStaff, p.Staff, func(st app.Staff) string { return st.ID }, fn),
		recordsOf(bNews, p.News, func(n app.News) string { return n.ID }, fn),
		recordsOf(bDocuments, p.Documents, func(d app.Document) string { return d.ID }, fn))
}

// recordsOf calls fn with each record of recs, kept in bucket b under
// key, until fn fails.
func recordsOf[T any](b []byte, recs []T, key func(T) string, fn func(b, k []byte, v any) error) error {
	for _, v := range recs {
		if err := fn(b, []byte(key(v)), v); err != nil {
			return err
		}
	}
	return nil
}

func hasRoster(tx *bolt.Tx) bool {
	for _, b := range rosterBuckets {
		if k, _ := tx.Bucket(b).Cursor().First(); k != nil {
			return true
		}
	}
	return false
}

func trackReset(tx *bolt.Tx, p app.PullPage, hadRecords bool) error {
	meta := tx.Bucket(bMeta)
	mode := string(meta.Get(kResetting))
	if !p.Reset {
		if mode != "" { // a reset pull ended without its last page: forget it
			return firstErr(meta.Delete(kResetting), deleteBucketIfExists(tx, bSeen))
		}
		return nil
	}
	if mode != "" && p.Done == p.Len() {
		// The first page of a reset pull while another was under way (the
		// server replaced again): start the bookkeeping afresh.
		if err := deleteBucketIfExists(tx, bSeen); err != nil {
			return err
		}
		mode = "" // decided again: the abandoned pages left records to sweep
	}
	if mode == "" {
		mode = "fresh"
		if hadRecords {
			mode = "sweep"
		}
		if err := meta.Put(kResetting, []byte(mode)); err != nil {
			return err
		}
	}
	if mode == "sweep" {
		seen, err := tx.CreateBucketIfNotExists(bSeen)
		if err != nil {
			return err
		}
		for _, k := range pageKeys(p) {
			if err := seen.Put(k, []byte{}); err != nil {
				return err
			}
		}
	}
	if p.More {
		return nil
	}
	if mode == "sweep" {
		if err := sweepUnseen(tx); err != nil {
			return err
		}
	}
	return firstErr(meta.Delete(kResetting), deleteBucketIfExists(tx, bSeen))
}

// sweepUnseen drops the roster records a finished reset pull did not carry.
func sweepUnseen(tx *bolt.Tx) error {
	seen := tx.Bucket(bSeen)
	for _, name := range rosterBuckets {
		b := tx.Bucket(name)
		var drop [][]byte
		prefix := append(append([]byte(nil), name...), 0)
		if err := b.ForEach(func(k, _ []byte) error {
			if seen == nil || seen.Get(append(prefix, k...)) == nil {
				drop = append(drop, append([]byte(nil), k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range drop {
			if bytes.Equal(name, bPupils) {
				var p app.Pupil
				if ok, err := getJSON(b, k, &p); err != nil {
					return err
				} else if ok {
					if err := firstErr(tx.Bucket(bFamily).Delete(key(string(p.AccountID), string(k))), indexFiscalCode(tx, &p, nil), indexName(tx, &p, nil)); err != nil {
						return err
					}
				}
			}
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

func deleteBucketIfExists(tx *bolt.Tx, name []byte) error {
	if tx.Bucket(name) == nil {
		return nil
	}
	return tx.DeleteBucket(name)
}

// applyPage writes a page's records and deletions.
func applyPage(tx *bolt.Tx, p app.PullPage) error {
	// The roster has its indexes (putRoster); every other kind is stored
	// whole under its id (keyedRecords). On an error the transaction is
	// rolled back, so the later kinds written meanwhile do not count.
	if err := firstErr(
		putRoster(tx, app.Roster{Accounts: p.Accounts, Pupils: p.Pupils, Badges: p.Badges, Bookings: p.Bookings}),
		keyedRecords(p, func(b, k []byte, v any) error {
			if len(k) == 0 {
				return fmt.Errorf("pull: a %T record with an empty id", v)
			}
			return putJSON(tx.Bucket(b), k, v)
		}),
	); err != nil {
		return err
	}
	for _, r := range p.Deleted {
		if err := deleteRef(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// deleteRef removes a record the server deleted. Meals recorded here stay.
func deleteRef(tx *bolt.Tx, r app.Ref) error {
	switch r.Kind {
	case app.KindAccount:
		return tx.Bucket(bAccounts).Delete([]byte(r.ID))
	case app.KindPupil:
		var p app.Pupil
		ok, err := getJSON(tx.Bucket(bPupils), []byte(r.ID), &p)
		if err != nil || !ok {
			return err
		}
		return firstErr(tx.Bucket(bFamily).Delete(key(string(p.AccountID), r.ID)), indexFiscalCode(tx, &p, nil), indexName(tx, &p, nil), tx.Bucket(bPupils).Delete([]byte(r.ID)))
	case app.KindBadge:
		return tx.Bucket(bBadges).Delete([]byte(r.ID))
	case app.KindBooking:
		day, pupil, ok := strings.Cut(r.ID, "/")
		if !ok {
			return fmt.Errorf("deleted booking %q: want day/pupil", r.ID)
		}
		return tx.Bucket(bBookings).Delete(bookingKey(app.PupilID(pupil), app.Day(day)))
	case app.KindFeeBand:
		return tx.Bucket(bFeeBands).Delete([]byte(r.ID))
	case app.KindDiet:
		return tx.Bucket(bDiets).Delete([]byte(r.ID))
	case app.KindStaff:
		return tx.Bucket(bStaff).Delete([]byte(r.ID))
	case app.KindNews:
		return tx.Bucket(bNews).Delete([]byte(r.ID))
	case app.KindDocument:
		return tx.Bucket(bDocuments).Delete([]byte(r.ID))
	}
	return fmt.Errorf("deleted record of unknown kind %q", r.Kind)
}

// SetLastSync records the end of a complete sync.
func (s *Store) SetLastSync(t time.Time) error {
	return s.safeUpdate(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put(kLastSync, []byte(t.UTC().Format(time.RFC3339Nano)))
	})
}

// RaiseAlarm stores an alarm once per code and message; it stays until
// staff clear it.
func (s *Store) RaiseAlarm(a app.Alarm) (bool, error) {
	fresh := false
	err := s.safeUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAlarms)
		// One open alarm per code and message.
		var dup bool
		err := b.ForEach(func(k, v []byte) error {
			var old app.Alarm
			if json.Unmarshal(v, &old) == nil && old.Code == a.Code && old.Message == a.Message {
				dup = true
			}
			return nil
		})
		if err != nil || dup {
			return err
		}
		fresh = true
		k := append([]byte(a.Code+"\x00"), binary.BigEndian.AppendUint64(nil, uint64(a.At.UnixNano()))...)
		return putJSON(b, k, a)
	})
	return fresh, err
}

// ClearAlarms removes the open alarms with the code (all when code is "").
func (s *Store) ClearAlarms(code string) error {
	return s.safeUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAlarms)
		var del [][]byte
		prefix := []byte(code)
		if code != "" {
			prefix = append(prefix, 0)
		}
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			del = append(del, append([]byte(nil), k...))
		}
		for _, k := range del {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// RejectedEvent is an event the server refused, kept aside for staff.
type RejectedEvent struct {
	ID     string
	Seq    uint64
	Reason string
	At     time.Time
	// Code names the reason of some rejections (app.Reject*).
	Code string
}

// Rejected lists the events the server refused, by sequence number.
func (s *Store) Rejected() ([]RejectedEvent, error) {
	return listAs(s, bRejected, func(r rejectedEvent) RejectedEvent { return RejectedEvent(r) })
}

// FlaggedEvent is an event the server accepted with flags for review.
type FlaggedEvent struct {
	ID    string
	Seq   uint64
	Flags []string
	At    time.Time
}

// Flagged lists the events the server flagged, by sequence number.
func (s *Store) Flagged() ([]FlaggedEvent, error) {
	return listAs(s, bFlagged, func(f flaggedEvent) FlaggedEvent { return FlaggedEvent(f) })
}

// listAs is listJSON of a bucket's stored form S, each record converted
// to T (the form storage hands out).
func listAs[S, T any](s *Store, bucket []byte, conv func(S) T) ([]T, error) {
	rs, err := listJSON[S](s, bucket)
	out := make([]T, len(rs))
	for i, r := range rs {
		out[i] = conv(r)
	}
	return out, err
}

// listJSON decodes every record of a bucket, in key order.
func listJSON[T any](s *Store, bucket []byte) ([]T, error) {
	var out []T
	err := s.safeView(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var r T
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("%s %q: %w", bucket, k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}
