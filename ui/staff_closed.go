package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// Staff open a closed day: on a day the calendar closes (a strike called
// off, a trip cancelled) staff mode's menu offers "Apri il servizio di
// oggi"; the canteen then records meals until midnight. The backend
// audits it (app.Canteen.OverrideClosedDay).

// StaffClosedDayBackend is what the button needs; the kiosk's staff
// backend has it, a backend without it shows no button.
type StaffClosedDayBackend interface {
	// ClosedToday: today's closed day, whether today is closed, and
	// whether staff opened it already.
	ClosedToday() (app.ClosedDay, bool, bool)
	// OverrideClosedDay opens today for the staff member in staff mode.
	OverrideClosedDay() error
}

// addClosedDay adds the button to the staff menu when today is closed and
// not opened yet, or a line saying it was opened.
func (s *StaffScreen) addClosedDay(grid *fyne.Container) {
	cb, ok := s.b.(StaffClosedDayBackend)
	if !ok {
		return
	}
	cd, closed, opened := cb.ClosedToday()
	switch {
	case !closed:
	case opened:
		l := newLabel(SizeNameSmall, false)
		l.SetText(s.tr.T("staff.closed.opened"))
		grid.Add(l)
	default:
		why := newLabel(SizeNameSmall, true)
		why.Wrapping, why.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
		why.SetText(s.tr.T("closed.title") + ": " + closedText(s.tr, cd))
		grid.Add(why)
		b := s.button(s.tr.T("staff.closed.open"), theme.WarningIcon(), func() {
			if err := cb.OverrideClosedDay(); err != nil {
				s.show("staff.menu.title", widget.NewLabel(s.tr.T("staff.error", err.Error())), s.staff.Name)
				return
			}
			s.showMenu()
		})
		b.Importance = widget.WarningImportance
		grid.Add(b)
	}
}
