package main

import (
	"fyne.io/fyne/v2"

	"mensakiosk/ui"
)

// demoKit is what demo mode adds to a running kiosk: the demo Comune, its
// reader, its embedded central server and the panel that plays them. It is
// built with the demo tag only (demo.go); a production kiosk's core has
// none (nil), and startDemo there refuses (nodemo.go).
type demoKit interface {
	// ReaderPort is the demo reader's pseudo-terminal ("" when a reader
	// is configured).
	ReaderPort() string
	// Central is the embedded server's address (behind the switchable
	// network) and this kiosk's token there; "" when a central server is
	// configured.
	Central() (url, token string)
	// NoticeIssued remembers a notice the counter issued, for the panel's
	// stand-in for pagoPA's receipt.
	NoticeIssued(code string)
	// ExportDir is where the report goes when no stick is in ("" if none).
	ExportDir() string
	// Panel puts the demo reader panel beside the role's screen (into the
	// canteen screen's side, else around screen) and returns what the
	// window shows.
	Panel(tr *ui.Catalogue, screen fyne.CanvasObject, canteen *ui.CanteenScreen) fyne.CanvasObject
	// Close stops the embedded server and the demo reader.
	Close() error
}
