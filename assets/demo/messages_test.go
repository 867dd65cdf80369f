package demo

import (
	"testing"
	"time"

	"mensakiosk/app"
)

// TestDemoMessages: the demo's messages are valid as the office would
// send them, some with a link and some without, and reach the first
// family (by account, class and school).
func TestDemoMessages(t *testing.T) {
	r, _ := Build("2026-11-23", time.Now())
	ms := Messages(r)
	links, reach := 0, 0
	var pupils []app.Pupil
	for _, p := range r.Pupils {
		if p.AccountID == r.Accounts[0].ID {
			pupils = append(pupils, p)
		}
	}
	for _, m := range ms {
		if err := m.Check(); err != nil {
			t.Errorf("%q: %v", m.Title, err)
		}
		if m.URL != "" {
			links++
		}
		if m.Audience.Reaches(r.Accounts[0].ID, pupils) {
			reach++
		}
	}
	if len(ms) < 5 || links < 2 || links == len(ms) || reach < 5 {
		t.Errorf("%d messages, %d with a link, %d reach the first family", len(ms), links, reach)
	}
}
