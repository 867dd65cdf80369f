package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The absence over several days (assente da … a …), from the bookings
// tab: choose one child or all of them, the first and the last day (with
// buttons, a day at a time), see how many meals it cancels, confirm. One
// request; each day is then a cancelled booking the parent can restore on
// its own in the bookings list.

// absenceButton is the bookings tab's way into the form (nil when the
// backend has no absences or the server is unreachable).
func (s *CounterScreen) absenceButton() fyne.CanvasObject {
	if _, ok := s.familyBackend(); !ok || !s.b.Online() {
		return nil
	}
	bt := widget.NewButtonWithIcon(s.tr.T("absence.open"), theme.CalendarIcon(), s.act(s.openAbsenceLocked))
	if s.busy {
		bt.Disable()
	}
	return bt
}

// firstOpenDay is the first day whose booking may still change: today
// before the cut-off, else tomorrow.
func (s *CounterScreen) firstOpenDay() app.Day {
	now := s.b.Now().In(s.loc)
	for i := range 3 {
		d := app.DayOf(time.Date(now.Year(), now.Month(), now.Day()+i, 12, 0, 0, 0, s.loc), s.loc)
		if s.b.BookingOpen(d) {
			return d
		}
	}
	return app.DayOf(now.AddDate(0, 0, 1), s.loc)
}

func (s *CounterScreen) openAbsenceLocked() {
	// The first open day on which a child eats at the canteen (a Saturday
	// or a Sunday would cancel nothing).
	first := s.firstOpenDay()
	for i := range 7 {
		d := s.shiftDay(s.firstOpenDay(), i)
		t, err := time.ParseInLocation(time.DateOnly, string(d), s.loc)
		if err == nil && slices.ContainsFunc(s.family.Pupils, func(p app.Pupil) bool { return p.EatsOn(t.Weekday()) }) {
			first = d
			break
		}
	}
	s.fx.absence, s.fx.absWho, s.fx.absFrom, s.fx.absTo, s.fx.absDone = true, "", first, first, ""
	s.errText = ""
}

// shiftDay is d moved by n days.
func (s *CounterScreen) shiftDay(d app.Day, n int) app.Day {
	t, err := time.ParseInLocation(time.DateOnly, string(d), s.loc)
	if err != nil {
		return d
	}
	return app.DayOf(time.Date(t.Year(), t.Month(), t.Day()+n, 12, 0, 0, 0, s.loc), s.loc)
}

// absenceMeals counts the canteen days the form's choice cancels.
func (s *CounterScreen) absenceMeals() int {
	days, err := app.AbsenceDays(s.fx.absFrom, s.fx.absTo, s.loc)
	if err != nil {
		return 0
	}
	n := 0
	for _, p := range s.family.Pupils {
		if s.fx.absWho != "" && p.ID != s.fx.absWho {
			continue
		}
		for _, d := range days {
			if p.EatsOn(d.Weekday()) {
				n++
			}
		}
	}
	return n
}

// absenceForm is the form in place of the bookings list.
func (s *CounterScreen) absenceForm() fyne.CanvasObject {
	title := newLabel(SizeNameNote, true)
	title.Wrapping, title.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	title.SetText(s.tr.T("absence.title"))

	who := container.NewHBox(counterCaption(s.tr.T("absence.who")))
	choose := func(text string, id app.PupilID) {
		bt := widget.NewButton(text, s.act(func() { s.fx.absWho = id }))
		if s.fx.absWho == id {
			bt.Importance = widget.HighImportance
		}
		who.Add(bt)
	}
	if len(s.family.Pupils) > 1 {
		choose(s.tr.T("absence.all"), "")
	}
	for _, p := range s.family.Pupils {
		if len(s.family.Pupils) == 1 {
			s.fx.absWho = p.ID
		}
		choose(p.FirstName, p.ID)
	}

	first := s.firstOpenDay()
	last := s.shiftDay(s.fx.absFrom, app.MaxAbsenceDays-1)
	dayRow := func(text string, day *app.Day, min, max app.Day) fyne.CanvasObject {
		prev := widget.NewButtonWithIcon("", theme.NavigateBackIcon(), s.act(func() {
			*day = s.shiftDay(*day, -1)
		}))
		next := widget.NewButtonWithIcon("", theme.NavigateNextIcon(), s.act(func() {
			*day = s.shiftDay(*day, 1)
			if s.fx.absTo < s.fx.absFrom {
				s.fx.absTo = s.fx.absFrom
			}
		}))
		if *day <= min || s.busy {
			prev.Disable()
		}
		if *day >= max || s.busy {
			next.Disable()
		}
		l := counterText(text)
		l.Wrapping, l.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
		l.Alignment = fyne.TextAlignCenter
		return container.NewBorder(nil, nil, prev, next, l)
	}
	if s.fx.absTo > last {
		s.fx.absTo = last
	}
	horizon := s.shiftDay(first, 365)
	from := dayRow(s.tr.T("absence.from", s.dayText(s.fx.absFrom)), &s.fx.absFrom, first, horizon)
	to := dayRow(s.tr.T("absence.to", s.dayText(s.fx.absTo)), &s.fx.absTo, s.fx.absFrom, last)

	n := s.absenceMeals()
	cutoff := s.family.BookingCutoff
	if cutoff == "" {
		cutoff = app.DefaultBookingCutoff
	}
	info := counterDense(counterText(s.tr.TN("absence.days", n)),
		counterSmall(s.tr.T("absence.hint")+" · "+s.tr.T("counter.booking.cutoff", cutoff)))
	confirm := widget.NewButtonWithIcon(s.tr.T("absence.confirm"), theme.ConfirmIcon(), s.act(s.sendAbsenceLocked))
	confirm.Importance = widget.HighImportance
	if n == 0 || s.busy {
		confirm.Disable()
	}
	cancel := widget.NewButtonWithIcon(s.tr.T("counter.cancel"), theme.CancelIcon(), s.act(func() { s.fx.absence = false }))
	return container.NewVBox(title, who, container.NewGridWithColumns(2, from, to), info, container.NewHBox(confirm, cancel))
}

// sendAbsenceLocked sends the form's absence.
func (s *CounterScreen) sendAbsenceLocked() {
	fb, ok := s.familyBackend()
	if !ok {
		return
	}
	var who []app.PupilID
	if s.fx.absWho != "" {
		who = []app.PupilID{s.fx.absWho}
	}
	from, to, n := s.fx.absFrom, s.fx.absTo, s.absenceMeals()
	callLocked(s, func(ctx context.Context) (app.Family, error) { return fb.Absent(ctx, who, from, to) }, func(f app.Family) { // counter_call.go
		s.family = f
		s.fx.absence = false
		s.fx.absDone = s.tr.TN("absence.done", n)
	})
}

// bookingsHead is the bookings tab's first row: the child's name, with
// the way into the absence form beside it.
func (s *CounterScreen) bookingsHead(name fyne.CanvasObject) fyne.CanvasObject {
	bt := s.absenceButton()
	if bt == nil {
		return name
	}
	return container.NewBorder(nil, nil, nil, bt, name)
}

// bookingsNote is the line under the name: what the last absence did,
// else the cut-off.
func (s *CounterScreen) bookingsNote(cutoff string) *widget.Label {
	if s.fx.absDone == "" {
		return counterSmall(cutoff)
	}
	l := counterSmall(s.fx.absDone)
	l.TextStyle.Bold, l.Importance = true, widget.SuccessImportance
	return l
}
