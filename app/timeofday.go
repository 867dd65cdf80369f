package app

import (
	"fmt"
	"time"
)

// TimeOfDay is minutes after local midnight.
type TimeOfDay int

// ParseTimeOfDay reads "hh:mm" (00:00 to 24:00).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	digit := func(i int) int { return int(s[i] - '0') }
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time of day %q: want hh:mm", s)
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("time of day %q: want hh:mm", s)
		}
	}
	h, m := digit(0)*10+digit(1), digit(3)*10+digit(4)
	if h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time of day %q: out of range 00:00–24:00", s)
	}
	return TimeOfDay(h*60 + m), nil
}

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// ServiceWindow is the part of the day when a service is served: [Start, End).
type ServiceWindow struct {
	Start, End TimeOfDay
}

// Contains reports whether local time t falls in the window.
func (w ServiceWindow) Contains(t time.Time) bool {
	m := TimeOfDay(t.Hour()*60 + t.Minute())
	return m >= w.Start && m < w.End
}
