//go:build !demo

// The production kiosk: built without the demo tag, it has no demo mode
// (demo.go) and links neither the reference server nor the fault proxy
// (TestProductionBuildLeavesOutTheDemo). `make run` builds the demo.

package main

import (
	"context"
	"errors"
	"time"

	"mensakiosk/app"
)

// demoBuilt: this build has no demo; -demo is refused at start.
const demoBuilt = false

var errNoDemo = errors.New("this kiosk is built without the demo: build it with -tags demo (make run)")

func startDemo(context.Context, *core, app.CanteenConfig, time.Time) (demoKit, error) {
	return nil, errNoDemo
}
