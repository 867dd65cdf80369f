package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// The family view (GET /v1/families/{account_id}?from=&to=): what the
// counter shows a parent who identified. The meals come from the events
// the kiosks pushed, through an index by pupil and day, so that a request
// reads only the family's days and never scans all events.

// bPupilMeals indexes every accepted meal.recorded event (charged, held
// as a double serve, or voided) by pupil and day: pupil \0 day \0 event id
// → nil.
var bPupilMeals = []byte("pupil_meals")

// MaxFamilyDays bounds the days one family view may span.
const MaxFamilyDays = 400

func mealIndexKey(p app.PupilID, d app.Day, eventID string) []byte {
	return key(string(p), string(d), eventID)
}

// indexPupilMeal notes an accepted meal in the index (push.go calls it).
func indexPupilMeal(tx kv.Tx, m app.Meal, eventID string) error {
	return tx.Bucket(bPupilMeals).Put(mealIndexKey(m.PupilID, m.Day, eventID), nil)
}

// ensureMealIndex creates the index in a database made before it, filling
// it from the events held (once: a scan of every event).
func ensureMealIndex(tx kv.Tx) error {
	if tx.Bucket(bPupilMeals) != nil {
		return nil
	}
	idx, err := tx.CreateBucket(bPupilMeals)
	if err != nil {
		return err
	}
	return forEachStored(tx.Bucket(bEvents), "event %s: stored", func(k []byte, it ReviewItem) error {
		if it.Kind != app.EventMealRecorded || it.Status == app.EventRejected {
			return nil
		}
		m, err := app.MealPayload(it.OutboxEvent)
		if err != nil {
			return fmt.Errorf("event %s: stored payload: %w", k, err)
		}
		return idx.Put(mealIndexKey(m.PupilID, m.Day, it.ID), nil)
	})
}

// Family returns the family view of account a with the meals of the days
// from..to (inclusive): the account with the server's balance, the meals
// of its children charged on those days (voided ones included, marked; a
// double serve held uncharged is not the family's and is left out), the
// bookings of today and the coming days, the notices issued, the booking
// cut-off. Refusals are *apiError: unknown_account, bad_request.
func (s *Server) Family(a app.AccountID, from, to app.Day) (app.FamilyView, error) {
	if msg := checkID(string(a)); msg != "" {
		return app.FamilyView{}, refuse(http.StatusBadRequest, "bad_request", "account_id", "%s", msg)
	}
	f, errF := time.Parse(time.DateOnly, string(from))
	t, errT := time.Parse(time.DateOnly, string(to))
	switch {
	case errF != nil:
		return app.FamilyView{}, refuse(http.StatusBadRequest, "bad_request", "from", "%q: want YYYY-MM-DD", from)
	case errT != nil:
		return app.FamilyView{}, refuse(http.StatusBadRequest, "bad_request", "to", "%q: want YYYY-MM-DD", to)
	case t.Before(f):
		return app.FamilyView{}, refuse(http.StatusBadRequest, "bad_request", "to", "%s is before from %s", to, from)
	case t.Sub(f) >= MaxFamilyDays*24*time.Hour:
		return app.FamilyView{}, refuse(http.StatusBadRequest, "bad_request", "to", "%s..%s spans more than %d days: ask for fewer", from, to, MaxFamilyDays)
	}
	now := s.clock.Now()
	today := s.localDay(now)
	v := app.FamilyView{BookingCutoff: s.cutoff.text, AsOf: now.UTC(), Meals: []app.Meal{}, Bookings: []app.Booking{}}
	err := s.db.View(func(tx kv.Tx) error {
		acc, err := knownAccount(tx, a)
		if err != nil {
			return err
		}
		acc.AccessHash = "" // the kiosk has it from the pull; the view need not carry it
		v.Account = acc
		for _, p := range familyPupils(tx, a) {
			meals, err := pupilMeals(tx, p, a, from, to)
			if err != nil {
				return err
			}
			v.Meals = append(v.Meals, meals...)
			bs, err := pupilBookings(tx, p, today)
			if err != nil {
				return err
			}
			v.Bookings = append(v.Bookings, bs...)
		}
		v.Messages, err = s.familyMessages(tx, a, familyPupils(tx, a)) // messages.go
		return err
	})
	if err != nil {
		return app.FamilyView{}, err
	}
	slices.SortFunc(v.Meals, func(x, y app.Meal) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), x.At.Compare(y.At), cmp.Compare(x.EventID, y.EventID))
	})
	slices.SortFunc(v.Bookings, func(x, y app.Booking) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.PupilID, y.PupilID))
	})
	if v.Notices, err = s.FamilyNotices(a); err != nil {
		return app.FamilyView{}, err
	}
	if v.Notices == nil {
		v.Notices = []app.Notice{}
	}
	return v, nil
}

// familyPupils lists the ids of account a's pupils.
func familyPupils(tx kv.Tx, a app.AccountID) []app.PupilID {
	var out []app.PupilID
	prefix := key(string(a), "")
	c := tx.Bucket(bFamily).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, app.PupilID(k[len(prefix):]))
	}
	return out
}

// pupilMeals reads pupil p's meals of from..to charged to account a (a
// pupil who changed family keeps the old family's meals there).
func pupilMeals(tx kv.Tx, p app.PupilID, a app.AccountID, from, to app.Day) ([]app.Meal, error) {
	var out []app.Meal
	evb := tx.Bucket(bEvents)
	c := tx.Bucket(bPupilMeals).Cursor()
	start, end := key(string(p), string(from)), key(string(p), string(to), "\xff")
	for k, _ := c.Seek(start); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
		id := k[bytes.LastIndexByte(k, 0)+1:]
		raw := evb.Get(id)
		if raw == nil {
			return nil, fmt.Errorf("meal index: event %s is missing", id)
		}
		var it ReviewItem
		if err := json.Unmarshal(raw, &it); err != nil {
			return nil, fmt.Errorf("event %s: stored: %w", id, err)
		}
		if !it.Charged && !it.Voided {
			continue // a double serve held for staff: never charged to the family
		}
		m, err := app.MealPayload(it.OutboxEvent)
		if err != nil {
			return nil, fmt.Errorf("event %s: stored payload: %w", id, err)
		}
		if m.AccountID != a {
			continue
		}
		m.Voided = it.Voided
		m.KioskID = it.KioskID        // the token's kiosk, which the server trusts
		m.Price = chargedPrice(it, m) // the server's price, which the family pays
		out = append(out, m)
	}
	return out, nil
}

// pupilBookings reads pupil p's bookings of today and the coming days.
func pupilBookings(tx kv.Tx, p app.PupilID, today app.Day) ([]app.Booking, error) {
	var out []app.Booking
	prefix := key(string(p), app.KindBooking, "")
	c := tx.Bucket(bRefs).Cursor()
	// A booking's id is "<day>/<pupil>": the refs sort by day.
	for k, _ := c.Seek(append(prefix, today...)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		b, ok, err := getJSON[app.Booking](tx, app.KindBooking, string(k[len(prefix):]))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, b)
		}
	}
	return out, nil
}

func (s *Server) handleFamily(w http.ResponseWriter, r *http.Request, account string) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "", err.Error())
		return
	}
	for _, p := range []string{"from", "to"} {
		if len(q[p]) != 1 {
			writeError(w, http.StatusBadRequest, "bad_request", p, "give "+p+"=YYYY-MM-DD once")
			return
		}
	}
	v, err := s.Family(app.AccountID(account), app.Day(q.Get("from")), app.Day(q.Get("to")))
	if writeAPIError(s, w, r, err) {
		return
	}
	writeJSON(w, v)
}
