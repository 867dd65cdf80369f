package ui

import (
	"slices"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// kioskApp is the Fyne test app the screen tests share, in KioskTheme.
// test.NewApp and setting a theme empty Fyne's caches of text sizes and
// drawn icons; with one app for the tests a text is measured (shaped) and
// an icon drawn once, not again in every test.
var (
	kioskApp    fyne.App
	kioskAppFor = map[testing.TB]bool{}
	// kioskAppOwn are the windows the test driver opens itself.
	kioskAppOwn []fyne.Window
)

// fyneDestroyExpiredRenderers destroys the renderers in Fyne's cache not
// used since a minute before now (fyne.io/fyne/v2/internal/cache, Fyne
// 2.7; a Fyne without it fails to link the tests, as theme_scope_test.go's
// count of scopes does).
//
//go:linkname fyneDestroyExpiredRenderers fyne.io/fyne/v2/internal/cache.destroyExpiredRenderers
func fyneDestroyExpiredRenderers(now time.Time)

// newKioskApp makes the shared test app, in KioskTheme, the current app
// for t. When t ends, the windows t opened and left open are closed, and
// the renderers of every widget drawn are destroyed.
func newKioskApp(t testing.TB) fyne.App {
	t.Helper()
	switch {
	case kioskApp == nil:
		kioskApp = test.NewApp()
		kioskApp.Settings().SetTheme(KioskTheme())
		kioskAppOwn = slices.Clone(kioskApp.Driver().AllWindows())
	case fyne.CurrentApp() != kioskApp:
		// Another test's app drew into Fyne's caches in its own theme,
		// under the same names: setting the theme again empties them.
		fyne.SetCurrentApp(kioskApp)
		kioskApp.Settings().SetTheme(KioskTheme())
	}
	if !kioskAppFor[t] {
		// The first cleanup t registers runs after all its later ones
		// (each test.NewTempWindow's Close among them).
		kioskAppFor[t] = true
		before := slices.Clone(kioskApp.Driver().AllWindows())
		t.Cleanup(func() {
			delete(kioskAppFor, t)
			for _, w := range slices.Clone(kioskApp.Driver().AllWindows()) {
				if !slices.Contains(before, w) {
					w.Close()
				}
			}
			// Fyne keeps a widget's renderer, and so the widget, for a
			// minute after its last use; the test driver never cleans
			// them, and a run kept every screen ever built (230 MB live
			// at the end). A renderer destroyed is made again if its
			// widget is shown again.
			if slices.Equal(kioskApp.Driver().AllWindows(), kioskAppOwn) {
				fyneDestroyExpiredRenderers(time.Now().Add(time.Hour))
			}
		})
	}
	return kioskApp
}

// newSizedWindow is a test window of the given size, unpadded, that gets
// content once it has its size: a window given its content first lays it
// out at its minimum size, then unpadded, then at size, and the counter
// builds its home view again at each (five builds where three do).
func newSizedWindow(t testing.TB, content fyne.CanvasObject, size fyne.Size) fyne.Window {
	t.Helper()
	w := test.NewTempWindow(t, nil)
	w.SetPadded(false)
	w.Resize(size)
	w.SetContent(content)
	return w
}
