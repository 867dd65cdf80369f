package main

import (
	"mensakiosk/app"
	"mensakiosk/ui"
)

var _ ui.StaffClosedDayBackend = staffBackend{}

// ClosedToday: see ui.StaffClosedDayBackend.
func (b staffBackend) ClosedToday() (app.ClosedDay, bool, bool) {
	return b.c().canteen.ClosedToday()
}

// OverrideClosedDay opens today for the staff member in staff mode; the
// audit entry is written by the canteen and pushed with the outbox.
func (b staffBackend) OverrideClosedDay() error {
	st, err := b.active()
	if err != nil {
		return err
	}
	if err := b.c().canteen.OverrideClosedDay(st); err != nil {
		return err
	}
	b.c().link.Kick()
	return nil
}
