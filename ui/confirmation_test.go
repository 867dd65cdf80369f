package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// TestConfirmationLeavesTheSidePanel: the "settings saved" strip lies over
// the role screen's top, not over the demo reader panel at the right, and
// shows its words on one line.
func TestConfirmationLeavesTheSidePanel(t *testing.T) {
	newKioskApp(t)
	const panelW = 276
	for _, size := range []fyne.Size{{Width: 1280, Height: 720}, {Width: 1600, Height: 900}} {
		side := canvas.NewRectangle(colorHeader)
		side.SetMinSize(fyne.NewSize(panelW, 10))
		screen := container.NewBorder(nil, nil, nil, side, canvas.NewRectangle(colorPaper))
		text := MustCatalogue("it").T("staff.settings.saved_restarted")
		c := ConfirmationOver(screen, text)
		w := test.NewTempWindow(t, WindowContent(c))
		w.SetPadded(false)
		w.Resize(size)
		strip := c.(*fyne.Container).Objects[1].(*fyne.Container).Objects[0]
		right := strip.Position().X + strip.Size().Width
		if right > size.Width-panelW {
			t.Errorf("%v: the strip ends at x=%.0f, over the side panel from x=%.0f", size, right, size.Width-panelW)
		}
		oneLine := newNote(toneGreen, theme.ConfirmIcon(), "x").root.MinSize().Height
		if h := strip.Size().Height; h > oneLine+1 || strip.Size().Width < 200 {
			t.Errorf("%v: the strip is %.0f × %.0f: want its words on one line (%.0f high)", size, strip.Size().Width, h, oneLine)
		}
	}
}
