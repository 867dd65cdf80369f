package server

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
)

// Meal prices. The server charges each meal the price of the pupil's fee
// band in force on the meal's day, whatever price the kiosk sent (that is
// what the kiosk showed: kept in the payload, flagged price_mismatch when
// it differs).
//
// Fee-band history. A pupil's price (from its fee band, or its own
// meal_price) changes only by an import. Each import that changes it
// records the new band and price in force from the import's day (in the
// server's time zone): a meal of an earlier day keeps the price it had,
// whenever it arrives (a kiosk that was offline), and meals already
// charged are never repriced. The first price recorded for a pupil holds
// for every day before it.

// bPrices: pupil \0 day → pricePeriod JSON, the price in force from day
// (the empty day: since ever).
var bPrices = []byte("price_history")

// pricePeriod is a pupil's fee band and meal price from a day on.
type pricePeriod struct {
	FeeBand   string    `json:"fee_band,omitempty"`
	MealPrice app.Cents `json:"meal_price"`
}

// latestPrice returns the pupil's latest price period and its day, if any.
func latestPrice(tx *bolt.Tx, pupil app.PupilID) (pricePeriod, string, bool, error) {
	prefix := key(string(pupil), "")
	c := tx.Bucket(bPrices).Cursor()
	// The first key after the pupil's: its prefix with the NUL made 0x01.
	after := append(bytes.Clone(prefix[:len(prefix)-1]), 1)
	k, _ := c.Seek(after)
	var v []byte
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return pricePeriod{}, "", false, nil
	}
	var pp pricePeriod
	if err := json.Unmarshal(v, &pp); err != nil {
		return pp, "", false, fmt.Errorf("price history of pupil %s: %w", pupil, err)
	}
	return pp, string(k[len(prefix):]), true, nil
}

// recordPrice notes pupil p's price as imported: a new period from today
// when it differs from the latest. old is the pupil as stored before the
// import (had: there was one): a pupil imported before the history was
// kept gets its old price as the period before today.
func recordPrice(tx *bolt.Tx, p app.Pupil, old app.Pupil, had bool, today app.Day) error {
	b := tx.Bucket(bPrices)
	now := pricePeriod{FeeBand: p.FeeBand, MealPrice: p.MealPrice}
	last, _, ok, err := latestPrice(tx, p.ID)
	if err != nil {
		return err
	}
	put := func(day string, pp pricePeriod) error {
		data, err := json.Marshal(pp)
		if err != nil {
			return err
		}
		return b.Put(key(string(p.ID), day), data)
	}
	switch {
	case !ok && !had:
		return put("", now) // a new pupil: its price since ever
	case !ok:
		last = pricePeriod{FeeBand: old.FeeBand, MealPrice: old.MealPrice}
		if err := put("", last); err != nil {
			return err
		}
	}
	if last == now {
		return nil
	}
	return put(string(today), now)
}

// priceOn is pupil's meal price on day: the period in force then, or (a
// pupil without history, stored before it was kept) the pupil's price.
func priceOn(tx *bolt.Tx, pupil app.Pupil, day app.Day) (app.Cents, error) {
	prefix := key(string(pupil.ID), "")
	c := tx.Bucket(bPrices).Cursor()
	// The last key ≤ pupil \0 day: seek just past it, step back.
	k, _ := c.Seek(append(key(string(pupil.ID), string(day)), 0))
	var v []byte
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return pupil.MealPrice, nil
	}
	var pp pricePeriod
	if err := json.Unmarshal(v, &pp); err != nil {
		return 0, fmt.Errorf("price history of pupil %s: %w", pupil.ID, err)
	}
	return pp.MealPrice, nil
}
