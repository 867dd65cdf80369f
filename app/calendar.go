package app

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// The school calendar (PRODUCT.md §8): the days a school's canteen does
// not serve — Italy's national holidays, which need no import, and the
// days the Comune imports (school holidays, closures, strikes, trips). On
// a closed day no meal is booked, counted or charged.

// Reasons a day is closed (ClosedDay.Reason); the screens translate them
// (key "closed.<reason>").
const (
	ClosedHoliday = "holiday" // a holiday: national, or the school's (vacanze)
	ClosedClosure = "closure" // the school or the canteen is closed
	ClosedStrike  = "strike"  // a strike (sciopero)
	ClosedTrip    = "trip"    // a school trip (gita)
)

// ClosedReasons lists the reasons in the order the documentation gives.
var ClosedReasons = []string{ClosedHoliday, ClosedClosure, ClosedStrike, ClosedTrip}

var closedAliases = map[string]string{
	"festa": ClosedHoliday, "festività": ClosedHoliday, "festivita": ClosedHoliday, "vacanza": ClosedHoliday, "vacanze": ClosedHoliday,
	"chiusura": ClosedClosure, "chiuso": ClosedClosure, "closed": ClosedClosure,
	"sciopero": ClosedStrike,
	"gita":     ClosedTrip, "uscita didattica": ClosedTrip,
}

// ParseClosedReason reads a reason by its code or its Italian name.
func ParseClosedReason(s string) (string, error) {
	k := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	for _, r := range ClosedReasons {
		if k == r {
			return r, nil
		}
	}
	if r, ok := closedAliases[k]; ok {
		return r, nil
	}
	return "", fmt.Errorf("%q is not a reason for a closed day (holiday, closure, strike, trip; or festa, chiusura, sciopero, gita)", s)
}

// ClosedDay is a day without canteen service for one school, or for every
// school when School is empty.
type ClosedDay struct {
	School string `json:"school,omitempty"`
	Day    Day    `json:"day"`
	Reason string `json:"reason"`
	// Note is free text for families ("Ponte dell'Immacolata"); for a
	// national holiday, its name.
	Note string `json:"note,omitempty"`
	// National: a national holiday (computed, never imported).
	National bool `json:"national,omitempty"`
}

// EasterSunday is Easter Sunday of year in the Gregorian calendar
// (the anonymous Gregorian computus, Meeus/Jones/Butcher).
func EasterSunday(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// Holiday is a national holiday: its day and its Italian name.
type Holiday struct {
	Day  Day
	Name string
}

// NationalHolidays lists Italy's national holidays of year in date order
// (the days schools and canteens close everywhere): 1 and 6 January,
// Easter Monday, 25 April, 1 May, 2 June, 15 August, 1 November,
// 8, 25 and 26 December. A town's patron saint's day is the Comune's to
// import as a closed day.
func NationalHolidays(year int) []Holiday {
	day := func(m time.Month, d int) Day {
		return Day(time.Date(year, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
	}
	easterMonday := Day(EasterSunday(year).AddDate(0, 0, 1).Format(time.DateOnly))
	return []Holiday{
		{day(time.January, 1), "Capodanno"},
		{day(time.January, 6), "Epifania"},
		{easterMonday, "Lunedì dell'Angelo"},
		{day(time.April, 25), "Festa della Liberazione"},
		{day(time.May, 1), "Festa del Lavoro"},
		{day(time.June, 2), "Festa della Repubblica"},
		{day(time.August, 15), "Ferragosto"},
		{day(time.November, 1), "Ognissanti"},
		{day(time.December, 8), "Immacolata Concezione"},
		{day(time.December, 25), "Natale"},
		{day(time.December, 26), "Santo Stefano"},
	}
}

// NationalHoliday says whether d is a national holiday, and its name.
func NationalHoliday(d Day) (string, bool) {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return "", false
	}
	for _, h := range NationalHolidays(t.Year()) {
		if h.Day == d {
			return h.Name, true
		}
	}
	return "", false
}

// SchoolYearStart is the first day of the school year holding d: the
// 1st of September (a school year runs from 1 September to 31 August).
func SchoolYearStart(d Day) (Day, error) {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return "", fmt.Errorf("day %q: want YYYY-MM-DD", d)
	}
	y := t.Year()
	if t.Month() < time.September {
		y--
	}
	return Day(fmt.Sprintf("%04d-09-01", y)), nil
}

// SchoolYearName is "2026/27" for the school year starting on start.
func SchoolYearName(start Day) string {
	if len(start) < 4 {
		return string(start)
	}
	y := string(start[:4])
	var n int
	fmt.Sscanf(y, "%d", &n)
	return fmt.Sprintf("%s/%02d", y, (n+1)%100)
}

// AddDays is d moved by n civil days.
func (d Day) AddDays(n int) Day {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return d
	}
	return Day(t.AddDate(0, 0, n).Format(time.DateOnly))
}

// Weekday is d's day of the week (Sunday for a malformed day).
func (d Day) Weekday() time.Weekday {
	t, _ := time.Parse(time.DateOnly, string(d))
	return t.Weekday()
}

// MenuBook holds the kiosk's menu and calendar in memory, for the canteen's
// rules and the screens; the sync engine replaces it after each pull and
// the wiring fills it from the store at start. Safe for concurrent use.
type MenuBook struct {
	mu  sync.RWMutex
	cal *MenuCalendar
	on  []func(MenuCalendar)
}

// Set replaces the calendar and tells the listeners (OnChange).
func (b *MenuBook) Set(c MenuCalendar) {
	b.mu.Lock()
	b.cal = &c
	fns := append([]func(MenuCalendar){}, b.on...)
	b.mu.Unlock()
	for _, fn := range fns {
		fn(c)
	}
}

// OnChange adds a function called after every Set (from Set's goroutine).
func (b *MenuBook) OnChange(fn func(MenuCalendar)) {
	b.mu.Lock()
	b.on = append(b.on, fn)
	b.mu.Unlock()
}

// Get returns the calendar held, and whether there is one.
func (b *MenuBook) Get() (MenuCalendar, bool) {
	if b == nil {
		return MenuCalendar{}, false
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.cal == nil {
		return MenuCalendar{}, false
	}
	return *b.cal, true
}

// ClosedOn is MenuCalendar.ClosedOn on the calendar held; with none, the
// national holidays still count.
func (b *MenuBook) ClosedOn(school string, d Day) (ClosedDay, bool) {
	c, _ := b.Get()
	return c.ClosedOn(school, d)
}

// MenuOf is MenuCalendar.MenuOf on the calendar held.
func (b *MenuBook) MenuOf(school string, d Day) (MenuDay, bool) {
	c, ok := b.Get()
	if !ok {
		return MenuDay{}, false
	}
	return c.MenuOf(school, d)
}
