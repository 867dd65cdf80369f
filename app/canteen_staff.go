package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Staff mode's use cases on the canteen (PRODUCT.md §4): a meal recorded by
// hand for a forgotten badge, a void, the search they start from (search.go),
// the day's report (computed by report.go). Each writes its audit event in
// the same transaction as its fact.

// Reasons for voiding a meal (MealVoid.Reason): fixed codes, so the audit
// can count them; the screens translate them.
const (
	VoidWrongPupil = "wrong_pupil" // recorded for the wrong pupil
	VoidDuplicate  = "duplicate"   // recorded twice
	VoidNotEaten   = "not_eaten"   // recorded, but the pupil did not eat
	VoidTest       = "test"        // a test tap
)

// VoidReasons lists the reasons in the order the screen offers them.
var VoidReasons = []string{VoidWrongPupil, VoidDuplicate, VoidNotEaten, VoidTest}

// Staff actions (StaffAction.Action) of the audit trail.
const (
	ActionLogin       = "login"
	ActionLoginFailed = "login_failed"
	ActionLocked      = "locked"
	ActionLogout      = "logout"
	ActionManualMeal  = "manual_meal"
	ActionVoid        = "void"
	ActionSettings    = "settings"
	ActionSync        = "sync"
	ActionExport      = "report_export"
	ActionQuit        = "quit"
	// ActionClosedDayOverride: staff served meals on a closed day.
	ActionClosedDayOverride = "closed_day_override"
)

// Errors of staff actions.
var (
	ErrNoStaff       = errors.New("no staff member: staff actions need one")
	ErrVoidReason    = errors.New("unknown void reason")
	ErrAlreadyVoided = errors.New("the meal was already voided")
)

// NewStaffActionEvent makes the outbox event of an audit entry.
func NewStaffActionEvent(staffID, action, detail string, at time.Time) (OutboxEvent, error) {
	if staffID == "" || action == "" {
		return OutboxEvent{}, ErrNoStaff
	}
	id, err := NewEventID()
	if err != nil {
		return OutboxEvent{}, err
	}
	raw, err := json.Marshal(StaffAction{StaffID: staffID, Action: action, Detail: detail})
	if err != nil {
		return OutboxEvent{}, err
	}
	return OutboxEvent{ID: id, Kind: EventStaffAction, At: at.UTC(), Payload: raw}, nil
}

// auditDetail is the JSON detail of an audit entry about a meal.
func auditDetail(kv ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	raw, _ := json.Marshal(m)
	return string(raw)
}

// ServeManual records a meal by hand for a pupil who forgot the badge,
// through the same rules as a badge (service window, already served, diet
// and bland banner, balance policy). The meal (Via ViaManual) and the staff
// member's audit entry are one transaction.
func (c *Canteen) ServeManual(ctx context.Context, staff Staff, id PupilID) (TapResult, error) {
	if staff.ID == "" {
		return TapResult{}, ErrNoStaff
	}
	if err := ctx.Err(); err != nil {
		return TapResult{}, err
	}
	now := c.clock.Now()
	var res TapResult
	err := c.store.Update(func(tx CanteenTx) error {
		res = TapResult{At: now}
		p, err := tx.Pupil(id)
		if err != nil {
			return err
		}
		res.Pupil = &p
		if err := c.serve(tx, &res, p, now, ViaManual); err != nil || res.Outcome != OutcomeServed {
			return err
		}
		ev, err := NewStaffActionEvent(staff.ID, ActionManualMeal, auditDetail("meal_event_id", res.Meal.EventID, "pupil_id", string(p.ID)), now)
		if err != nil {
			return err
		}
		return tx.AppendEvent(&ev)
	})
	if err != nil {
		return TapResult{}, fmt.Errorf("manual meal for pupil %s: %w", id, err)
	}
	if res.Outcome == OutcomeServed {
		c.logMeal(res.Meal)
	}
	return res, nil
}

// Void cancels a meal recorded today by mistake, for one of VoidReasons.
// The meal is marked voided (the pupil may be served again), its meal.voided
// event and the staff member's audit entry are written, all in one
// transaction; the charge comes back in the projected balance at once and
// on the server when the void is pushed.
func (c *Canteen) Void(ctx context.Context, staff Staff, mealEventID, reason string) (Meal, error) {
	if staff.ID == "" {
		return Meal{}, ErrNoStaff
	}
	if !slices.Contains(VoidReasons, reason) {
		return Meal{}, fmt.Errorf("%w %q", ErrVoidReason, reason)
	}
	if err := ctx.Err(); err != nil {
		return Meal{}, err
	}
	now := c.clock.Now()
	day := DayOf(now, c.cfg.Location)
	var voided Meal
	err := c.store.Update(func(tx CanteenTx) error {
		meals, err := tx.DayMeals(day)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(meals, func(m Meal) bool { return m.EventID == mealEventID })
		if i < 0 {
			return fmt.Errorf("no meal %s today: %w", mealEventID, ErrNotFound)
		}
		m := meals[i]
		if m.Voided {
			return ErrAlreadyVoided
		}
		vid, err := NewEventID()
		if err != nil {
			return err
		}
		raw, err := json.Marshal(MealVoid{MealEventID: m.EventID, Reason: reason, StaffID: staff.ID})
		if err != nil {
			return err
		}
		ev := OutboxEvent{ID: vid, Kind: EventMealVoided, At: now.UTC(), Payload: raw}
		if err := tx.VoidMeal(m, &ev); err != nil {
			return err
		}
		audit, err := NewStaffActionEvent(staff.ID, ActionVoid, auditDetail("meal_event_id", m.EventID, "reason", reason), now)
		if err != nil {
			return err
		}
		m.Voided = true
		voided = m
		return tx.AppendEvent(&audit)
	})
	if err != nil {
		return Meal{}, fmt.Errorf("void meal %s: %w", mealEventID, err)
	}
	c.log.Info("meal voided", "event_id", voided.EventID, "reason", reason, "staff_id", staff.ID)
	return voided, nil
}

// RecordStaffAction writes an audit entry (settings changed, sync forced,
// quit, report exported ...) durably, to be pushed with the outbox.
func (c *Canteen) RecordStaffAction(staff Staff, action, detail string) error {
	ev, err := NewStaffActionEvent(staff.ID, action, detail, c.clock.Now())
	if err != nil {
		return err
	}
	return c.store.Update(func(tx CanteenTx) error { return tx.AppendEvent(&ev) })
}

// MealEntry is a meal with its pupil, for the staff's list of today's
// meals. Pupil is zero when the pupil has left the roster since.
type MealEntry struct {
	Meal  Meal
	Pupil Pupil
}

// TodayMeals lists today's meals of the service not voided, newest first.
func (c *Canteen) TodayMeals() ([]MealEntry, error) {
	day := DayOf(c.clock.Now(), c.cfg.Location)
	var out []MealEntry
	err := c.store.View(func(tx CanteenTx) error {
		meals, err := tx.DayMeals(day)
		if err != nil {
			return err
		}
		for i := len(meals) - 1; i >= 0; i-- {
			m := meals[i]
			if m.Voided || m.Service != c.cfg.Service {
				continue
			}
			p, err := tx.Pupil(m.PupilID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			out = append(out, MealEntry{Meal: m, Pupil: p})
		}
		return nil
	})
	return out, err
}

// Report computes the day's report from the local store: it works offline,
// and matches the server's for the same day once the kiosk has synced.
func (c *Canteen) Report(day Day) (DayReport, error) {
	in := ReportInput{Day: day, Service: c.cfg.Service, Closed: c.closedFunc(day)}
	err := c.store.View(func(tx CanteenTx) error {
		var err error
		if in.Pupils, err = tx.Pupils(); err != nil {
			return err
		}
		if in.Bookings, err = tx.DayBookings(day); err != nil {
			return err
		}
		in.Meals, err = tx.DayMeals(day)
		return err
	})
	if err != nil {
		return DayReport{}, fmt.Errorf("report of %s: %w", day, err)
	}
	return BuildDayReport(in), nil
}
