//go:build e2ehook

package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
)

// In a binary built with the e2ehook tag (the end-to-end tests' only), SIGUSR1
// freezes the UI thread (a fyne.Do that blocks) and SIGUSR2 releases it:
// the watchdog test sees systemd's pings stop while the UI hangs.
func init() {
	uiFreezeHook = func(ctx context.Context) {
		sig := make(chan os.Signal, 2)
		signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
		defer signal.Stop(sig)
		var release chan struct{}
		for {
			select {
			case <-ctx.Done():
				if release != nil {
					close(release)
				}
				return
			case s := <-sig:
				switch {
				case s == syscall.SIGUSR1 && release == nil:
					release = make(chan struct{})
					r := release
					fyne.Do(func() { <-r })
				case s == syscall.SIGUSR2 && release != nil:
					close(release)
					release = nil
				}
			}
		}
	}
}
