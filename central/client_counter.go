package central

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"mensakiosk/app"
)

// The counter's family view and bookings (app.CounterCentral).

// Family asks for account a's family view with the meals of the days
// from..to (inclusive; the server allows at most 400 days). A GET, retried
// like the pull. An unknown account wraps app.ErrNotFound (and
// app.ErrBadRequest, with the server's *Error, code unknown_account). The
// reply is checked: the account asked for, with its balance's time, a
// cut-off "HH:MM", meals of the family's days only.
func (c *Client) Family(ctx context.Context, a app.AccountID, from, to app.Day) (app.FamilyView, error) {
	op := "GET " + PathFamilies
	if a == "" {
		return app.FamilyView{}, fmt.Errorf("central: %s: %w: no account", op, app.ErrBadRequest)
	}
	if !isDay(from) || !isDay(to) || to < from {
		return app.FamilyView{}, fmt.Errorf("central: %s: %w: days %q..%q: want YYYY-MM-DD, from ≤ to", op, app.ErrBadRequest, from, to)
	}
	path := PathFamilies + url.PathEscape(string(a))
	r := c.request(ctx, true, true).SetQueryParam("from", string(from)).SetQueryParam("to", string(to))
	body, err := c.do(ctx, r, http.MethodGet, path)
	if err != nil {
		return app.FamilyView{}, counterNotFound(err)
	}
	v, err := decodeFamilyView(body, a, from, to)
	if err != nil {
		return app.FamilyView{}, c.malformed("GET", PathFamilies, err)
	}
	return v, nil
}

// Book records a parent's booking change. It is retried like the GETs:
// POST /v1/bookings is idempotent by its content (the server stores the
// day's booking as the request states it; a repeat changes nothing), so a
// retry after a lost answer is harmless. Refusals wrap app.ErrBadRequest
// with the server's *Error: code after_cutoff (a past day, or today after
// the cut-off), not_canteen_day, or unknown_pupil (which also wraps
// app.ErrNotFound). The reply must be the booking asked for.
func (c *Client) Book(ctx context.Context, req app.BookingRequest) (app.Booking, error) {
	op := "POST " + PathBookings
	if req.PupilID == "" || !isDay(req.Day) {
		return app.Booking{}, fmt.Errorf("central: %s: %w: want a pupil and a day YYYY-MM-DD", op, app.ErrBadRequest)
	}
	b, err := postCounterJSON[app.Booking](ctx, c, PathBookings, req)
	if err != nil {
		return app.Booking{}, err
	}
	if b != app.Booking(req) {
		return app.Booking{}, c.malformed("POST", PathBookings,
			fmt.Errorf("%w: booking %+v is not the one asked for (%+v)", ErrMalformedReply, b, req))
	}
	return b, nil
}

// counterNotFound adds app.ErrNotFound to a 404 the server explained.
func counterNotFound(err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		switch ce.Code {
		case CodeUnknownAccount, CodeUnknownPupil:
			return fmt.Errorf("%w: %w", app.ErrNotFound, err)
		case CodeAfterCutoff: // the counter tells the parent why, in its words
			return fmt.Errorf("%w: %w", app.ErrAfterCutoff, err)
		case CodeNotCanteenDay:
			return fmt.Errorf("%w: %w", app.ErrNotCanteenDay, err)
		case CodeClosedDay:
			return fmt.Errorf("%w: %w", app.ErrClosedDay, err)
		}
	}
	return err
}

func isDay(d app.Day) bool {
	_, err := time.Parse(time.DateOnly, string(d))
	return err == nil
}

// decodeFamilyView decodes and checks a family view against the request.
func decodeFamilyView(body []byte, a app.AccountID, from, to app.Day) (app.FamilyView, error) {
	v, bad, err := decodeReply[app.FamilyView](body, "family view") // client_reply.go
	if err != nil {
		return app.FamilyView{}, err
	}
	if v.Account.ID != a {
		return bad("account %q, asked for %q", v.Account.ID, a)
	}
	if v.AsOf.IsZero() || v.Account.BalanceAsOf.IsZero() {
		return bad("no as_of or balance_as_of")
	}
	if t, err := time.Parse("15:04", v.BookingCutoff); err != nil || t.Format("15:04") != v.BookingCutoff {
		return bad("booking_cutoff %q: want HH:MM", v.BookingCutoff)
	}
	for i, m := range v.Meals {
		if m.EventID == "" || m.PupilID == "" || m.Day < from || m.Day > to || !isDay(m.Day) {
			return bad("meal %d (%q, pupil %q, day %q) is not of the days asked", i, m.EventID, m.PupilID, m.Day)
		}
		if m.AccountID != a {
			return bad("meal %d is of account %q", i, m.AccountID)
		}
	}
	for i, b := range v.Bookings {
		if b.PupilID == "" || !isDay(b.Day) {
			return bad("booking %d without pupil or day", i)
		}
	}
	for i, n := range v.Notices {
		if n.NoticeCode == "" || n.AccountID != a {
			return bad("notice %d (%q) is not of account %q", i, n.NoticeCode, a)
		}
	}
	return v, nil
}

var _ app.CounterCentral = (*Client)(nil)
