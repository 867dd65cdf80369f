package server

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// Several servers on one database (PostgreSQL) each run the GPD worker
// over the one outbox. A server tells GPD about a position only after it
// took the position's lease: its outbox entry's value names the server
// (gpdConn.instance, random per opened Server) and until when it works the
// position, written in a serializable transaction that re-reads the entry
// and the position (gpdClaim). Another server passes over a leased entry
// until the lease ends; the outcome's transaction gives it back
// (gpdRelease). A server that dies holding a lease delays the position by
// at most gpdLease; a call outliving its lease (GPD slower than the client's
// timeouts allow) may then be made twice, which GPD's answers keep harmless
// (a create answered 409 with our IUV and amount is the same position; an
// invalidate answered 404 or 409 has nothing more to do).
//
// An entry's value is empty (free) or instance(16) | until(8, Unix ns).

// gpdLease is how long a claim holds a position: above the longest attempt
// (a create and the read-back of a 409, each bounded by gpdClientTimout).
const gpdLease = 2 * time.Minute

const gpdInstanceLen = 16

func newGPDInstance() [gpdInstanceLen]byte {
	var id [gpdInstanceLen]byte
	if _, err := rand.Read(id[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return id
}

func encodeLease(owner [gpdInstanceLen]byte, until time.Time) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), owner[:]...), uint64(until.UnixNano()))
}

// leasedByOther tells whether v (an outbox entry's value) is a lease of
// another server still running at now.
func leasedByOther(v []byte, self [gpdInstanceLen]byte, now time.Time) bool {
	if len(v) != gpdInstanceLen+8 || [gpdInstanceLen]byte(v[:gpdInstanceLen]) == self {
		return false
	}
	return now.UnixNano() < int64(binary.BigEndian.Uint64(v[gpdInstanceLen:]))
}

// gpdClaim decides what to tell GPD about code and takes its lease: op is
// gpdNothing when there is nothing to do now (nothing left: the entry is
// then removed; not due before its next try; or another server works it).
// force: even before the next try. A read-only look comes first, so a
// round over entries waiting for their next try writes nothing.
func (s *Server) gpdClaim(code string, force bool) (p position, op gpdOp, expired bool, err error) {
	self := s.pagopa.gpd.instance
	decide := func(tx kv.Tx) (act bool, err error) {
		p, op, expired = position{}, gpdNothing, false
		v := tx.Bucket(bGPDOutbox).Get([]byte(code))
		now := s.now()
		if v == nil || leasedByOther(v, self, now) {
			return false, nil
		}
		got, ok, err := getPosition(tx, code)
		if err != nil {
			return false, err
		}
		if ok {
			p, op = got, got.GPD.next()
		}
		if op == gpdCreate && current(p, s.noticeDay()).State == app.NoticeExpired {
			// Past its due date before GPD ever took it: nothing to
			// publish (GPD would refuse the date); it stays unpayable here.
			op, expired = gpdNothing, true
		}
		if op == gpdNothing {
			return true, nil // to remove
		}
		if !force && now.Before(p.GPD.NextTry) {
			op = gpdNothing
			return false, nil
		}
		return true, nil
	}
	var act bool
	if err = s.db.View(func(tx kv.Tx) error {
		act, err = decide(tx)
		return err
	}); err != nil || !act {
		return p, gpdNothing, false, err
	}
	err = s.db.Update(func(tx kv.Tx) error {
		act, err := decide(tx)
		switch {
		case err != nil || !act:
			return err
		case op == gpdNothing:
			return tx.Bucket(bGPDOutbox).Delete([]byte(code))
		}
		return tx.Bucket(bGPDOutbox).Put([]byte(code), encodeLease(self, s.now().Add(gpdLease)))
	})
	if err != nil {
		return p, gpdNothing, false, err
	}
	return p, op, expired, nil
}

// gpdRelease gives back the lease on code in the outcome's transaction:
// the entry goes when GPD needs to be told nothing more (done), else it is
// free for the next round. An entry another server took meanwhile (our
// lease ran out) is theirs.
func (s *Server) gpdRelease(tx kv.Tx, code string, done bool) error {
	out := tx.Bucket(bGPDOutbox)
	v := out.Get([]byte(code))
	if v == nil || leasedByOther(v, s.pagopa.gpd.instance, s.now()) {
		return nil
	}
	if done {
		return out.Delete([]byte(code))
	}
	return out.Put([]byte(code), nil)
}
