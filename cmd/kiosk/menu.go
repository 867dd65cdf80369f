package main

import (
	"time"

	"mensakiosk/app"
	"mensakiosk/ui"
)

// loadMenu makes the kiosk's menu book, fills it with the menu and
// calendar last pulled (offline, they are what the screens show, with
// their as-of time) and hands it to the canteen's rules. The sync engine
// replaces it after each pull that brings a change.
func (c *core) loadMenu(loc *time.Location) {
	c.menu, c.menuLoc = &app.MenuBook{}, loc
	if mc, ok, err := c.store.MenuCalendar(); err != nil {
		c.log.Error("the stored menu cannot be read: the next sync brings it again", "err", err)
	} else if ok {
		c.menu.Set(mc)
	}
	c.canteen.SetMenuBook(c.menu)
}

// refreshOnMenu refreshes the canteen's idle screen as soon as a pull
// brings a changed menu or calendar (a substitution during the day), not
// at the next tick.
func (k *kioskWindow) refreshOnMenu(r *running) {
	r.core.menu.OnChange(func(app.MenuCalendar) {
		select {
		case r.kick <- struct{}{}:
		default: // a refresh is already due
		}
	})
}

// Staff mode's "Apri il servizio di oggi" (app.StaffDesk has it).
var _ ui.StaffClosedDayBackend = staffBackend{}
