// Package ui holds MensaKiosk's Fyne screens and what they share: the
// canteen screen (CanteenScreen), the demo reader panel (DemoPanel), the
// kiosk theme (KioskTheme), the translation catalogue (Catalogue) and the
// Italian formatting of money and dates (FormatCents, FormatDate, ...).
//
// Screens are structs that hold their widgets (as fyne-io/calculator does)
// and are fed with the domain's values (app.TapResult, app.IdleStatus,
// app.ReaderStatus, app.SyncStatus); they know no store, reader or server.
// The wiring in cmd/kiosk builds them, sets Content() as the window content
// and calls their methods: on the UI goroutine directly, from other
// goroutines through fyne.Do or the Post… variants.
//
// Every user-visible text goes through the Catalogue (assets/i18n/*.json,
// Italian first); a test checks that every key used here exists in every
// language and that no other literal text reaches the screen.
//
// The package imports fyne.io/fyne/v2 but never fyne.io/fyne/v2/app, so it
// builds and tests without cgo through Fyne's test driver:
//
//	CGO_ENABLED=0 go test -tags ci,migrated_fynedo ./ui/...
//	go test -race -tags migrated_fynedo ./ui/...
//
// Markup goldens live in testdata/canteen/. After an intended change of the
// screens, run the tests, check the files written to testdata/failed/ and
// copy them over the goldens (or run with -update, which does it). The
// README's screenshot is made with
//
//	go test ./ui -run TestScreenshot -args -screenshot ../docs/screenshot-canteen.png
package ui
