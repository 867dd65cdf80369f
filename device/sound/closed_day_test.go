package sound

import (
	"testing"

	"mensakiosk/app"
)

// A tap on a closed day records nothing: it sounds like the other
// refusals, never like a meal served, and never stays silent.
func TestClosedDaySoundsRefused(t *testing.T) {
	if got := ForResult(app.TapResult{Outcome: app.OutcomeClosedDay}); got != Refused {
		t.Errorf("closed day: %v, want %v", got, Refused)
	}
}
