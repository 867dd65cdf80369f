// Command onelabel is the memory soak's floor: a Fyne window (GLFW, the
// same driver and renderer as the kiosk) showing one label, at the size
// given by -w and -h. What it holds is what any Fyne window costs on this
// display; the kiosk is measured against it.
package main

import (
	"flag"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	w := flag.Int("w", 1280, "window width")
	h := flag.Int("h", 800, "window height")
	flag.Parse()
	a := app.NewWithID("")
	win := a.NewWindow("floor")
	win.SetContent(widget.NewLabel("MensaKiosk"))
	win.Resize(fyne.NewSize(float32(*w), float32(*h)))
	win.ShowAndRun()
}
