package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// Meal prices. The server charges each meal the price of the pupil's fee
// band in force on the meal's day, whatever price the kiosk sent (that is
// what the kiosk showed: kept in the payload, flagged price_mismatch when
// it differs).
//
// Fee-band history. A pupil's price (from its fee band, or its own
// meal_price) changes only by an import. Each import that changes it
// records the new band and price in force from the import's moment (its
// day in the server's time zone, and its time): a meal served before it
// keeps the price it had, whenever it arrives (a kiosk that was offline,
// even the same day: the kiosks showed the old price until their next
// pull), and meals already charged are never repriced. The first price of
// a pupil holds for every day before its first change.

// bPrices: pupil \0 day \0 time → pricePeriod JSON, the price in force
// from that day and time (UTC, periodTime; the empty day: since ever; a
// key without time, written before times were kept: from the day's
// start).
var bPrices = []byte("price_history")

// periodTime is the fixed-width UTC time of a price period's key: keys
// sort as times.
const periodTime = "2006-01-02T15:04:05.000000000Z"

// pricePeriod is a pupil's fee band and meal price from a day on.
type pricePeriod struct {
	FeeBand   string    `json:"fee_band,omitempty"`
	MealPrice app.Cents `json:"meal_price"`
}

// lastBefore is the last entry whose key sorts before seek (nil if none).
func lastBefore(c kv.Cursor, seek []byte) (k, v []byte) {
	if k, _ = c.Seek(seek); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// latestPrice returns the pupil's latest price period and its day, if any.
func latestPrice(tx kv.Tx, pupil app.PupilID) (pricePeriod, string, bool, error) {
	prefix := key(string(pupil), "")
	// The first key after the pupil's: its prefix with the NUL made 0x01.
	k, v := lastBefore(tx.Bucket(bPrices).Cursor(), append(bytes.Clone(prefix[:len(prefix)-1]), 1))
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return pricePeriod{}, "", false, nil
	}
	var pp pricePeriod
	if err := json.Unmarshal(v, &pp); err != nil {
		return pp, "", false, fmt.Errorf("price history of pupil %s: %w", pupil, err)
	}
	return pp, string(k[len(prefix):]), true, nil
}

// recordPrice notes pupil p's price as imported, old being the pupil as
// stored before (had: there was one). A new pupil's price holds for every
// day until it changes (priceOn falls back to the pupil's record), so
// nothing is written; a change writes the new period from now, and, the
// first time, the old price as the period before (since ever). The latest
// period is always the stored pupil's price: an unchanged pupil costs no
// read.
func recordPrice(tx kv.Tx, p app.Pupil, old app.Pupil, had bool, today app.Day, now time.Time) error {
	if !had || (old.FeeBand == p.FeeBand && old.MealPrice == p.MealPrice) {
		return nil
	}
	put := func(k []byte, pp pricePeriod) error {
		data, err := json.Marshal(pp)
		if err != nil {
			return err
		}
		return tx.Bucket(bPrices).Put(k, data)
	}
	_, last, ok, err := latestPrice(tx, p.ID)
	if err != nil {
		return err
	}
	if !ok {
		if err := put(key(string(p.ID), ""), pricePeriod{FeeBand: old.FeeBand, MealPrice: old.MealPrice}); err != nil {
			return err
		}
	}
	from := string(today) + "\x00" + now.UTC().Format(periodTime)
	if ok && from <= last {
		// The clock stepped back behind the latest change: this one
		// replaces it, so the latest period stays the pupil's price.
		from = last
	}
	return put(key(string(p.ID), from), pricePeriod{FeeBand: p.FeeBand, MealPrice: p.MealPrice})
}

// deletePrices forgets a deleted pupil's price history: a pupil made
// again with the same id starts afresh.
func deletePrices(tx kv.Tx, pupil string) error {
	prefix := key(pupil, "")
	c := tx.Bucket(bPrices).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// priceOn is pupil's meal price on day at time at: the period in force
// then, or (a pupil without history, stored before it was kept) the
// pupil's price.
func priceOn(tx kv.Tx, pupil app.Pupil, day app.Day, at time.Time) (app.Cents, error) {
	k, v := lastBefore(tx.Bucket(bPrices).Cursor(), priceSeek(pupil, day, at))
	return priceIn(pupil, k, v)
}

// priceSeek is the key just past pupil \0 day \0 at: the period in force
// then is the last key before it.
func priceSeek(pupil app.Pupil, day app.Day, at time.Time) []byte {
	return append(key(string(pupil.ID), string(day), at.UTC().Format(periodTime)), 0)
}

// priceIn is the price of the period k, v (the last before priceSeek), or
// the pupil's own when it is none of the pupil's.
func priceIn(pupil app.Pupil, k, v []byte) (app.Cents, error) {
	prefix := key(string(pupil.ID), "")
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return pupil.MealPrice, nil
	}
	var pp pricePeriod
	if err := json.Unmarshal(v, &pp); err != nil {
		return 0, fmt.Errorf("price history of pupil %s: %w", pupil.ID, err)
	}
	return pp.MealPrice, nil
}
