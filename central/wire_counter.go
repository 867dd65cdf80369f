package central

// Paths of the counter's family view and bookings (openapi.yaml).
const (
	// PathFamilies is the prefix of GET /v1/families/{account_id}
	// ?from=YYYY-MM-DD&to=YYYY-MM-DD → app.FamilyView (kiosk token).
	PathFamilies = "/v1/families/"
	// PathBookings: POST app.BookingRequest → app.Booking (kiosk token).
	// Idempotent by content: the same request again changes nothing.
	PathBookings = "/v1/bookings"
)

// Error codes of the counter's calls (Error.Code); an unknown account is
// CodeUnknownAccount (404), as for a top-up.
const (
	// CodeUnknownPupil: no such pupil (404).
	CodeUnknownPupil = "unknown_pupil"
	// CodeAfterCutoff: the day is past, or it is the day itself after the
	// booking cut-off (400).
	CodeAfterCutoff = "after_cutoff"
	// CodeNotCanteenDay: the pupil has no canteen on that weekday (400).
	CodeNotCanteenDay = "not_canteen_day"
)
