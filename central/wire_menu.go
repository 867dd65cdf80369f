package central

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"mensakiosk/app"
)

// The menu and the school calendar (openapi.yaml, /v1/menu): any kiosk
// token (canteen or counter) reads them.
const (
	// PathMenu: GET ?from=YYYY-MM-DD&to=YYYY-MM-DD[&version=N] →
	// app.MenuCalendar: the menu days and closed days of the span (at most
	// MaxMenuDays days), every school's. With version equal to the
	// server's current one the answer is {"version":N,"unchanged":true}.
	PathMenu = "/v1/menu"
	// MaxMenuDays bounds the span of one menu request.
	MaxMenuDays = 120
	// CodeClosedDay: a booking change for a day the pupil's school has no
	// canteen service (school calendar or national holiday) (400).
	CodeClosedDay = "closed_day"
)

// Menu reads the menu and closed days from..to (app.MenuCentral).
func (c *Client) Menu(ctx context.Context, from, to app.Day, version uint64) (app.MenuCalendar, error) {
	if !isDay(from) || !isDay(to) {
		return app.MenuCalendar{}, fmt.Errorf("central: menu: days %q..%q: want YYYY-MM-DD", from, to)
	}
	r := c.request(ctx, true, true).SetQueryParam("from", string(from)).SetQueryParam("to", string(to))
	if version > 0 {
		r.SetQueryParam("version", strconv.FormatUint(version, 10))
	}
	body, err := c.do(ctx, r, http.MethodGet, PathMenu)
	if err != nil {
		return app.MenuCalendar{}, err
	}
	var mc app.MenuCalendar
	if err := decodeJSON(body, &mc); err != nil {
		return app.MenuCalendar{}, c.malformed("GET", PathMenu, err)
	}
	if !mc.Unchanged && (mc.From != from || mc.To != to) {
		return app.MenuCalendar{}, c.malformed("GET", PathMenu, fmt.Errorf("%w: span %s..%s, asked %s..%s", ErrMalformedReply, mc.From, mc.To, from, to))
	}
	return mc, nil
}
