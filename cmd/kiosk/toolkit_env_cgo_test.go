//go:build cgo

package main

import (
	"os"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	_ "fyne.io/fyne/v2/app" // links Fyne's cache package, as the kiosk does
)

// fyneCacheDuration is how long Fyne keeps what is no longer drawn
// (fyne.io/fyne/v2/internal/cache.ValidDuration), read from FYNE_CACHE
// while Fyne's packages initialise.
//
//go:linkname fyneCacheDuration fyne.io/fyne/v2/internal/cache.ValidDuration
var fyneCacheDuration time.Duration

// TestToolkitKeepsUndrawnTexturesBriefly: a cgo build of the kiosk (this
// test binary is one: locale_cgo.go's constructor runs in it) starts
// with FYNE_CACHE=12s unless its environment sets FYNE_CACHE, and Fyne
// has read it: textures and renderers of what is no longer drawn are
// dropped after 12 s instead of a minute.
func TestToolkitKeepsUndrawnTexturesBriefly(t *testing.T) {
	if v := os.Getenv("FYNE_CACHE"); v != "12s" {
		t.Fatalf("FYNE_CACHE=%q in the kiosk's environment, want 12s (set before Go and Fyne start)", v)
	}
	if fyneCacheDuration != 12*time.Second {
		t.Errorf("Fyne keeps undrawn textures %v, want 12s", fyneCacheDuration)
	}
}
