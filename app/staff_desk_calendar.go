package app

// Staff open a closed day from staff mode (canteen_calendar.go): the
// desk's part, for the staff member of the session.

// ClosedToday is today's closed day, whether today is closed for some
// school, and whether staff opened it already.
func (d *StaffDesk) ClosedToday() (ClosedDay, bool, bool) { return d.canteen.ClosedToday() }

// OverrideClosedDay opens today for the staff member of the session (the
// canteen audits it) and asks for a sync soon, so the audit entry reaches
// the office.
func (d *StaffDesk) OverrideClosedDay() error {
	st, err := d.active()
	if err != nil {
		return err
	}
	if err := d.canteen.OverrideClosedDay(st); err != nil {
		return err
	}
	d.kiosk.SyncSoon()
	return nil
}
