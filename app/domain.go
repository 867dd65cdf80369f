// Package app is MensaKiosk's domain: the value types of the canteen service,
// its rules and use cases, and the interfaces it needs from the outside
// (Store, Clock). It imports only the standard library: no Fyne, bbolt, HTTP
// or serial code lives here.
package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Cents is an amount of money in euro cents. Money is never a float.
type Cents int64

// BadgeID is a badge's canonical identifier: upper-case hexadecimal, in the
// byte order the reader delivers for EM4100 cards (version byte first), e.g.
// "010063E9AE". Readers' other numberings are mapped to it in device/.
type BadgeID string

var badgeIDPattern = regexp.MustCompile(`^[0-9A-F]{2,32}$`)

// ParseBadgeID normalises s (trims space, upper-cases) and checks that it is
// an even number of hex digits, 1 to 16 bytes.
func ParseBadgeID(s string) (BadgeID, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !badgeIDPattern.MatchString(u) || len(u)%2 != 0 {
		return "", fmt.Errorf("badge id %q: want 2 to 32 hexadecimal digits, an even number", s)
	}
	return BadgeID(u), nil
}

// IDs of the roster's records, as the central server assigns them.
type (
	AccountID string
	PupilID   string
)

// Account is a family's prepaid account (posizione contabile): one balance
// shared by all the children of the paying parent (tutore).
type Account struct {
	ID AccountID `json:"id"`
	// Holder is the paying parent's display name as the Comune registered it.
	Holder string `json:"holder"`
	// HolderFiscalCode is the paying parent's codice fiscale: the debtor of
	// the family's pagoPA notices.
	HolderFiscalCode string `json:"holder_fiscal_code,omitempty"`
	// AccessHash is the slow hash (bcrypt) of the family access code a
	// parent types at the counter with a child's codice fiscale. Never the
	// code itself.
	AccessHash string `json:"access_hash,omitempty"`
	// Balance is the server's balance (top-ups − meals) as of BalanceAsOf.
	Balance     Cents     `json:"balance"`
	BalanceAsOf time.Time `json:"balance_as_of"`
}

// Diet is a special diet (dieta speciale): its name and its allergens.
type Diet struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Allergens []string `json:"allergens,omitempty"`
}

// Pupil is a child enrolled in the canteen service (alunno).
type Pupil struct {
	ID        PupilID   `json:"id"`
	AccountID AccountID `json:"account_id"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	// FiscalCode is the pupil's codice fiscale (16 characters, upper case):
	// with the family access code it identifies the family at the counter.
	FiscalCode string `json:"fiscal_code,omitempty"`
	School     string `json:"school"`
	Class      string `json:"class"`
	// Weekdays with canteen (giornate di rientro).
	Weekdays []time.Weekday `json:"weekdays"`
	// FeeBand is the fascia (usually from ISEE); MealPrice the price it sets.
	FeeBand   string `json:"fee_band"`
	MealPrice Cents  `json:"meal_price"`
	// Diet is nil for the normal menu.
	Diet *Diet `json:"diet,omitempty"`
}

// EatsOn reports whether d is one of the pupil's canteen weekdays.
func (p Pupil) EatsOn(d time.Weekday) bool {
	for _, w := range p.Weekdays {
		if w == d {
			return true
		}
	}
	return false
}

// Badge links a badge id to a pupil. A lost badge is blocked, not deleted.
type Badge struct {
	ID      BadgeID `json:"id"`
	PupilID PupilID `json:"pupil_id"`
	Blocked bool    `json:"blocked"`
}

// Booking is what the parent said about one day (prenotazione): a pupil counts
// as present on each canteen day unless cancelled; Bland asks for a pasto in
// bianco. Only days with something to say have a Booking.
type Booking struct {
	PupilID   PupilID `json:"pupil_id"`
	Day       Day     `json:"day"`
	Cancelled bool    `json:"cancelled"`
	Bland     bool    `json:"bland"`
}

// Roster is the set of records a kiosk serves from: what the central server
// hands it (or the demo generates).
type Roster struct {
	Accounts []Account `json:"accounts"`
	Pupils   []Pupil   `json:"pupils"`
	Badges   []Badge   `json:"badges"`
	Bookings []Booking `json:"bookings"`
}

// Day is a civil date in the kiosk's time zone, "2006-01-02". Its string form
// sorts chronologically.
type Day string

// DayOf returns the civil date of t in loc.
func DayOf(t time.Time, loc *time.Location) Day {
	return Day(t.In(loc).Format(time.DateOnly))
}

// Service is a meal service of the day. The canteen serves lunch.
type Service string

// ServiceLunch is the midday meal (pranzo).
const ServiceLunch Service = "lunch"

// How a meal was recorded.
const (
	ViaBadge  = "badge"
	ViaManual = "manual"
)

// Meal is one meal served (consumo): one pupil, one service, one day, the
// price applied, where and how it was recorded.
type Meal struct {
	// EventID is unique across all kiosks (random, made by the kiosk).
	EventID   string    `json:"event_id"`
	Seq       uint64    `json:"seq"`
	KioskID   string    `json:"kiosk_id"`
	PupilID   PupilID   `json:"pupil_id"`
	AccountID AccountID `json:"account_id"`
	Day       Day       `json:"day"`
	Service   Service   `json:"service"`
	Price     Cents     `json:"price"`
	At        time.Time `json:"at"`
	Via       string    `json:"via"`
	BadgeID   BadgeID   `json:"badge_id,omitempty"`
	// Bland and CancelledBooking record what the kitchen knew at serving time.
	Bland            bool `json:"bland,omitempty"`
	CancelledBooking bool `json:"cancelled_booking,omitempty"`
	// BelowZero is set when the charge took the projected balance below zero
	// and the policy served the meal anyway: staff review it.
	BelowZero bool `json:"below_zero,omitempty"`
	Voided    bool `json:"voided,omitempty"`
}

// Event kinds in the outbox.
const (
	// EventMealRecorded: a meal served; payload Meal.
	EventMealRecorded = "meal.recorded"
	// EventMealVoided cancels a meal: payload MealVoid.
	EventMealVoided = "meal.voided"
	// EventStaffAction is an audit entry: payload StaffAction. The server
	// stores it and applies nothing.
	EventStaffAction = "staff.action"
)

// MealVoid is the payload of a meal.voided event.
type MealVoid struct {
	// MealEventID is the event id of the meal.recorded event voided.
	MealEventID string `json:"meal_event_id"`
	Reason      string `json:"reason"`
	StaffID     string `json:"staff_id"`
}

// StaffAction is the payload of a staff.action event: something a staff
// member did in staff mode, for the audit trail.
type StaffAction struct {
	StaffID string `json:"staff_id"`
	// Action names what was done, e.g. "login", "manual_meal",
	// "block_badge".
	Action string `json:"action"`
	// Detail is free text or JSON for the auditor.
	Detail string `json:"detail,omitempty"`
}

// OutboxEvent is an event waiting to be pushed to the central server. Seq is
// the kiosk's own gap-free sequence, written in the same transaction as the
// fact it reports.
type OutboxEvent struct {
	ID   string    `json:"id"`
	Seq  uint64    `json:"seq"`
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
	// Payload is the fact itself, as JSON (a Meal for meal.recorded).
	Payload json.RawMessage `json:"payload"`
}

// Errors of the domain.
var (
	ErrNotFound = errors.New("not found")
)

// Clock gives the time; tests inject a fixed or stepping one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }
