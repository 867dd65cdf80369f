package central

import (
	"context"
	"fmt"

	"mensakiosk/app"
)

// Absence records an absence over several days (POST /v1/absences). It is
// retried like a booking: the request is idempotent by its content.
// Refusals wrap app.ErrBadRequest with the server's *Error, and
// app.ErrAfterCutoff or app.ErrNotFound as for a booking.
func (c *Client) Absence(ctx context.Context, req app.AbsenceRequest) (app.AbsenceReply, error) {
	op := "POST " + PathAbsences
	if req.AccountID == "" || !isDay(req.From) || !isDay(req.To) || req.To < req.From {
		return app.AbsenceReply{}, fmt.Errorf("central: %s: %w: want an account and days YYYY-MM-DD, from ≤ to", op, app.ErrBadRequest)
	}
	rep, err := postCounterJSON[app.AbsenceReply](ctx, c, PathAbsences, req)
	if err != nil {
		return app.AbsenceReply{}, err
	}
	for i, b := range rep.Bookings {
		if !b.Cancelled || b.Bland || b.Day < req.From || b.Day > req.To {
			return app.AbsenceReply{}, c.malformed("POST", PathAbsences,
				fmt.Errorf("%w: booking %d (%+v) is not a cancelled day of %s..%s", ErrMalformedReply, i, b, req.From, req.To))
		}
	}
	return rep, nil
}

var _ app.AbsenceCentral = (*Client)(nil)
