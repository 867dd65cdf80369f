package central

// Paths of the counter's top-ups by pagoPA notice (openapi.yaml).
const (
	// PathTopUps: POST app.TopUpRequest → app.Notice (kiosk token). The
	// request's idempotency_key (or the Idempotency-Key header, which must
	// then agree) makes it idempotent: 201 when the position is created,
	// 200 when the key was seen before.
	PathTopUps = "/v1/topups"
	// PathNotices is the prefix of GET /v1/notices/{code} → app.Notice
	// (kiosk token).
	PathNotices = "/v1/notices/"
	// PathReceipts: POST app.Receipt → app.Notice, with a receipts token
	// only (`central token -receipts NAME`): pagoPA's receipt for a paid
	// notice. Kiosk tokens are refused (403).
	PathReceipts = "/v1/receipts"
)

// Error codes of the top-up paths (besides those of Error).
const (
	// CodeUnknownAccount: 404, the top-up names no known account.
	CodeUnknownAccount = "unknown_account"
	// CodeIdempotencyConflict: 409, the idempotency key was used before
	// for another account or amount.
	CodeIdempotencyConflict = "idempotency_conflict"
	// CodeNoDebtor: 422, the account has no holder_fiscal_code to name as
	// the notice's debtor.
	CodeNoDebtor = "no_debtor"
	// CodeUnknownNotice: 404, no position has this notice code. For a
	// receipt, the receipt is kept and the office alarmed.
	CodeUnknownNotice = "unknown_notice"
	// CodeAlreadyPaid: 409, a receipt with another id for a notice
	// already paid; the receipt is kept, nothing credited, the office
	// alarmed.
	CodeAlreadyPaid = "already_paid"
	// CodeReceiptConflict: 409, the receipt id was recorded before for
	// another notice.
	CodeReceiptConflict = "receipt_conflict"
	// CodeForbidden: 403, the token may not use this path.
	CodeForbidden = "forbidden"
)
