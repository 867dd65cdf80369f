package app

import (
	"errors"
	"time"
)

// The counter and the menu: the week's menu for a child's school and
// diet, and the closed days, on which no booking is offered or accepted.

// ErrClosedDay: the child's school has no canteen service that day (the
// server's code closed_day).
var ErrClosedDay = errors.New("counter: no canteen service that day (closed)")

// SetMenuBook gives the counter the menu and calendar it shows.
func (c *Counter) SetMenuBook(b *MenuBook) {
	c.mu.Lock()
	c.menu = b
	c.mu.Unlock()
}

func (c *Counter) menuBook() *MenuBook {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.menu
}

// ClosedOn says whether the identified family's child p has no canteen
// service on d (its school's calendar or a national holiday).
func (c *Counter) ClosedOn(p PupilID, d Day) (ClosedDay, bool) {
	school := ""
	if f, ok := c.Current(); ok {
		if pp, ok := f.Pupil(p); ok {
			school = pp.School
		}
	}
	return c.menuBook().ClosedOn(school, d)
}

// MenuDayView is one day of a child's week menu.
type MenuDayView struct {
	Day Day
	// Closed is set on a day without service; Dishes are empty then.
	Closed *ClosedDay
	// Dishes as the child's diet has them (HasMenu false: none published).
	Dishes  []ServedDish
	HasMenu bool
}

// MenuWeek is the menu of child p, Monday to Friday of the week holding
// today (at the weekend, the coming week) moved by weeks, for the child's
// school and diet, and the time the menu was pulled (zero when the kiosk
// holds none).
func (c *Counter) MenuWeek(p PupilID, weeks int) ([]MenuDayView, time.Time) {
	f, ok := c.Current()
	if !ok {
		return nil, time.Time{}
	}
	pp, ok := f.Pupil(p)
	if !ok {
		return nil, time.Time{}
	}
	diet := ""
	if pp.Diet != nil {
		diet = pp.Diet.Code
	}
	cal, _ := c.menuBook().Get()
	today := DayOf(c.clock.Now(), c.cfg.Location)
	if wd := today.Weekday(); wd == time.Saturday || wd == time.Sunday {
		today = today.AddDays(2) // at the weekend, "this week" is the coming one
	}
	monday := today.AddDays(-((int(today.Weekday()) + 6) % 7) + 7*weeks)
	out := make([]MenuDayView, 0, 5)
	for i := range 5 {
		d := monday.AddDays(i)
		v := MenuDayView{Day: d}
		if cd, closed := cal.ClosedOn(pp.School, d); closed {
			v.Closed = &cd
		} else if m, ok := cal.MenuOf(pp.School, d); ok {
			v.Dishes, v.HasMenu = m.Resolve(diet), true
		}
		out = append(out, v)
	}
	return out, cal.AsOf
}
