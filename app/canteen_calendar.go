package app

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// The canteen and the school calendar: on a day the pupil's school is
// closed (its calendar, every school's, or a national holiday) a tap
// records nothing and the screen says "servizio non previsto oggi" —
// unless staff opened the day (OverrideClosedDay, audited). A served
// pupil with a special diet gets, in the result, the dishes of today's
// menu the diet replaces.

// ErrNotClosed: staff asked to open a day that is not closed.
var ErrNotClosed = errors.New("today is not a closed day")

// ClosedDayOverrideTx is a canteen transaction that keeps the day staff
// opened (the kiosk's store has it): written with the audit entry, so a
// kiosk restarted that day keeps serving.
type ClosedDayOverrideTx interface {
	PutClosedDayOverride(Day) error
}

// ClosedDayOverrideStore reads the day kept by ClosedDayOverrideTx.
type ClosedDayOverrideStore interface {
	ClosedDayOverride() (Day, error)
}

// SetMenuBook gives the canteen the menu and calendar it applies. Without
// one only the national holidays close the canteen. A day staff opened
// earlier (kept by the store) is opened again.
func (c *Canteen) SetMenuBook(b *MenuBook) {
	var opened Day
	if ds, ok := c.store.(ClosedDayOverrideStore); ok {
		d, err := ds.ClosedDayOverride()
		if err != nil {
			c.log.Error("closed day override not read", "err", err)
		}
		opened = d
	}
	c.mu.Lock()
	c.menu = b
	if opened != "" {
		c.override = opened
	}
	c.mu.Unlock()
}

func (c *Canteen) book() (*MenuBook, Day) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.menu, c.override
}

// closedRule applies the closed-day rule; true when it decided the tap.
func (c *Canteen) closedRule(res *TapResult, p Pupil, day Day) bool {
	b, override := c.book()
	cd, closed := b.ClosedOn(p.School, day)
	if !closed {
		return false
	}
	res.Closed = &cd
	if override == day {
		res.ClosedOverride = true
		return false
	}
	res.Outcome = OutcomeClosedDay
	return true
}

// dietDishes fills the diet's replacements from today's menu.
func (c *Canteen) dietDishes(res *TapResult, p Pupil, day Day) {
	if p.Diet == nil {
		return
	}
	b, _ := c.book()
	if m, ok := b.MenuOf(p.School, day); ok {
		res.DietDishes = m.Substitutions(p.Diet.Code)
	}
}

// OverrideClosedDay lets staff serve meals today although the calendar
// says closed (a trip cancelled, a strike called off): the staff member's
// audit entry is written first, durably; from then until midnight taps
// are served. It is refused on a day closed for nobody.
func (c *Canteen) OverrideClosedDay(staff Staff) error {
	if staff.ID == "" {
		return ErrNoStaff
	}
	now := c.clock.Now()
	day := DayOf(now, c.cfg.Location)
	b, _ := c.book()
	cd, ok := c.closedForAll(b, day)
	if !ok {
		return ErrNotClosed
	}
	ev, err := NewStaffActionEvent(staff.ID, ActionClosedDayOverride, auditDetail("day", string(day), "reason", cd.Reason, "school", cd.School), now)
	if err != nil {
		return err
	}
	err = c.store.Update(func(tx CanteenTx) error {
		if ot, ok := tx.(ClosedDayOverrideTx); ok {
			if err := ot.PutClosedDayOverride(day); err != nil {
				return err
			}
		}
		return tx.AppendEvent(&ev)
	})
	if err != nil {
		return fmt.Errorf("closed day override: %w", err)
	}
	c.mu.Lock()
	c.override = day
	c.mu.Unlock()
	c.log.Info("closed day opened by staff", "day", string(day), "staff_id", staff.ID)
	return nil
}

// ClosedToday is today's closed day when some school (or every school)
// is closed, and whether staff opened it.
func (c *Canteen) ClosedToday() (ClosedDay, bool, bool) {
	day := DayOf(c.clock.Now(), c.cfg.Location)
	b, override := c.book()
	cd, ok := c.closedForAll(b, day)
	return cd, ok, ok && override == day
}

// closedForAll finds a closed day of day: a national holiday or a closed
// day of every school first, else the first school's.
func (c *Canteen) closedForAll(b *MenuBook, day Day) (ClosedDay, bool) {
	if cd, ok := b.ClosedOn("", day); ok {
		return cd, true
	}
	cal, _ := b.Get()
	for _, x := range cal.Closed {
		if x.Day == day {
			return x, true
		}
	}
	return ClosedDay{}, false
}

// idleMenu adds today's menus and closed state to the idle figures.
func (c *Canteen) idleMenu(st *IdleStatus) {
	b, override := c.book()
	cal, ok := b.Get()
	if ok {
		st.MenuAsOf = cal.AsOf
		for _, m := range cal.Days {
			if m.Day == st.Day {
				st.Menus = append(st.Menus, m)
			}
		}
		if len(st.Menus) > 1 {
			counts := c.groupCounts(cal, st.Day)
			slices.SortStableFunc(st.Menus, func(a, b MenuDay) int {
				return cmp.Or(cmp.Compare(counts[b.Group], counts[a.Group]), cmp.Compare(a.Group, b.Group))
			})
		}
	}
	if cd, closed := b.ClosedOn("", st.Day); closed {
		st.Closed = &cd
		st.ClosedOverride = override == st.Day
	}
}

// closedFunc says, for the day's report, whether a school is closed on day.
func (c *Canteen) closedFunc(day Day) func(string) bool {
	b, _ := c.book()
	cal, _ := b.Get()
	return cal.ClosedSchools(day)
}

// menuOrder caches how many pupils of the roster each menu group feeds,
// worked out once a day and menu version: the idle screen shows first the
// menu most of the canteen's pupils eat.
type menuOrder struct {
	key    string
	counts map[string]int
}

func (c *Canteen) groupCounts(cal MenuCalendar, day Day) map[string]int {
	key := string(day) + "/" + strconv.FormatUint(cal.Version, 10)
	c.mu.Lock()
	if c.menuOrder.key == key {
		counts := c.menuOrder.counts
		c.mu.Unlock()
		return counts
	}
	c.mu.Unlock()
	counts := map[string]int{}
	err := c.store.View(func(tx CanteenTx) error {
		return tx.ForEachPupil(func(p Pupil) error {
			counts[cal.GroupOf(p.School)]++
			return nil
		})
	})
	if err != nil {
		c.log.Warn("menu order: roster not read", "err", err)
		return counts
	}
	c.mu.Lock()
	c.menuOrder = menuOrder{key: key, counts: counts}
	c.mu.Unlock()
	return counts
}
