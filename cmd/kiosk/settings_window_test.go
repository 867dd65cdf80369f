package main

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// windowTexts is every label's text in the window.
func windowTexts(k *kioskWindow) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *widget.Label:
			b.WriteString(x.Text + "\n")
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.ThemeOverride:
			walk(x.Content)
		case *widget.RichText:
			b.WriteString(x.String() + "\n")
		case fyne.Widget: // a screen's own widget (a panel's words): what it draws
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	fyne.DoAndWait(func() { walk(k.w.Content()) })
	return b.String()
}

// TestApplySettingsConfirmsAfterRestart: after "Applica" the kiosk
// restarts on its role's screen, and that screen says the settings were
// saved and applied.
func TestApplySettingsConfirmsAfterRestart(t *testing.T) {
	k, _ := windowKiosk(t, RoleCanteen)
	r, b := staffLoggedIn(t, k)
	s := b.Settings()
	s.Role, s.ReaderPort, s.LowBalanceCents = RoleCounter, "", 2500
	if err := b.ApplySettings(s); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the restart", func() bool { n := k.cur.Load(); return n != nil && n != r })
	func() { // the restart has finished with the screens once its lock is free
		k.restartMu.Lock()
		defer k.restartMu.Unlock()
	}()
	if got := windowTexts(k); !strings.Contains(got, "Impostazioni salvate e applicate") {
		t.Fatalf("no confirmation after the restart; the window shows:\n%s", got)
	}
}
