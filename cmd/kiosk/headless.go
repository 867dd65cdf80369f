package main

import (
	"context"
	"log/slog"

	"mensakiosk/app"
)

// runHeadless runs the kiosk without a window until ctx ends: the reader,
// the rules and the store, with every result in the log.
func runHeadless(ctx context.Context, cfg Config, cc app.CanteenConfig, isDemo bool, log *slog.Logger) int {
	c, err := startCore(ctx, cfg, cc, isDemo, log, coreHooks{})
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	// No UI thread to watch: the pings prove the process is alive.
	svc := startServiceNotify(ctx, log, func(f func()) { f() })
	<-ctx.Done()
	svc.stopping()
	if err := c.Close(); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
