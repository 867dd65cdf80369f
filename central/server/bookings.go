package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
	_ "time/tzdata" // Europe/Rome without the system's zoneinfo (minimal images)

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// Bookings made by a parent at the counter (POST /v1/bookings). In most
// Comuni a pupil counts as present on each canteen day unless the parent
// cancels by the cut-off (usually 09:30 of the day itself); a bland meal is
// asked the same way. A parent's booking is stored exactly like an
// imported one: a record at the next revision, so every kiosk gets it with
// its next pull. Undoing it (neither cancelled nor bland) deletes the
// record, leaving a tombstone the kiosks pull too.

// DefaultTimeZone and DefaultBookingCutoff are the defaults of
// Options.Location and Options.BookingCutoff.
const (
	DefaultTimeZone      = "Europe/Rome"
	DefaultBookingCutoff = "09:30"
)

// MaxBookingDaysAhead bounds how far ahead a booking may be made: a day
// further is almost always a typo in the year.
const MaxBookingDaysAhead = 366

// cutoff is a time of day, in minutes after midnight, with its text.
type cutoff struct {
	minutes int
	text    string
}

// ParseCutoff reads a cut-off time "HH:MM" (24-hour clock).
func ParseCutoff(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("booking cut-off %q: want HH:MM, e.g. 09:30", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// bookingOptions resolves Options.Location and Options.BookingCutoff.
func bookingOptions(opts Options) (*time.Location, cutoff, error) {
	loc := opts.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(DefaultTimeZone); err != nil {
			return nil, cutoff{}, fmt.Errorf("time zone %s: %w", DefaultTimeZone, err)
		}
	}
	text := opts.BookingCutoff
	if text == "" {
		text = DefaultBookingCutoff
	}
	m, err := ParseCutoff(text)
	if err != nil {
		return nil, cutoff{}, err
	}
	return loc, cutoff{minutes: m, text: text}, nil
}

// Location is the Comune's time zone (Options.Location).
func (s *Server) Location() *time.Location { return s.loc }

// BookingCutoff is the cut-off time of day, "HH:MM".
func (s *Server) BookingCutoff() string { return s.cutoff.text }

// localDay is the civil day of t in the Comune's time zone.
func (s *Server) localDay(t time.Time) app.Day { return app.DayOf(t, s.loc) }

// bookingOpen says why a booking for day d cannot change any more at now,
// or "" when it can: a past day never, the day itself until the cut-off.
func (s *Server) bookingOpen(d app.Day, now time.Time) (code, msg string) {
	today := s.localDay(now)
	switch {
	case d < today:
		return central.CodeAfterCutoff, fmt.Sprintf("%s is past: bookings change only for coming days", d)
	case d == today:
		local := now.In(s.loc)
		if local.Hour()*60+local.Minute() >= s.cutoff.minutes {
			return central.CodeAfterCutoff, fmt.Sprintf("the cut-off for %s was %s: bookings for today can no longer change", d, s.cutoff.text)
		}
	}
	return "", ""
}

// apiError is a request refused: its HTTP status and the error body.
type apiError struct {
	status int
	body   central.Error
}

func (e *apiError) Error() string { return e.body.Error() }

// Unwrap gives the *central.Error, so callers can read its code.
func (e *apiError) Unwrap() error { return &e.body }

func refuse(status int, code, field, format string, args ...any) *apiError {
	return &apiError{status: status, body: central.Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}}
}

// Book records a parent's booking change for one coming canteen day of a
// pupil and returns the booking as it now stands (neither flag set: the
// default, stored as no record). Refusals are *apiError: after_cutoff,
// not_canteen_day, unknown_pupil, bad_request. Repeating a request changes
// nothing: the record is the same, so no revision is taken.
func (s *Server) Book(r app.BookingRequest) (app.Booking, error) {
	if msg := checkID(string(r.PupilID)); msg != "" {
		return app.Booking{}, refuse(http.StatusBadRequest, "bad_request", "pupil_id", "%s", msg)
	}
	day, err := time.ParseInLocation(time.DateOnly, string(r.Day), s.loc)
	if err != nil {
		return app.Booking{}, refuse(http.StatusBadRequest, "bad_request", "day", "%q: want YYYY-MM-DD", r.Day)
	}
	now := s.clock.Now()
	if code, msg := s.bookingOpen(r.Day, now); code != "" {
		return app.Booking{}, refuse(http.StatusBadRequest, code, "day", "%s", msg)
	}
	if day.Sub(now) > MaxBookingDaysAhead*24*time.Hour {
		return app.Booking{}, refuse(http.StatusBadRequest, "bad_request", "day", "%s is more than %d days ahead", r.Day, MaxBookingDaysAhead)
	}
	b := app.Booking(r)
	id := bookingID(b)
	var changed bool
	err = s.db.Update(func(tx kv.Tx) error {
		p, ok, err := getJSON[app.Pupil](tx, app.KindPupil, string(r.PupilID))
		if err != nil {
			return err
		}
		if !ok {
			return refuse(http.StatusNotFound, central.CodeUnknownPupil, "pupil_id", "unknown pupil %q", r.PupilID)
		}
		if !p.EatsOn(day.Weekday()) {
			return refuse(http.StatusBadRequest, central.CodeNotCanteenDay, "day", "pupil %s has no canteen on %s (%s)", r.PupilID, day.Weekday(), r.Day)
		}
		if cd, closed, err := closedDayTx(tx, p.School, r.Day); err != nil { // menu.go
			return err
		} else if closed {
			return refuse(http.StatusBadRequest, central.CodeClosedDay, "day", "no canteen service at %s on %s (%s)", p.School, r.Day, cd.Reason)
		}
		refs := tx.Bucket(bRefs)
		if !b.Cancelled && !b.Bland {
			// The default needs no record: delete it (a tombstone).
			if err := refs.Delete(key(string(b.PupilID), app.KindBooking, id)); err != nil {
				return err
			}
			changed, err = deleteRecord(tx, app.KindBooking, id)
			return err
		}
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		if err := refs.Put(key(string(b.PupilID), app.KindBooking, id), nil); err != nil {
			return err
		}
		_, changed, err = putRecord(tx, app.KindBooking, id, data)
		return err
	})
	if err != nil {
		return app.Booking{}, err
	}
	if changed {
		s.log.Info("booking", "pupil", b.PupilID, "day", b.Day, "cancelled", b.Cancelled, "bland", b.Bland)
	}
	return b, nil
}

func (s *Server) handleBook(w http.ResponseWriter, r *http.Request) {
	serveJSONCall(s, w, r, s.Book) // request_body.go
}

// writeAPIError answers err (an *apiError, or an internal error) and
// reports whether there was one.
func writeAPIError(s *Server, w http.ResponseWriter, r *http.Request, err error) bool {
	var ae *apiError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ae):
		writeError(w, ae.status, ae.body.Code, ae.body.Field, ae.body.Message)
	default:
		s.internal(w, r, err)
	}
	return true
}
