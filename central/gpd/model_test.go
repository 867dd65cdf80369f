package gpd

import (
	"encoding/json"
	"testing"
	"time"
)

// TestTimeForms: GPD's date-times are written without a zone, in UTC
// (yyyy-MM-ddTHH:mm:ss), and read in the forms GPD answers.
func TestTimeForms(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	b, err := json.Marshal(At(time.Date(2026, 4, 9, 23, 59, 59, 999, rome)))
	if err != nil || string(b) != `"2026-04-09T21:59:59"` {
		t.Errorf("written %s %v", b, err)
	}
	want := time.Date(2026, 4, 9, 21, 59, 59, 0, time.UTC)
	for _, s := range []string{`"2026-04-09T21:59:59"`, `"2026-04-09T21:59:59.000"`, `"2026-04-09T23:59:59+02:00"`, `"2026-04-09T21:59:59Z"`} {
		var tm Time
		if err := json.Unmarshal([]byte(s), &tm); err != nil || !tm.Equal(want) {
			t.Errorf("%s read as %v %v", s, tm.Time, err)
		}
	}
	var tm Time
	if err := json.Unmarshal([]byte(`"09/04/2026"`), &tm); err == nil {
		t.Error("a date in another form was read")
	}
}
