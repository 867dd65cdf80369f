package central

// PathAbsences: POST app.AbsenceRequest → app.AbsenceReply (counter token).
// An absence over several days (assente da … a …) for one child or all of
// a family's children: each canteen day of the span becomes a cancelled
// booking, in one transaction. Idempotent by content. Refusals as for a
// booking: after_cutoff (the first day is past, or today after the
// cut-off), unknown_account, unknown_pupil (or a pupil of another
// family), bad_request (malformed days, to before from, a span of more
// than app.MaxAbsenceDays days, or beyond server.MaxBookingDaysAhead).
const PathAbsences = "/v1/absences"
