package main

import "time"

// A person asks to close the window now and then (a window manager's
// close button, Alt+F4); a window whose display has gone asks without end:
// GLFW sends every window a close request each time it finds the
// connection to the compositor (or X server) lost, and Fyne polls again at
// once. Refusing them one by one left a kiosk without a display running,
// holding its database, and writing a log line every few milliseconds.
//
// closeStorm tells the two apart: closeStormCount requests within
// closeStormWindow are no person's, and the kiosk then ends (a service
// manager starts the whole session again). It also bounds the log: one
// line for the first refusal and then at most one per closeLogEvery.
const (
	closeStormCount  = 20
	closeStormWindow = 2 * time.Second
	closeLogEvery    = 10 * time.Second
)

type closeStorm struct {
	recent    []time.Time // the last requests, within closeStormWindow
	lastLog   time.Time
	unlogged  int // refusals since the last logged one
	lostShown bool
}

// add counts one close request at now. lost says the display is gone;
// log says a refusal line is due, with the refusals it stands for.
func (c *closeStorm) add(now time.Time) (lost, log bool, count int) {
	keep := c.recent[:0]
	for _, t := range c.recent {
		if now.Sub(t) < closeStormWindow {
			keep = append(keep, t)
		}
	}
	c.recent = append(keep, now)
	c.unlogged++
	if len(c.recent) >= closeStormCount {
		first := !c.lostShown
		c.lostShown = true
		return true, first, c.unlogged
	}
	if c.lastLog.IsZero() || now.Sub(c.lastLog) >= closeLogEvery {
		n := c.unlogged
		c.lastLog, c.unlogged = now, 0
		return false, true, n
	}
	return false, false, 0
}
