package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// tapSettingsField touches a field of the settings form where a finger
// would: on the entry, where the form lays a touch zone over it.
func tapSettingsField(t *testing.T, s *StaffScreen, e *widget.Entry) {
	t.Helper()
	var zone *counterTapZone
	walk(s.Content(), func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok && len(c.Objects) == 2 && c.Objects[0] == e {
			zone, _ = c.Objects[1].(*counterTapZone)
		}
	})
	if zone == nil {
		t.Fatal("no touch zone over the field")
	}
	test.Tap(zone)
}

// TestStaffSettingsByTouch: touching a settings field opens the on-screen
// keyboard (never the entry's cursor, which would wait for a physical
// keyboard); what is typed there goes into the field, and "Applica" applies
// it with the rest of the form.
func TestStaffSettingsByTouch(t *testing.T) {
	s, b := newStaffTestScreen(t)
	login(t, s)
	tapButton(t, s, "Impostazioni")
	f := s.settingsForm
	w := fyne.CurrentApp().Driver().AllWindows()[0]

	tapSettingsField(t, s, f.url)
	if w.Canvas().Focused() != nil {
		t.Fatal("the entry took the focus: a cursor with no keyboard")
	}
	wantText(t, s, "Impostazioni — Indirizzo del server")
	tapButton(t, s, "Azzera")
	typeKeys(t, s, "https://mensa.eu")
	tapButton(t, s, "⇧")
	tapButton(t, s, "X")
	tapButton(t, s, "Cancella")
	wantText(t, s, "https://mensa.eu_")
	tapButton(t, s, "OK")
	if f.url.Text != "https://mensa.eu" {
		t.Fatalf("the field holds %q", f.url.Text)
	}

	// Digits only for the idle seconds; "Annulla" leaves the field as it was.
	tapSettingsField(t, s, f.idle)
	for _, absent := range []string{"q", "/"} {
		for _, tp := range tappables(t, s.Content()) {
			if tp.text == absent {
				t.Errorf("key %q on the keyboard of a number", absent)
			}
		}
	}
	tapButton(t, s, "Azzera")
	tapButton(t, s, "9")
	tapButton(t, s, "Annulla")
	if f.idle.Text != "60" {
		t.Fatalf("cancelled typing changed the field to %q", f.idle.Text)
	}
	tapSettingsField(t, s, f.idle)
	tapButton(t, s, "Azzera")
	tapButton(t, s, "9")
	tapButton(t, s, "0")
	tapButton(t, s, "OK")

	tapButton(t, s, "Applica")
	if got := b.Settings(); got.ServerURL != "https://mensa.eu" || got.IdleSeconds != 90 {
		t.Fatalf("applied %+v", got)
	}
}
