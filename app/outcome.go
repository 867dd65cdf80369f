package app

import (
	"fmt"
	"time"
)

// Outcome is the rule that decided a tap.
type Outcome int

// Outcomes, in the order the rules are applied (PRODUCT.md §2).
const (
	OutcomeIgnored       Outcome = iota // 1. same badge within the debounce window
	OutcomeUnknownBadge                 // 2. no such badge
	OutcomeBlockedBadge                 // 3. badge blocked (lost)
	OutcomeOutsideWindow                // 4. outside the service window
	OutcomeAlreadyServed                // 5. already served in this service today
	OutcomeRefusedFloor                 // 7. hard floor policy: balance too low
	OutcomeServed                       // 6. recorded and charged
	// OutcomeStaff: the badge is a staff member's, not a pupil's: the
	// screen offers staff mode (TapResult.Staff). Nothing is recorded.
	OutcomeStaff
	// OutcomeClosedDay: the pupil's school has no canteen service today
	// (school calendar or national holiday): nothing recorded, unless
	// staff override the closed day (canteen_calendar.go).
	OutcomeClosedDay
)

var outcomeNames = [...]string{"ignored", "unknown_badge", "blocked_badge", "outside_window", "already_served", "refused_floor", "served", "staff", "closed_day"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// TapResult is what the screen shows for one tap.
type TapResult struct {
	Outcome Outcome
	Badge   BadgeID
	At      time.Time
	// Pupil is set for every outcome after the badge was found.
	Pupil *Pupil
	// Meal is the meal recorded (OutcomeServed) or the earlier one
	// (OutcomeAlreadyServed).
	Meal *Meal
	// Balance is the projected balance after this tap (after the charge when
	// served).
	Balance Cents
	// BalanceAsOf is the time of the server balance the projection starts from.
	BalanceAsOf time.Time
	// Bland: today's booking asks for a pasto in bianco.
	Bland bool
	// CancelledToday: the parent cancelled today's meal; served anyway, staff
	// are told (the kitchen may be short).
	CancelledToday bool
	LowBalance     bool
	BelowZero      bool
	Window         ServiceWindow
	// Staff is the staff member whose badge was tapped (OutcomeStaff).
	Staff *Staff
	// Closed is the closed day (OutcomeClosedDay), or the day served under
	// staff's override (OutcomeServed with ClosedOverride).
	Closed         *ClosedDay
	ClosedOverride bool
	// DietDishes are today's dishes the pupil's diet replaces (each with
	// the standard dish it replaces), when the menu has them.
	DietDishes []ServedDish
}

// Banner reports whether the result must carry the unmissable diet banner.
func (r TapResult) Banner() bool {
	return r.Outcome == OutcomeServed && r.Pupil != nil && (r.Pupil.Diet != nil || r.Bland)
}
