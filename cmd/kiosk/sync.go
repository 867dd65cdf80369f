package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"mensakiosk"
	"mensakiosk/app"
	"mensakiosk/central"
)

// syncLink is the kiosk's link to its central server: the client and the
// sync engine's goroutine.
type syncLink struct {
	// startErr is why a configured link could not start (the screen shows
	// it; meals are kept).
	startErr error
	// client is the central server's client: the sync engine's, and the
	// counter's (family view, bookings, top-ups).
	client *central.Client
	syncer *app.Syncer
	cancel context.CancelFunc
	done   chan struct{}
}

// startSync connects the core to its central server and starts the sync
// engine. A kiosk with no server configured runs standalone (nil link);
// the demo's embedded server stands in for an unconfigured one.
func startSync(ctx context.Context, c *core, log *slog.Logger, onStatus func(app.SyncStatus)) (*syncLink, error) {
	cc := c.cfg.Central
	l := &syncLink{}
	ok := false
	defer func() {
		if !ok {
			l.Close()
		}
	}()
	url, token := cc.URL, ""
	if url == "" && c.demo != nil {
		url, token = c.demo.Central()
	}
	if url == "" {
		return nil, nil // standalone
	}
	if cc.URL != "" {
		var err error
		if token, err = cc.token(); err != nil {
			return nil, err
		}
		if token == "" {
			return nil, errors.New("central: the token file is empty")
		}
	}
	client, err := central.NewClient(central.ClientConfig{
		BaseURL: url, Token: token, CAFile: cc.CAFile, Epoch: c.store.Epoch(),
		Timeout: time.Duration(cc.TimeoutSeconds) * time.Second,
		Version: mensakiosk.Version(),
		Log:     log.With("component", "central-client"),
	})
	if err != nil {
		return nil, err
	}
	l.client = client
	l.syncer = app.NewSyncer(c.store, client, app.SystemClock{}, app.SyncConfig{
		KioskID: c.cfg.KioskID, Interval: time.Duration(cc.SyncSeconds) * time.Second,
	}, log.With("component", "sync"))
	l.syncer.OnStatus(onStatus)
	l.syncer.SetMenu(c.store, c.menu, c.menuLoc) // the menu and calendar: menu.go
	sctx, cancel := context.WithCancel(ctx)
	l.cancel, l.done = cancel, make(chan struct{})
	go func() {
		defer close(l.done)
		l.syncer.Run(sctx)
	}()
	ok = true
	log.Info("sync started", "central", url, "kiosk_id", c.cfg.KioskID, "epoch", c.store.Epoch())
	return l, nil
}

// SyncNow asks for a sync at once (staff's "Sincronizza ora").
func (l *syncLink) SyncNow() {
	if l != nil && l.syncer != nil {
		l.syncer.SyncNow()
	}
}

// Kick asks for a sync soon (after a tap).
func (l *syncLink) Kick() {
	if l != nil && l.syncer != nil {
		l.syncer.Kick()
	}
}

// Status is the sync state for the screen.
func (l *syncLink) Status() app.SyncStatus {
	switch {
	case l == nil:
		return app.SyncStatus{Configured: false}
	case l.startErr != nil:
		return app.SyncStatus{Configured: true, LastError: l.startErr.Error(), Problem: app.SyncNotStarted}
	case l.syncer == nil:
		return app.SyncStatus{Configured: false}
	}
	return l.syncer.Status()
}

// Close stops the engine (the request in flight is cancelled; what was
// answered is already stored) and waits for it.
func (l *syncLink) Close() error {
	if l == nil {
		return nil
	}
	if l.cancel != nil {
		l.cancel()
	}
	if l.done != nil {
		<-l.done
	}
	return nil
}
