package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The counter's week menu (a tab of the family view): Monday to Friday
// for one child's school and diet, this week and the next, each dish with
// the Annex II numbers of its allergens and a legend of the numbers used;
// closed days say so. And the bookings' closed days.

// CounterMenuBackend is what the menu tab needs besides CounterBackend;
// app.Counter has it. A backend without it shows no menu tab.
type CounterMenuBackend interface {
	// ClosedOn says whether child p has no canteen service on d.
	ClosedOn(p app.PupilID, d app.Day) (app.ClosedDay, bool)
	// MenuWeek is child p's menu, Monday to Friday, weeks from this one,
	// and the time the menu was pulled (zero: none yet).
	MenuWeek(p app.PupilID, weeks int) ([]app.MenuDayView, time.Time)
}

// menuWeeks is how many weeks the tab pages through: this one and the
// next; each week in two pages (Monday–Wednesday, Thursday–Friday), as
// many days as the bookings' pages show, so the view fits 1280×720.
const (
	menuWeeks       = 2
	menuDaysPerPage = 3
	menuWeekPages   = 2
)

func (s *CounterScreen) menuBackend() (CounterMenuBackend, bool) {
	m, ok := s.b.(CounterMenuBackend)
	return m, ok
}

// menuTab: one page per child and week.
func (s *CounterScreen) menuTab() fyne.CanvasObject {
	mb, ok := s.menuBackend()
	ps := s.family.Pupils
	if !ok || len(ps) == 0 {
		return counterText(s.tr.T("counter.child.none"))
	}
	perChild := menuWeeks * menuWeekPages
	pages := len(ps) * perChild
	s.menuPage = counterClamp(s.menuPage, pages)
	p, week, half := ps[s.menuPage/perChild], s.menuPage%perChild/menuWeekPages, s.menuPage%menuWeekPages
	week5, asOf := mb.MenuWeek(p.ID, week)
	days := week5[min(half*menuDaysPerPage, len(week5)):min((half+1)*menuDaysPerPage, len(week5))]
	head := s.tr.T("counter.menu.for", DisplayName(p), p.School)
	if p.Diet != nil {
		head += " · " + s.tr.T("counter.menu.diet", p.Diet.Name)
	}
	name := newLabel(SizeNameNote, true)
	name.Wrapping, name.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	name.SetText(head)
	box := container.NewVBox(counterDense(name))
	if asOf.IsZero() {
		box.Add(newNote(toneAmber, theme.WarningIcon(), s.tr.T("counter.menu.never")).root)
	}
	var used []app.Allergen
	var rows []fyne.CanvasObject
	for _, d := range days {
		t, _ := time.ParseInLocation(time.DateOnly, string(d.Day), s.loc)
		day := newLabel(SizeNameSmall, true)
		day.Wrapping = fyne.TextWrapOff
		day.SetText(s.tr.Weekday(t.Weekday()) + " " + t.Format("02/01"))
		var text string
		switch {
		case d.Closed != nil:
			text = s.tr.T("counter.menu.closed", closedText(s.tr, *d.Closed))
		case !d.HasMenu || len(d.Dishes) == 0:
			text = s.tr.T("counter.menu.none")
		default:
			parts := make([]string, len(d.Dishes))
			for i, dish := range d.Dishes {
				parts[i] = dish.Name + allergenNumbers(dish.Allergens)
				for _, a := range dish.Allergens {
					if !slices.Contains(used, a) {
						used = append(used, a)
					}
				}
			}
			text = strings.Join(parts, " · ")
		}
		dishes := counterSmall(text)
		if d.Closed != nil {
			dishes.Importance = widget.WarningImportance
		}
		rows = append(rows, container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(200, day.MinSize().Height), day), nil, dishes))
	}
	box.Add(counterDense(rows...))
	var foot []string
	if len(used) > 0 {
		slices.SortFunc(used, func(a, b app.Allergen) int { return a.Number() - b.Number() })
		foot = append(foot, allergenText(s.tr, used))
	}
	if !asOf.IsZero() {
		t := asOf.In(s.loc)
		foot = append(foot, s.tr.T("counter.menu.as_of", FormatDate(t), FormatTime(t)))
	}
	if len(foot) > 0 {
		box.Add(counterDense(counterSmall(strings.Join(foot, " — "))))
	}
	monday := ""
	if len(week5) > 0 {
		if t, err := time.ParseInLocation(time.DateOnly, string(week5[0].Day), s.loc); err == nil {
			monday = FormatDate(t)
		}
	}
	title := s.tr.T("counter.menu.week", monday)
	return container.NewBorder(nil, s.pagerWith(&s.menuPage, pages, title), nil, nil, box)
}

// allergenNumbers is " (1, 7)": the Annex II numbers, as menus print them.
func allergenNumbers(as []app.Allergen) string {
	if len(as) == 0 {
		return ""
	}
	n := make([]string, len(as))
	for i, a := range as {
		n[i] = strconv.Itoa(a.Number())
	}
	return " (" + strings.Join(n, ", ") + ")"
}

// closedBookingRow is a booking row for a closed day: the day, the
// reason, and no button (nothing to change).
func (s *CounterScreen) closedBookingRow(p app.PupilID, d app.Day) (fyne.CanvasObject, bool) {
	mb, ok := s.menuBackend()
	if !ok {
		return nil, false
	}
	cd, closed := mb.ClosedOn(p, d)
	if !closed {
		return nil, false
	}
	label := counterText(s.tr.T("counter.booking.closed_day", s.dayText(d), closedText(s.tr, cd)))
	label.Wrapping, label.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	label.Importance = widget.WarningImportance
	return label, true
}

// counterTabsTheme makes the family view's tab buttons a little tighter
// (inner padding 12, icons 24: buttons 56 px high, still a big target), so
// that seven tabs (messages and menu included) fit the demo's role screen
// (1100 px) and a 1280-pixel one.
type counterTabsTheme struct{ kioskTheme }

func (t counterTabsTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameInnerPadding:
		return 12
	case theme.SizeNameInlineIcon:
		return 24
	}
	return t.kioskTheme.Size(n)
}
