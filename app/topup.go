package app

import (
	"time"
)

// This file holds the counter role's contract with the central server
// (PRODUCT.md §3, specs/pagopa.md): the family view, bookings made by a
// parent, and top-ups by pagoPA notice. central.Client implements
// CounterCentral over HTTP; the reference server answers it.

// NoticeState is a payment position's state, as pagoPA GPD names them.
type NoticeState string

// Payment position states.
const (
	// NoticeValid: payable.
	NoticeValid NoticeState = "VALID"
	// NoticePaid: a receipt arrived; the amount was credited once.
	NoticePaid NoticeState = "PAID"
	// NoticeExpired: past its due date unpaid.
	NoticeExpired NoticeState = "EXPIRED"
	// NoticeInvalid: withdrawn by the Comune.
	NoticeInvalid NoticeState = "INVALID"
)

// NoticePublication tells whether pagoPA holds a position yet: the server
// publishes each top-up on pagoPA's GPD, and a notice is payable (its
// avviso and QR code shown) only once GPD accepted it. Empty: payable
// (accepted by GPD, or a server without GPD, whose positions are its own).
type NoticePublication string

// Publication states of a notice.
const (
	// NoticePreparing: sent to pagoPA, not accepted yet; nothing to pay.
	NoticePreparing NoticePublication = "preparing"
	// NoticeUnavailable: pagoPA cannot be reached now; nothing to pay. The
	// server keeps trying: once accepted, the notice becomes payable.
	NoticeUnavailable NoticePublication = "unavailable"
	// NoticeRefused: pagoPA refused the position; it is never payable
	// (the notice is INVALID; the office is alarmed).
	NoticeRefused NoticePublication = "refused"
)

// Creditor is the Comune as a pagoPA creditor (ente creditore), from the
// server's configuration.
type Creditor struct {
	// FiscalCode is 11 digits.
	FiscalCode string `json:"fiscal_code"`
	// Name is at most 50 characters on the notice.
	Name     string `json:"name"`
	Sector   string `json:"sector,omitempty"`
	Contacts string `json:"contacts,omitempty"`
	// CBILL is the creditor's CBILL code (5 alphanumeric characters), shown
	// in the notice's payment data; empty when the Comune has none.
	CBILL string `json:"cbill,omitempty"`
}

// Receipt is pagoPA's receipt for a paid notice (what the reference server
// is told by its receipt endpoint).
type Receipt struct {
	ReceiptID  string    `json:"receipt_id"`
	NoticeCode string    `json:"notice_code"`
	Amount     Cents     `json:"amount"`
	PaidAt     time.Time `json:"paid_at"`
	PSP        string    `json:"psp"`
}

// Notice is a payment position with its notice (avviso): a top-up of a
// family's account.
type Notice struct {
	// IUPD is the position's own unique id (GPD's iupd).
	IUPD string `json:"iupd"`
	// NoticeCode is the 18-digit codice avviso (aux digit 3).
	NoticeCode string    `json:"notice_code"`
	AccountID  AccountID `json:"account_id"`
	// Debtor is the paying parent (tutore): fiscal code and full name.
	DebtorFiscalCode string `json:"debtor_fiscal_code"`
	DebtorName       string `json:"debtor_name"`
	Amount           Cents  `json:"amount"`
	// Subject is the notice's subject (≤ 90 characters on the header,
	// description ≤ 140 in GPD).
	Subject string `json:"subject"`
	// DueDate is the last day to pay ("2006-01-02"); empty for none.
	DueDate  Day         `json:"due_date,omitempty"`
	State    NoticeState `json:"state"`
	Created  time.Time   `json:"created"`
	Creditor Creditor    `json:"creditor"`
	// Receipt is set once paid.
	Receipt *Receipt `json:"receipt,omitempty"`
	// Publication is whether pagoPA holds the position yet (empty:
	// payable).
	Publication NoticePublication `json:"publication,omitempty"`
}

// TopUpRequest asks the server for a payment position. The same
// IdempotencyKey always gets the same notice back.
type TopUpRequest struct {
	AccountID      AccountID `json:"account_id"`
	Amount         Cents     `json:"amount"`
	IdempotencyKey string    `json:"idempotency_key"`
}

// BookingRequest is a parent's change to one coming day of one child, made
// at the counter: cancel the meal (disdetta) or ask for a bland meal, or
// undo either. The server refuses it after the day's cut-off.
type BookingRequest struct {
	PupilID   PupilID `json:"pupil_id"`
	Day       Day     `json:"day"`
	Cancelled bool    `json:"cancelled"`
	Bland     bool    `json:"bland"`
}

// FamilyView is what the server holds of one family for the counter: the
// account with its balance, the meals of a period, the notices issued, and
// the booking rules. The counter caches the last one it got, with AsOf.
type FamilyView struct {
	Account Account `json:"account"`
	// Meals of the requested days (voided ones included, marked), oldest
	// first, of every child of the account.
	Meals []Meal `json:"meals"`
	// Bookings of the coming days for the account's children.
	Bookings []Booking `json:"bookings"`
	// Notices issued to the family, newest first.
	Notices []Notice `json:"notices"`
	// BookingCutoff is the time of day after which a day's booking can no
	// longer change ("09:30"), in the Comune's time zone.
	BookingCutoff string    `json:"booking_cutoff"`
	AsOf          time.Time `json:"as_of"`
	// Messages are the office's messages to the family (messages.go), newest
	// first, each with when the family read it.
	Messages []Message `json:"messages,omitempty"`
}
