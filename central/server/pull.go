package server

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// The pull cursor, opaque to kiosks: base64url of
//
//	version(1) | database id(16) | rev(8) | head0(8) | done(4) | total(4) | flags(1)
//
// The redacted flag says the kiosk was given the canteen's view of the
// roster: accounts without their access-code hash (a canteen never
// identifies a family, so a stolen canteen kiosk holds none). A cursor
// presented with the other view (a kiosk whose token changed role) starts
// a reset pull, so a counter gets every hash and a canteen loses them.
//
// rev is the last revision the kiosk holds. A cursor handed out with
// more=true is "mid-pull": it also carries the pull's progress (done, total),
// whether the pull is a reset, and head0, the server's head revision when
// the pull began (a reset pull skips tombstones up to head0: the kiosk had
// nothing to delete then, but it must learn of deletions made during the
// pull). The database id makes a cursor from another server database (a
// replaced or restored server) start a reset.
const (
	dbIDLen       = 16
	cursorVersion = 1
	cursorLen     = 1 + dbIDLen + 8 + 8 + 4 + 4 + 1

	flagMid      = 1
	flagReset    = 2
	flagRedacted = 4
)

var errBadCursor = errors.New("the cursor is not one this server hands out")

type cursorState struct {
	rev, head0  uint64
	done, total uint32
	mid, reset  bool
	redacted    bool
}

func encodeCursor(dbID []byte, c cursorState) string {
	b := make([]byte, 0, cursorLen)
	b = append(b, cursorVersion)
	b = append(b, dbID...)
	b = binary.BigEndian.AppendUint64(b, c.rev)
	b = binary.BigEndian.AppendUint64(b, c.head0)
	b = binary.BigEndian.AppendUint32(b, c.done)
	b = binary.BigEndian.AppendUint32(b, c.total)
	var f byte
	if c.mid {
		f |= flagMid
	}
	if c.reset {
		f |= flagReset
	}
	if c.redacted {
		f |= flagRedacted
	}
	return base64.RawURLEncoding.EncodeToString(append(b, f))
}

// parseCursor decodes a cursor and the id of the database it comes from
// (nil for the empty cursor): a cursor of another database than the one a
// pull reads (dbIDOf) is foreign.
func parseCursor(str string) (c cursorState, dbID []byte, err error) {
	if str == "" {
		return c, nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(str)
	if err != nil || len(b) != cursorLen || b[0] != cursorVersion || b[cursorLen-1]&^(flagMid|flagReset|flagRedacted) != 0 {
		return c, nil, errBadCursor
	}
	p := b[1+dbIDLen:]
	c = cursorState{
		rev: binary.BigEndian.Uint64(p), head0: binary.BigEndian.Uint64(p[8:]),
		done: binary.BigEndian.Uint32(p[16:]), total: binary.BigEndian.Uint32(p[20:]),
		mid: p[24]&flagMid != 0, reset: p[24]&flagReset != 0, redacted: p[24]&flagRedacted != 0,
	}
	return c, b[1 : 1+dbIDLen], nil
}

// deltaFields are the Delta's JSON names, by kind index (see kinds).
var deltaFields = [...]string{"accounts", "pupils", "badges", "bookings", "fee_bands", "diets", "staff", "news", "documents"}

// Pull answers one pull page with the whole roster (a counter's view), as
// the JSON of an app.PullPage: the records are spliced in as stored, not
// decoded and encoded again. epoch selects the stream the kiosk view
// reports ("" is the kiosk's latest).
func (s *Server) Pull(kioskID, cursor string, limit int, epoch string) ([]byte, error) {
	return s.PullView(kioskID, cursor, limit, epoch, false)
}

// PullView is Pull for a token's role: redacted (a canteen's view) leaves
// out the accounts' access-code hashes.
func (s *Server) PullView(kioskID, cursor string, limit int, epoch string, redacted bool) ([]byte, error) {
	given, givenID, err := parseCursor(cursor)
	if err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, errors.New("pull: limit below 1")
	}
	var out []byte
	err = s.db.View(func(tx kv.Tx) error {
		prefetchPull(tx, kioskID) // prefetch.go
		cur := given
		dbID := dbIDOf(tx)
		// A cursor of another database, or of the other view (the token's
		// role changed), starts afresh.
		foreign := cursor == "" || !bytes.Equal(givenID, dbID) || cur.redacted != redacted
		meta := tx.Bucket(bMeta)
		ch := tx.Bucket(bChanges)
		head := getU64(meta, kHead)
		switch {
		case foreign || cur.rev > head:
			// A cursor beyond the head comes from this database restored
			// from an older copy: the kiosk may hold records we lost.
			cur = cursorState{head0: head, total: uint32(getU64(meta, kLive)), reset: true}
		case !cur.mid:
			cur = cursorState{rev: cur.rev, head0: head, total: uint32(countAfter(ch, cur.rev, head))}
		default:
			// Records changed since the pull began come again at the end.
			cur.total += uint32(countAfter(ch, cur.head0, head))
		}

		var lists [len(deltaFields)]bytes.Buffer
		var deleted []app.Ref
		n, last := 0, cur.rev
		c := ch.Cursor()
		var k, v []byte
		if cur.rev < head { // else nothing is above it (countAfter)
			k, v = c.Seek(u64(cur.rev + 1))
		}
		for ; k != nil && n < limit; k, v = c.Next() {
			rev := binary.BigEndian.Uint64(k)
			e, err := decodeChange(v)
			if err != nil {
				return err
			}
			last = rev
			if e.tomb {
				if cur.reset && rev <= cur.head0 {
					continue // nothing to delete on a kiosk starting afresh
				}
				deleted = append(deleted, app.Ref{Kind: kinds[e.kind], ID: string(e.id)})
			} else {
				l := &lists[e.kind]
				if l.Len() > 0 {
					l.WriteByte(',')
				}
				data := e.data
				if redacted && kinds[e.kind] == app.KindAccount {
					if data, err = withoutAccessHash(data); err != nil {
						return err
					}
				}
				l.Write(data)
			}
			n++
		}
		more := k != nil
		done := int(cur.done) + n
		total := max(int(cur.total), done)
		next := cursorState{rev: last, redacted: redacted}
		if more {
			next = cursorState{rev: last, head0: cur.head0, done: uint32(done), total: uint32(total), mid: true, reset: cur.reset, redacted: redacted}
		} else {
			total = done
		}
		// The part of the page after the Delta: an app.PullPage whose
		// Delta is empty, and so left out (every Delta field is omitempty).
		tail := app.PullPage{Cursor: encodeCursor(dbID, next), More: more, Reset: cur.reset, Done: done, Total: total,
			ServerTime: s.now(), Kiosk: kioskView(tx, kioskID, epoch)}

		size := 64
		for i := range lists {
			size += lists[i].Len() + 16
		}
		buf := bytes.NewBuffer(make([]byte, 0, size+len(deleted)*48))
		buf.WriteByte('{')
		for i := range lists {
			if lists[i].Len() == 0 {
				continue
			}
			buf.WriteString(`"` + deltaFields[i] + `":[`)
			buf.Write(lists[i].Bytes())
			buf.WriteString(`],`)
		}
		if len(deleted) > 0 {
			d, err := json.Marshal(deleted)
			if err != nil {
				return err
			}
			buf.WriteString(`"deleted":`)
			buf.Write(d)
			buf.WriteByte(',')
		}
		t, err := json.Marshal(tail)
		if err != nil {
			return err
		}
		buf.Write(t[1:]) // tail without its '{'
		out = buf.Bytes()
		return nil
	})
	return out, err
}

// withoutAccessHash re-encodes a stored account without its access-code
// hash (only accounts that have one are decoded).
func withoutAccessHash(data []byte) ([]byte, error) {
	if !bytes.Contains(data, []byte(`"access_hash"`)) {
		return data, nil
	}
	var a app.Account
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("pull: a stored account: %w", err)
	}
	a.AccessHash = ""
	return json.Marshal(a)
}

// countAfter counts the change entries above rev: the size of a delta
// (small but for a first pull, which counts from the live counter). None
// is above head, the highest revision given out (putRecord and
// deleteRecord take theirs from it): a kiosk that is up to date costs no
// read (on kvpg, no query).
func countAfter(ch kv.Bucket, rev, head uint64) int {
	if rev >= head {
		return 0
	}
	n := 0
	c := ch.Cursor()
	for k, _ := c.Seek(u64(rev + 1)); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// kioskView is what the server holds of one kiosk's stream for epoch (the
// kiosk's latest epoch when epoch is "").
func kioskView(tx kv.Tx, kioskID, epoch string) app.KioskView {
	v := app.KioskView{KioskID: kioskID, Epoch: epoch}
	ks, err := getKiosk(tx, kioskID)
	if err != nil {
		return v
	}
	if epoch == "" {
		v.Epoch = ks.Epoch
	}
	if st := ks.Streams[v.Epoch]; st != nil {
		v.AckedSeq = st.Acked
	}
	return v
}
