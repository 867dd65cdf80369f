package central

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"mensakiosk/app"
)

// Messages pulls a page of the office's messages to families sent after
// message id after (GET /v1/messages; counter token). limit 0 is the
// server's default.
func (c *Client) Messages(ctx context.Context, after string, limit int) (app.MessagePage, error) {
	r := c.request(ctx, true, true)
	if after != "" {
		r.SetQueryParam("after", after)
	}
	if limit > 0 {
		r.SetQueryParam("limit", strconv.Itoa(limit))
	}
	body, err := c.do(ctx, r, http.MethodGet, PathMessages)
	if err != nil {
		return app.MessagePage{}, err
	}
	var p app.MessagePage
	if err := decodeJSON(body, &p); err != nil {
		return app.MessagePage{}, c.malformed("GET", PathMessages, err)
	}
	for i, m := range p.Messages {
		if m.ID == "" || m.Audience.Check() != nil {
			return app.MessagePage{}, c.malformed("GET", PathMessages, fmt.Errorf("%w: message %d (%q) without id or audience", ErrMalformedReply, i, m.ID))
		}
	}
	if len(p.Messages) > 0 && p.Last == "" {
		return app.MessagePage{}, c.malformed("GET", PathMessages, fmt.Errorf("%w: messages but no last id", ErrMalformedReply))
	}
	return p, nil
}

var _ app.MessagesCentral = (*Client)(nil)
