package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Absence over several days (assenza da … a …): at the counter a parent
// cancels the meals of one child, or of all the family's children, from a
// day to a day, before the cut-off of the first day. It is one request and
// one answer; each day becomes a cancelled booking like any other, so the
// parent can undo a single day and the kitchen report counts them as
// cancelled.

// MaxAbsenceDays bounds the days one absence may span (from and to
// included).
const MaxAbsenceDays = 62

// AbsenceRequest asks to cancel the canteen days From..To (inclusive) of
// the account's children named in PupilIDs (none: all of them).
type AbsenceRequest struct {
	AccountID AccountID `json:"account_id"`
	PupilIDs  []PupilID `json:"pupil_ids,omitempty"`
	From      Day       `json:"from"`
	To        Day       `json:"to"`
}

// AbsenceReply lists the bookings the absence made: one cancelled booking
// per child and canteen day of the span (days on which a child does not
// eat at the canteen are not in it).
type AbsenceReply struct {
	Bookings []Booking `json:"bookings"`
}

// AbsenceCentral is the central server's absence call. The counter's
// central (central.Client) implements it beside CounterCentral.
type AbsenceCentral interface {
	Absence(ctx context.Context, r AbsenceRequest) (AbsenceReply, error)
}

// ErrAbsenceSpan: the days of an absence are not a span the counter takes.
var ErrAbsenceSpan = errors.New("the absence's days are not valid")

// AbsenceDays checks a span and returns its days, from first to last.
func AbsenceDays(from, to Day, loc *time.Location) ([]time.Time, error) {
	f, errF := time.ParseInLocation(time.DateOnly, string(from), loc)
	t, errT := time.ParseInLocation(time.DateOnly, string(to), loc)
	switch {
	case errF != nil || errT != nil:
		return nil, fmt.Errorf("%w: %q..%q: want YYYY-MM-DD", ErrAbsenceSpan, from, to)
	case to < from:
		return nil, fmt.Errorf("%w: %s is before %s", ErrAbsenceSpan, to, from)
	}
	var out []time.Time
	for d := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, loc); !d.After(t.Add(12 * time.Hour)); d = d.AddDate(0, 0, 1) {
		if len(out) == MaxAbsenceDays {
			return nil, fmt.Errorf("%w: %s..%s spans more than %d days", ErrAbsenceSpan, from, to, MaxAbsenceDays)
		}
		out = append(out, d)
	}
	return out, nil
}

// Absent cancels the canteen days from..to of the family's children
// named (none: all), in one call to the server, then reloads the family
// view. The first day must still be open (BookingOpen).
func (c *Counter) Absent(ctx context.Context, pupils []PupilID, from, to Day) (Family, error) {
	f, ok := c.Current()
	if !ok {
		return Family{}, ErrNotIdentified
	}
	for _, p := range pupils {
		if _, ok := f.Pupil(p); !ok {
			return Family{}, fmt.Errorf("counter: pupil %s is not of this family: %w", p, ErrNotFound)
		}
	}
	if _, err := AbsenceDays(from, to, c.cfg.Location); err != nil {
		return Family{}, err
	}
	ac, ok := c.central.(AbsenceCentral)
	if !ok || !c.Online() {
		return Family{}, ErrOffline
	}
	if !c.BookingOpen(from) {
		return Family{}, ErrAfterCutoff
	}
	r := AbsenceRequest{AccountID: f.Account.ID, PupilIDs: pupils, From: from, To: to}
	rep, err := ac.Absence(ctx, r)
	if err != nil {
		switch {
		case errors.Is(err, ErrAfterCutoff), errors.Is(err, ErrNotCanteenDay):
			return Family{}, err
		case errors.Is(err, ErrBadRequest):
			return Family{}, fmt.Errorf("%w: %w", ErrBookingRefused, err)
		}
		return Family{}, err
	}
	c.log.Info("counter: absence", "account_id", string(f.Account.ID), "from", string(from), "to", string(to),
		"pupils", len(pupils), "days_cancelled", len(rep.Bookings))
	return c.Refresh(ctx)
}
