// Package central is the protocol between a kiosk and the central server
// (openapi.yaml beside this file, version /v1), and the kiosk's client for
// it. The reference server lives in central/server.
//
// The bodies are the domain's own types (app.PullPage, app.PushBatch,
// app.PushReply, app.Health), which carry their JSON names; this file adds
// the paths, the headers and the error body.
package central

import "mensakiosk/app"

// Paths of the /v1 protocol.
const (
	PathHealth = "/v1/health" // GET, no token
	PathPull   = "/v1/pull"   // GET ?cursor=&limit=&epoch=
	PathEvents = "/v1/events" // POST app.PushBatch → app.PushReply
)

// Limits both sides hold to.
const (
	// MaxPullLimit is the most records a pull page carries.
	MaxPullLimit = 10_000
	// DefaultPullLimit is the page size when the kiosk names none.
	DefaultPullLimit = 5_000
	// MaxPushEvents is the most events a push batch may carry.
	MaxPushEvents = 1_000
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes = 8 << 20
	// MaxMealPrice bounds a meal's price (cents): 50 €.
	MaxMealPrice app.Cents = 5_000
	// MaxReplyAlarms is the most alarms a push reply carries: the kiosk's
	// alarms of the last day, one per code and day (aggregated, with a
	// count), the newest kept.
	MaxReplyAlarms = 16
)

// Headers.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderRequestID      = "X-Request-Id"
	// HeaderKioskVersion carries the kiosk's version (FyneApp.toml's,
	// e.g. "0.9.0") on every request: `central kiosks` lists it.
	HeaderKioskVersion = "Mensakiosk-Version"
)

// Error is the body of every 4xx and 5xx answer.
type Error struct {
	// Code is stable and machine-readable: unauthorized, bad_request,
	// unknown_kiosk, malformed_json, too_large, bad_cursor, not_found,
	// method_not_allowed, internal.
	Code string `json:"code"`
	// Message says what was wrong, in English, for logs and IT staff.
	Message string `json:"message"`
	// Field names the offending field when there is one.
	Field string `json:"field,omitempty"`
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Code + ": " + e.Field + ": " + e.Message
	}
	return e.Code + ": " + e.Message
}
