package ui

import (
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// closedDayStaff is an in-memory staff backend on a closed day: the PIN
// 1234 opens staff mode; OverrideClosedDay records who opened the day.
// Only what the PIN page and the menu call is implemented (the embedded
// interface is nil: anything else would panic, and the test would say so).
type closedDayStaff struct {
	StaffBackend
	closed, opened bool
	openedBy       []string
}

func (b *closedDayStaff) Begin(*app.Staff)             {}
func (b *closedDayStaff) LockState() (time.Time, bool) { return time.Time{}, false }
func (b *closedDayStaff) Touch()                       {}
func (b *closedDayStaff) IdleExpired() bool            { return false }
func (b *closedDayStaff) SubmitPIN(pin string) (app.Staff, error) {
	if pin != "1234" {
		return app.Staff{}, app.ErrWrongPIN
	}
	return app.Staff{ID: "S1", Name: "Anna Cuoca", Role: app.StaffCanteen}, nil
}
func (b *closedDayStaff) ClosedToday() (app.ClosedDay, bool, bool) {
	return app.ClosedDay{Day: "2026-11-25", Reason: app.ClosedStrike, Note: "Sciopero"}, b.closed, b.opened
}
func (b *closedDayStaff) OverrideClosedDay() error {
	if !b.closed {
		return errors.New("not closed")
	}
	b.opened = true
	b.openedBy = append(b.openedBy, "S1")
	return nil
}

func staffButtons(o fyne.CanvasObject) map[string]*widget.Button {
	out := map[string]*widget.Button{}
	walk(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			out[b.Text] = b
		}
	})
	return out
}

func TestStaffOpensClosedDay(t *testing.T) {
	newKioskApp(t)
	b := &closedDayStaff{closed: true}
	s := NewStaffScreen(MustCatalogue("it"), b, StaffOptions{Location: rome})
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(kioskW, kioskH))
	s.Begin(nil)
	for _, d := range "1234" {
		test.Tap(staffButtons(s.Content())[string(d)])
	}
	test.Tap(staffButtons(s.Content())["Entra"])
	const label = "Apri il servizio di oggi"
	open, ok := staffButtons(s.Content())[label]
	if !ok {
		t.Fatalf("no %q in the staff menu; buttons: %v", label, staffButtons(s.Content()))
	}
	if !screenHas(s.Content(), "Servizio non previsto oggi: Sciopero — Sciopero") {
		t.Error("the menu does not say why the day is closed")
	}
	for _, sc := range fitScreens {
		sz := sc.size()
		fitCheck(t, "staff menu on a closed day "+sc.String(), w, s.Content(), sz.Width, sz.Height)
	}
	fitCheck(t, "staff menu on a closed day, demo", w, s.Content(), fitDemoW, fitDemoH)
	test.Tap(open)
	if len(b.openedBy) != 1 {
		t.Fatalf("the override was not asked for: %v", b.openedBy)
	}
	if _, still := staffButtons(s.Content())[label]; still {
		t.Error("the button is still offered once the day is open")
	}
	if !screenHas(s.Content(), "Servizio di oggi aperto: i pasti si registrano") {
		t.Error("the menu does not say the day was opened")
	}
	// An open day: no button.
	b2 := &closedDayStaff{}
	s2 := NewStaffScreen(MustCatalogue("it"), b2, StaffOptions{Location: rome})
	test.NewTempWindow(t, s2.Content())
	s2.Begin(nil)
	for _, d := range "1234" {
		test.Tap(staffButtons(s2.Content())[string(d)])
	}
	test.Tap(staffButtons(s2.Content())["Entra"])
	for text := range staffButtons(s2.Content()) {
		if len(text) > 8 && text[:8] == "Apri il " {
			t.Errorf("button %q on an open day", text)
		}
	}
}

func screenHas(o fyne.CanvasObject, text string) bool {
	found := false
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text == text {
			found = true
		}
	})
	return found
}
