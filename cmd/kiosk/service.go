package main

import (
	"context"
	"log/slog"
	"sync/atomic"

	"mensakiosk/internal/sdnotify"
)

// uiFreezeHook, set only in the e2ehook build (freeze_hook.go), can freeze the
// UI thread on a signal.
var uiFreezeHook func(context.Context)

// serviceNotifier tells systemd how the kiosk is (its unit is Type=notify
// with WatchdogSec=): ready once the window's loop runs, a watchdog ping
// from the UI thread every half watchdog period, stopping on the way out.
// Outside systemd it does nothing.
type serviceNotifier struct {
	n      *sdnotify.Notifier
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// startServiceNotify sends READY=1 through run (fyne.Do: it is sent when
// the UI thread first takes work) and starts the watchdog's pings, each
// sent from work given to run, so that a hung UI thread stops them and
// systemd restarts the kiosk, not only a dead process.
func startServiceNotify(ctx context.Context, log *slog.Logger, run func(func())) *serviceNotifier {
	s := &serviceNotifier{log: log, done: make(chan struct{})}
	n, err := sdnotify.FromEnv()
	if err != nil {
		log.Error("systemd notify socket", "err", err)
	}
	if n == nil {
		close(s.done)
		return s
	}
	s.n = n
	ctx, s.cancel = context.WithCancel(ctx)
	run(func() {
		if err := n.Ready(); err != nil {
			log.Error("systemd notify", "state", "ready", "err", err)
		}
	})
	every, ok := sdnotify.WatchdogInterval()
	if !ok {
		close(s.done)
		return s
	}
	log.Info("systemd watchdog", "ping_every", every.String())
	var failed atomic.Bool // the log gets the first failed ping, not one a period
	go func() {
		defer close(s.done)
		n.Watch(ctx, every, run, func(err error) {
			if !failed.Swap(true) {
				log.Error("systemd watchdog ping", "err", err)
			}
		})
	}()
	return s
}

// stopping ends the pings and sends STOPPING=1.
func (s *serviceNotifier) stopping() {
	if s.n == nil {
		return
	}
	s.cancel()
	<-s.done
	if err := s.n.Stopping(); err != nil {
		s.log.Error("systemd notify", "state", "stopping", "err", err)
	}
	s.n.Close()
}
