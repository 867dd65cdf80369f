package server

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server/kv"
)

// Reading a push batch's keys ahead. On a store whose every read is a
// round trip (kvpg) a meal read about seven keys one query each (its event
// id, its stream slot, its pupil's and account's index entries and
// records, the ledger, the served day, the price history): a batch of
// 1,000 meals made 7,000 round trips. prefetch names them to the store
// before the events are applied: one query for every key a meal names,
// one more for the records their index entries point at, and the price
// history read whole when it is small (priceBook). What the events then
// read is the same; only when it is read changes. On bbolt (reads are
// memory) nothing is done.

// pushPrefetchMin is the fewest events for which a batch reads its keys
// ahead: one (a push of one meal made about 30 round trips, 8 with its
// keys read ahead: the root buckets, the nested buckets' names of those it
// writes).
const pushPrefetchMin = 1

// priceBookMax is the most price-history entries read whole for a batch,
// and priceBookPerMeal the most per meal of the batch: beyond either each
// meal looks its pupil's history up (one query each), so that a long
// history costs a small push no long read.
const (
	priceBookMax     = 4096
	priceBookPerMeal = 4
)

// prefetch names to the store the keys the batch's events will read.
func (p *pusher) prefetch(events []app.OutboxEvent) {
	tx := p.tx
	if len(events) < pushPrefetchMin || !kv.CanPrefetch(tx) {
		return
	}
	kiosk, epoch := []byte(p.kiosk), []byte(p.epoch)
	pupilIdx, accountIdx := kindIndex[app.KindPupil], kindIndex[app.KindAccount]
	var (
		eventIDs, seqs, pupils, accounts, served [][]byte
	)
	day := app.Day(p.now.In(p.s.loc).Format(time.DateOnly))
	var alarms [][]byte
	for _, code := range []string{app.AlarmEpochChanged, app.AlarmSeqGap, app.AlarmRestoredCopy, app.AlarmRejected, app.AlarmPriceMismatch, app.AlarmVoidRefused} {
		alarms = append(alarms, key(p.kiosk, string(day), code))
	}
	for _, e := range events {
		id := e.ID
		if central.CheckID(id) != nil {
			id = badEventKey(id)
		}
		eventIDs = append(eventIDs, []byte(id))
		seqs = append(seqs, u64(e.Seq))
		switch e.Kind {
		case app.EventMealRecorded:
			var m app.Meal
			if json.Unmarshal(e.Payload, &m) != nil {
				continue
			}
			pupils = append(pupils, []byte(m.PupilID))
			accounts = append(accounts, []byte(m.AccountID))
			served = append(served, servedKey(m))
		case app.EventMealVoided:
			var v app.MealVoid
			if json.Unmarshal(e.Payload, &v) == nil && v.MealEventID != "" {
				eventIDs = append(eventIDs, []byte(v.MealEventID))
			}
		}
	}
	// The buckets named without keys are written to: their nested
	// buckets' names come in the same query.
	kv.PrefetchPaths(tx,
		kv.Want{Keys: [][]byte{bKiosks, bStreams, bEvents, bMeta, bReview, bServed, bLedger, bChanges, bPupilMeals, bPrices, bKioskAlarms, pupilIdx, accountIdx}},
		kv.Want{Path: [][]byte{bKiosks}, Keys: [][]byte{kiosk}},
		kv.Want{Path: [][]byte{bStreams}, Keys: [][]byte{kiosk}},
		kv.Want{Path: [][]byte{bStreams, kiosk}, Keys: [][]byte{epoch}},
		kv.Want{Path: [][]byte{bStreams, kiosk, epoch}, Keys: seqs},
		kv.Want{Path: [][]byte{bEvents}, Keys: eventIDs},
		kv.Want{Path: [][]byte{bMeta}, Keys: [][]byte{kHead, kLive, kEvents, kCharged, kAlarmN}},
		kv.Want{Path: [][]byte{bServed}, Keys: served},
		kv.Want{Path: [][]byte{bLedger}, Keys: accounts},
		kv.Want{Path: [][]byte{pupilIdx}, Keys: pupils},
		kv.Want{Path: [][]byte{accountIdx}, Keys: accounts},
		kv.Want{Path: [][]byte{bKioskAlarms}, Keys: alarms},
		kv.Want{Path: [][]byte{bReview}},
		kv.Want{Path: [][]byte{bPupilMeals}},
		kv.Want{Path: [][]byte{bChanges}},
	)
	// The records the index entries point at (read from the cache now).
	var revs [][]byte
	for _, ids := range []struct {
		b   []byte
		ids [][]byte
	}{{pupilIdx, pupils}, {accountIdx, accounts}} {
		idx := tx.Bucket(ids.b)
		if idx == nil {
			continue
		}
		for _, id := range ids.ids {
			if rev := idx.Get(id); rev != nil {
				revs = append(revs, rev)
			}
		}
	}
	kv.PrefetchPaths(tx, kv.Want{Path: [][]byte{bChanges}, Keys: revs})
	if len(pupils) > 0 {
		p.prices = loadPriceBook(tx, min(priceBookMax, max(32, priceBookPerMeal*len(pupils))))
	}
}

// priceBook is the price history (bPrices) read whole, in key order.
type priceBook struct {
	keys, vals [][]byte
}

// loadPriceBook reads the price history whole, or returns nil when it
// holds more than limit entries. The slices are the transaction's.
func loadPriceBook(tx kv.Tx, limit int) *priceBook {
	b := tx.Bucket(bPrices)
	if b == nil {
		return nil
	}
	pb := &priceBook{}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(pb.keys) == limit {
			return nil
		}
		pb.keys, pb.vals = append(pb.keys, k), append(pb.vals, v)
	}
	return pb
}

// lastBefore is lastBefore (prices.go) on the book: the last entry whose
// key sorts before seek.
func (pb *priceBook) lastBefore(seek []byte) (k, v []byte) {
	i := sort.Search(len(pb.keys), func(i int) bool { return bytes.Compare(pb.keys[i], seek) >= 0 })
	if i == 0 {
		return nil, nil
	}
	return pb.keys[i-1], pb.vals[i-1]
}

// priceOn is priceOn (prices.go), from the book when the batch read it.
func (p *pusher) priceOn(pupil app.Pupil, day app.Day, at time.Time) (app.Cents, error) {
	if p.prices == nil {
		return priceOn(p.tx, pupil, day, at)
	}
	k, v := p.prices.lastBefore(priceSeek(pupil, day, at))
	return priceIn(pupil, k, v)
}
