package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"mensakiosk/app"
)

// tapPopupItem taps the item that shows text in the pop-up (a drop-down's
// list) over the canvas that shows o.
func tapPopupItem(t *testing.T, o fyne.CanvasObject, text string) {
	t.Helper()
	var found fyne.Tappable
	var visit func(o fyne.CanvasObject, tap fyne.Tappable)
	visit = func(o fyne.CanvasObject, tap fyne.Tappable) {
		if o == nil || !o.Visible() || found != nil {
			return
		}
		if tp, ok := o.(fyne.Tappable); ok {
			tap = tp
		}
		switch x := o.(type) {
		case *canvas.Text:
			if x.Text == text && tap != nil {
				found = tap
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				visit(c, tap)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				visit(c, tap)
			}
		}
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(o)
	if c == nil {
		t.Fatal("the drop-down is on no canvas")
	}
	for _, o := range c.Overlays().List() {
		visit(o, nil)
	}
	if found == nil {
		t.Fatalf("no pop-up item %q", text)
	}
	test.Tap(found)
}

// TestStaffSettingsVolumeByTouch: the settings page offers the door's
// sounds' volume (Spento, Basso, Medio, Alto); settings without a volume
// (saved before it was one) show Medio, the default, and applying without
// touching it keeps them without one; a level touched is applied.
func TestStaffSettingsVolumeByTouch(t *testing.T) {
	s, b := newStaffTestScreen(t)
	login(t, s)
	tapButton(t, s, "Impostazioni")
	wantText(t, s, "Volume dei suoni")
	sel := s.settingsForm.volume.sel
	if sel.Selected != "Medio" {
		t.Fatalf("the volume shows %q for settings without one, want Medio", sel.Selected)
	}
	if got := sel.Options; len(got) != 4 || got[0] != "Spento" || got[3] != "Alto" {
		t.Fatalf("volume options %v", got)
	}
	tapButton(t, s, "Applica")
	if b.Settings().SoundVolume != nil {
		t.Fatalf("untouched, the volume was applied as %d", *b.Settings().SoundVolume)
	}

	for _, tc := range []struct {
		option string
		want   int
	}{{"Spento", app.SoundVolumeOff}, {"Basso", app.SoundVolumeLow}, {"Alto", app.SoundVolumeHigh}} {
		login(t, s)
		tapButton(t, s, "Impostazioni")
		sel = s.settingsForm.volume.sel
		test.Tap(sel)
		tapPopupItem(t, sel, tc.option)
		if sel.Selected != tc.option {
			t.Fatalf("touched %q, the volume shows %q", tc.option, sel.Selected)
		}
		tapButton(t, s, "Applica")
		if v := b.Settings().SoundVolume; v == nil || *v != tc.want {
			t.Fatalf("%s applied as %v, want %d", tc.option, v, tc.want)
		}
	}
	// The page shows the level saved.
	login(t, s)
	tapButton(t, s, "Impostazioni")
	if got := s.settingsForm.volume.sel.Selected; got != "Alto" {
		t.Fatalf("saved Alto, the page shows %q", got)
	}
}
