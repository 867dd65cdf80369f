package central

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"mensakiosk/app"
)

// postCounterJSON sends req as JSON to path for the counter, retried like
// the GETs (the calls that use it are idempotent by their content: a
// repeat changes nothing), and decodes the reply. A refusal wraps
// app.ErrBadRequest with the server's *Error (and app.ErrNotFound for an
// unknown family or pupil); a reply that does not decode is malformed.
func postCounterJSON[T any](ctx context.Context, c *Client, path string, req any) (T, error) {
	var out T
	payload, err := json.Marshal(req)
	if err != nil {
		return out, fmt.Errorf("central: POST %s: %w: %w", path, app.ErrBadRequest, err)
	}
	r := c.request(ctx, true, true).
		SetHeader("Content-Type", "application/json").
		SetBody(payload) // bytes: re-sent whole on every attempt
	body, err := c.do(ctx, r, http.MethodPost, path)
	if err != nil {
		return out, counterNotFound(err)
	}
	if err := decodeJSON(body, &out); err != nil {
		return out, c.malformed("POST", path, err)
	}
	return out, nil
}
