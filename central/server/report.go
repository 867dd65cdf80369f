package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// The day's report on the server: booked against served, by school, class
// and diet, and who has not eaten. It is computed by app.BuildDayReport,
// the same function the kiosk's staff mode uses on its own store, so the
// numbers agree by construction once the kiosks have synced.

// DayReport computes the report of day and service from the server's
// pupils, the day's bookings and the meals charged that day (one per
// pupil and service: a double serve is held uncharged, a voided meal is
// not charged).
func (s *Server) DayReport(day app.Day, svc app.Service) (app.DayReport, error) {
	if !validDay(day) {
		return app.DayReport{}, fmt.Errorf("report: day %q: want YYYY-MM-DD", day)
	}
	if svc == "" {
		svc = app.ServiceLunch
	}
	if svc != app.ServiceLunch {
		return app.DayReport{}, fmt.Errorf("report: unknown service %q (the canteen serves %s)", svc, app.ServiceLunch)
	}
	in := app.ReportInput{Day: day, Service: svc}
	err := s.db.View(func(tx kv.Tx) error {
		var err error
		if in.Pupils, err = livePupils(tx); err != nil {
			return err
		}
		if in.Closed, err = closedSchools(tx, day); err != nil { // menu.go
			return err
		}
		// Bookings' ids are "<day>/<pupil>": the day's are one range.
		prefix := []byte(string(day) + "/")
		c := tx.Bucket(kindIndex[app.KindBooking]).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			b, ok, err := getJSON[app.Booking](tx, app.KindBooking, string(k))
			if err != nil {
				return err
			}
			if ok {
				in.Bookings = append(in.Bookings, b)
			}
		}
		evb := tx.Bucket(bEvents)
		sp := key(string(day), string(svc), "")
		sc := tx.Bucket(bServed).Cursor()
		for k, id := sc.Seek(sp); k != nil && bytes.HasPrefix(k, sp); k, id = sc.Next() {
			var it ReviewItem
			raw := evb.Get(id)
			if raw == nil {
				return fmt.Errorf("served %q: event %s is missing", k, id)
			}
			if err := json.Unmarshal(raw, &it); err != nil {
				return fmt.Errorf("event %s: stored: %w", id, err)
			}
			m, err := app.MealPayload(it.OutboxEvent)
			if err != nil {
				return fmt.Errorf("event %s: stored payload: %w", id, err)
			}
			in.Meals = append(in.Meals, m)
		}
		return nil
	})
	if err != nil {
		return app.DayReport{}, err
	}
	return app.BuildDayReport(in), nil
}

// livePupils reads every pupil of the roster.
func livePupils(tx kv.Tx) ([]app.Pupil, error) {
	var out []app.Pupil
	err := tx.Bucket(kindIndex[app.KindPupil]).ForEach(func(k, _ []byte) error {
		p, ok, err := getJSON[app.Pupil](tx, app.KindPupil, string(k))
		if ok {
			out = append(out, p)
		}
		return err
	})
	return out, err
}

// adminReport answers GET /admin/report?day=&service=.
func (s *Server) adminReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	day := app.Day(q.Get("day"))
	if day == "" {
		day = s.localDay(s.clock.Now())
	}
	rep, err := s.DayReport(day, app.Service(q.Get("service")))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "day", err.Error())
		return
	}
	writeJSON(w, rep)
}
