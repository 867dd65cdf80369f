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
// with FYNE_CACHE=20s unless its environment sets FYNE_CACHE, and Fyne
// has read it: textures and renderers of what is no longer drawn are
// dropped after 20 s instead of a minute.
func TestToolkitKeepsUndrawnTexturesBriefly(t *testing.T) {
	if v := os.Getenv("FYNE_CACHE"); v != "20s" {
		t.Fatalf("FYNE_CACHE=%q in the kiosk's environment, want 20s (set before Go and Fyne start)", v)
	}
	if fyneCacheDuration != 20*time.Second {
		t.Errorf("Fyne keeps undrawn textures %v, want 20s", fyneCacheDuration)
	}
}
