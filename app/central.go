package app

import (
	"encoding/json"
	"errors"
	"time"
)

// This file holds what the kiosk and the central server exchange, in the
// domain's words (PRODUCT.md §5). The wire form (JSON, /v1) is documented in
// central/openapi.yaml; central/ implements Central over HTTP and the
// reference server answers it.

// FeeBand is a fascia and the meal price it sets.
type FeeBand struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	MealPrice Cents  `json:"meal_price"`
}

// Staff roles.
const (
	StaffCanteen = "canteen"
	StaffOffice  = "office"
	StaffAdmin   = "admin"
)

// Staff is a member of the Comune's or the caterer's staff. The PIN is held
// only as a slow hash (see package central/pinhash).
type Staff struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Role    string  `json:"role"`
	PINHash string  `json:"pin_hash"`
	BadgeID BadgeID `json:"badge_id,omitempty"`
}

// News is a public notice the Comune publishes (notizia).
type News struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Published time.Time `json:"published"`
}

// Document is a public document the Comune publishes (documento): a title
// and where to read it.
type Document struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	Published time.Time `json:"published"`
}

// Record kinds, as deltas and deletions name them.
const (
	KindAccount  = "account"
	KindPupil    = "pupil"
	KindBadge    = "badge"
	KindBooking  = "booking"
	KindFeeBand  = "fee_band"
	KindDiet     = "diet"
	KindStaff    = "staff"
	KindNews     = "news"
	KindDocument = "document"
)

// Ref names a record that was deleted on the server. A booking's ID is
// "<day>/<pupil id>".
type Ref struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// Delta is a set of records changed (inserted or replaced) or deleted.
type Delta struct {
	Accounts  []Account  `json:"accounts,omitempty"`
	Pupils    []Pupil    `json:"pupils,omitempty"`
	Badges    []Badge    `json:"badges,omitempty"`
	Bookings  []Booking  `json:"bookings,omitempty"`
	FeeBands  []FeeBand  `json:"fee_bands,omitempty"`
	Diets     []Diet     `json:"diets,omitempty"`
	Staff     []Staff    `json:"staff,omitempty"`
	News      []News     `json:"news,omitempty"`
	Documents []Document `json:"documents,omitempty"`
	Deleted   []Ref      `json:"deleted,omitempty"`
}

// Len is the number of records in the delta.
func (d Delta) Len() int {
	return len(d.Accounts) + len(d.Pupils) + len(d.Badges) + len(d.Bookings) + len(d.FeeBands) +
		len(d.Diets) + len(d.Staff) + len(d.News) + len(d.Documents) + len(d.Deleted)
}

// KioskView is what the server holds of one kiosk's event stream: the
// database epoch it knows and the highest sequence number it holds with all
// below it (per epoch).
type KioskView struct {
	KioskID  string `json:"kiosk_id"`
	Epoch    string `json:"epoch,omitempty"`
	AckedSeq uint64 `json:"acked_seq"`
}

// PullPage is one page of a pull: the records changed since the cursor the
// kiosk sent, the cursor to send next, and whether more pages follow.
type PullPage struct {
	Delta
	// Cursor is opaque to the kiosk; it is stored with the page's records in
	// one transaction and sent with the next pull.
	Cursor string `json:"cursor"`
	More   bool   `json:"more"`
	// Reset is true when the kiosk's cursor was empty or not the server's
	// (the server's database was replaced): the pages from here carry the
	// whole roster, and records absent from them are stale.
	Reset bool `json:"reset"`
	// Done and Total count records for a progress bar: Done so far in this
	// pull, Total the number the whole pull will carry (an estimate when
	// records change meanwhile).
	Done       int       `json:"done"`
	Total      int       `json:"total"`
	ServerTime time.Time `json:"server_time"`
	Kiosk      KioskView `json:"kiosk"`
}

// PushBatch is a batch of outbox events, oldest first, from one database
// (Epoch) of one kiosk (the token says which).
type PushBatch struct {
	Epoch  string        `json:"epoch"`
	Events []OutboxEvent `json:"events"`
}

// EventStatus is the server's answer about one event.
type EventStatus string

// Event answers.
const (
	// EventAccepted: stored now, for the first time.
	EventAccepted EventStatus = "accepted"
	// EventDuplicate: this event id was stored before (a retry). The
	// answer repeats the first one's flags; an event rejected the first
	// time is answered EventRejected again, with its reason.
	EventDuplicate EventStatus = "duplicate"
	// EventRejected: stored with a reason, not applied; kept aside for staff.
	EventRejected EventStatus = "rejected"
)

// Flags the server puts on accepted events.
const (
	// FlagDoubleServe: the pupil was already served in this service on this
	// day by another event (another kiosk, offline). Kept, not charged,
	// held for review in staff mode and on the server.
	FlagDoubleServe = "double_serve"
	// FlagBelowZero: the charge took the family's balance below zero.
	FlagBelowZero = "below_zero"
	// FlagSeqConflict: this kiosk's database reused a sequence number the
	// server already holds for another event (restored from an old copy).
	FlagSeqConflict = "seq_conflict"
	// FlagPriceMismatch: the meal's price as the kiosk showed it is not
	// the price of the pupil's fee band on the meal's day: the server
	// charged its own price (the kiosk's balance follows at its next sync).
	FlagPriceMismatch = "price_mismatch"
)

// Codes of rejected events (EventAck.Code), for the events the kiosk
// should tell staff about in their words. Other rejections carry only a
// Reason.
const (
	// RejectVoidOtherKiosk: a void for a meal another kiosk recorded.
	RejectVoidOtherKiosk = "void_other_kiosk"
	// RejectVoidUnknownStaff: a void naming a staff id the roster lacks.
	RejectVoidUnknownStaff = "void_unknown_staff"
	// RejectVoidNotAllowed: a void by a staff member whose role may not
	// void meals.
	RejectVoidNotAllowed = "void_not_allowed"
	// RejectWrongRole: an event the kiosk's token role may not push (a
	// counter's token pushing meals or voids).
	RejectWrongRole = "wrong_role"
)

// EventAck is the answer about one event.
type EventAck struct {
	ID     string      `json:"id"`
	Seq    uint64      `json:"seq"`
	Status EventStatus `json:"status"`
	Reason string      `json:"reason,omitempty"`
	// Code names the reason of some rejections (Reject*).
	Code  string   `json:"code,omitempty"`
	Flags []string `json:"flags,omitempty"`
}

// Alarm codes, raised on both sides and never skipped over.
const (
	// AlarmSeqGap: the server's copy of a kiosk's stream has a hole.
	AlarmSeqGap = "seq_gap"
	// AlarmEpochChanged: the kiosk's database is not the one the server
	// knew (replaced or recreated).
	AlarmEpochChanged = "epoch_changed"
	// AlarmRestoredCopy: the kiosk's database is behind what the server
	// holds of it: restored from an old copy.
	AlarmRestoredCopy = "restored_copy"
	// AlarmServerBehind: the server holds less of this kiosk's stream than
	// the kiosk had delivered (server restored); the kiosk re-sends.
	AlarmServerBehind = "server_behind"
	// AlarmRejected: events were rejected and are kept aside for staff.
	AlarmRejected = "rejected_events"
	// AlarmClockSkew: the kiosk's clock differs from the server's.
	AlarmClockSkew = "clock_skew"
	// AlarmPriceMismatch: meals were pushed at a price other than the fee
	// band's; the server charged its own (FlagPriceMismatch).
	AlarmPriceMismatch = "price_mismatch"
	// AlarmVoidRefused: voids were refused (another kiosk's meal, a staff
	// id the roster lacks, or a staff member who may not void).
	AlarmVoidRefused = "void_refused"
)

// StaffMayVoid reports whether a staff member of role may void a meal at a
// kiosk. Every role of the roster may (the kiosk's staff mode offers the
// void to each); a role this code does not know may not.
func StaffMayVoid(role string) bool {
	switch role {
	case StaffCanteen, StaffOffice, StaffAdmin:
		return true
	}
	return false
}

// Alarm is a condition staff must look at.
type Alarm struct {
	Code    string    `json:"code"`
	Message string    `json:"message"`
	KioskID string    `json:"kiosk_id,omitempty"`
	At      time.Time `json:"at"`
	// Count is how many times the central server raised this alarm for
	// this kiosk on Day (for rejected_events, price_mismatch and
	// void_refused, how many events): it keeps one per code, kiosk and day, whose Message and
	// At are the latest occurrence's and First the first's. 0 on alarms
	// that are not aggregated (raised once).
	Count int       `json:"count,omitempty"`
	First time.Time `json:"first,omitzero"`
	Day   Day       `json:"day,omitempty"`
}

// PushReply answers a PushBatch: one EventAck per event, in order, and the
// server's view of the stream after the batch.
type PushReply struct {
	Results []EventAck `json:"results"`
	Kiosk   KioskView  `json:"kiosk"`
	// Alarms are this kiosk's alarms of the last day (those the batch
	// raised among them): repeated in every reply, so that one raised by a
	// push whose reply was lost still reaches the kiosk. One per code and
	// day, with its count; at most central.MaxReplyAlarms, newest kept.
	Alarms []Alarm `json:"alarms,omitempty"`
	// Accounts are the family accounts the batch's meals concern, with the
	// server's balance after it: the kiosk stores them with the answers, so
	// an answered meal is never out of both its pending charges and the
	// cached balance.
	Accounts   []Account `json:"accounts,omitempty"`
	ServerTime time.Time `json:"server_time"`
}

// Health is the server's unauthenticated health answer.
type Health struct {
	Status     string    `json:"status"`
	Version    string    `json:"version"`
	ServerTime time.Time `json:"server_time"`
}

// Errors a Central returns, to be told apart with errors.Is.
var (
	// ErrUnauthorized: the token was refused (401). Not retried.
	ErrUnauthorized = errors.New("central server refused the kiosk's token")
	// ErrBadRequest: the server refused the request as malformed (4xx).
	ErrBadRequest = errors.New("central server refused the request")
	// ErrForbidden: the token is valid but its role may not do this (403):
	// a canteen's token at a counter, say. Not retried.
	ErrForbidden = errors.New("central server: this kiosk's token is not for this role")
	// ErrUnreachable: no answer (network down, timeouts, 5xx after retries).
	ErrUnreachable = errors.New("central server unreachable")
)

// MealPayload decodes a meal event's payload.
func MealPayload(e OutboxEvent) (Meal, error) {
	var m Meal
	err := json.Unmarshal(e.Payload, &m)
	return m, err
}
