package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// TestStaffScreenPINAttemptsAndLockedKeypad: a wrong PIN says how many
// attempts are left before the lock; during the lock every key of the
// keypad is disabled (and drawn so), and enabled again when it ends.
func TestStaffScreenPINAttemptsAndLockedKeypad(t *testing.T) {
	s, b := newStaffTestScreen(t)
	s.Begin(nil)
	keys := func() (enabled, all int) {
		for _, tp := range tappables(t, s.Content()) {
			switch tp.text {
			case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "Azzera", "Entra":
				all++
				if !tp.disabled {
					enabled++
				}
			}
		}
		return enabled, all
	}
	if on, all := keys(); all != 12 || on != 12 {
		t.Fatalf("%d of %d keys enabled before any PIN", on, all)
	}
	typePIN(t, s, "1111")
	wantText(t, s, "PIN errato: ancora 4 tentativi prima del blocco")
	for range 3 {
		typePIN(t, s, "9999")
	}
	wantText(t, s, "PIN errato: ancora 1 tentativo prima del blocco")
	typePIN(t, s, "9999")
	wantText(t, s, "bloccato fino alle")
	if on, all := keys(); all != 12 || on != 0 {
		t.Errorf("%d of %d keys enabled during the lock", on, all)
	}
	b.clk.Add(31 * time.Second) // the first lock is 30 s
	s.Tick()
	if on, all := keys(); on != all {
		t.Errorf("%d of %d keys enabled after the lock", on, all)
	}
	typePIN(t, s, "2468")
	wantText(t, s, "Anna Cuoca")
}

// TestStaffManualKeyboardIsBig: the manual meal's keyboard takes more than
// half the page's width and the height under the typed letters, with keys
// far bigger than a touch target, typed or not; the pupils found are listed
// beside it without moving it.
func TestStaffManualKeyboardIsBig(t *testing.T) {
	s, _ := newStaffTestScreenWith(t, fitStaffBackend(t))
	login(t, s)
	w := fyne.CurrentApp().Driver().AllWindows()[0]
	w.Resize(fyne.NewSize(kioskW, kioskH))
	tapButton(t, s, "Pasto manuale")
	key := func(text string) (fyne.Position, fyne.Size) {
		t.Helper()
		s.Content().Refresh()
		for _, tp := range tappables(t, s.Content()) {
			if tp.text == text {
				o := tp.obj.(fyne.CanvasObject)
				return fyne.CurrentApp().Driver().AbsolutePositionForObject(o), o.Size()
			}
		}
		t.Fatalf("no key %q", text)
		return fyne.Position{}, fyne.Size{}
	}
	qPos, qSize := key("Q")
	pPos, pSize := key("P")
	if span := pPos.X + pSize.Width - qPos.X; span < kioskW/2 {
		t.Errorf("the keyboard spans %.0f of %d px", span, kioskW)
	}
	if qSize.Width < MinTouchTarget || qSize.Height < 1.5*MinTouchTarget {
		t.Errorf("a key is %.0f × %.0f", qSize.Width, qSize.Height)
	}
	tapButton(t, s, "R")
	if p, sz := key("Q"); p != qPos || sz != qSize {
		t.Errorf("the keyboard moved or changed with pupils listed: %v %v, was %v %v", p, sz, qPos, qSize)
	}
}
