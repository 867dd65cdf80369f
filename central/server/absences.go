package server

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// Absences over several days (POST /v1/absences): a parent at the counter
// says a child, or all the family's children, will be away from one day
// to another. Each canteen day of the span becomes a cancelled booking,
// stored exactly like one made day by day (so every kiosk pulls it, the
// parent can undo one day with POST /v1/bookings, and the kitchen report
// counts it as cancelled). The whole span is one transaction: all the days
// or none. Only the first day's cut-off matters: the later days are
// further ahead.

// Absence records an absence and returns the bookings it made, by day and
// pupil. Refusals are *apiError (see central.PathAbsences).
func (s *Server) Absence(r app.AbsenceRequest) (app.AbsenceReply, error) {
	if msg := checkID(string(r.AccountID)); msg != "" {
		return app.AbsenceReply{}, refuse(http.StatusBadRequest, "bad_request", "account_id", "%s", msg)
	}
	for _, p := range r.PupilIDs {
		if msg := checkID(string(p)); msg != "" {
			return app.AbsenceReply{}, refuse(http.StatusBadRequest, "bad_request", "pupil_ids", "%s", msg)
		}
	}
	days, err := app.AbsenceDays(r.From, r.To, s.loc)
	if err != nil {
		field := "to"
		if _, errF := time.Parse(time.DateOnly, string(r.From)); errF != nil {
			field = "from"
		}
		return app.AbsenceReply{}, refuse(http.StatusBadRequest, "bad_request", field, "%v", err)
	}
	now := s.clock.Now()
	if code, msg := s.bookingOpen(r.From, now); code != "" {
		return app.AbsenceReply{}, refuse(http.StatusBadRequest, code, "from", "%s", msg)
	}
	if days[len(days)-1].Sub(now) > MaxBookingDaysAhead*24*time.Hour {
		return app.AbsenceReply{}, refuse(http.StatusBadRequest, "bad_request", "to", "%s is more than %d days ahead", r.To, MaxBookingDaysAhead)
	}
	rep := app.AbsenceReply{Bookings: []app.Booking{}}
	changed := 0
	err = s.db.Update(func(tx kv.Tx) error {
		rep.Bookings, changed = rep.Bookings[:0], 0 // fn may run again (kv.DB.Update)
		if _, err := knownAccount(tx, r.AccountID); err != nil {
			return err
		}
		family := familyPupils(tx, r.AccountID)
		ids := r.PupilIDs
		if len(ids) == 0 {
			ids = family
		}
		refs := tx.Bucket(bRefs)
		for _, id := range ids {
			if !slices.Contains(family, id) {
				return refuse(http.StatusNotFound, central.CodeUnknownPupil, "pupil_ids", "pupil %q is not a child of account %s", id, r.AccountID)
			}
			p, ok, err := getJSON[app.Pupil](tx, app.KindPupil, string(id))
			if err != nil {
				return err
			}
			if !ok {
				return refuse(http.StatusNotFound, central.CodeUnknownPupil, "pupil_ids", "unknown pupil %q", id)
			}
			for _, d := range days {
				if !p.EatsOn(d.Weekday()) {
					continue
				}
				if _, closed, err := closedDayTx(tx, p.School, app.DayOf(d, s.loc)); err != nil { // menu.go
					return err
				} else if closed {
					continue // no meal to cancel on a closed day
				}
				b := app.Booking{PupilID: id, Day: app.DayOf(d, s.loc), Cancelled: true}
				bid := bookingID(b)
				data, err := json.Marshal(b)
				if err != nil {
					return err
				}
				if err := refs.Put(key(string(id), app.KindBooking, bid), nil); err != nil {
					return err
				}
				_, ch, err := putRecord(tx, app.KindBooking, bid, data)
				if err != nil {
					return err
				}
				if ch {
					changed++
				}
				rep.Bookings = append(rep.Bookings, b)
			}
		}
		return nil
	})
	if err != nil {
		return app.AbsenceReply{}, err
	}
	slices.SortFunc(rep.Bookings, func(x, y app.Booking) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.PupilID, y.PupilID))
	})
	if changed > 0 {
		s.log.Info("absence", "account", r.AccountID, "from", r.From, "to", r.To, "pupils", len(r.PupilIDs), "days_changed", changed)
	}
	return rep, nil
}

func (s *Server) handleAbsence(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	serveJSONCall(s, w, r, s.Absence) // request_body.go
}
