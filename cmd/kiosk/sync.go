package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"mensakiosk"
	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/central"
	"mensakiosk/internal/netfault"
	"mensakiosk/central/server"
)

// syncLink is the kiosk's link to its central server: the client, the sync
// engine's goroutine, and in demo mode the embedded reference server with a
// switchable network in front of it.
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

	// Demo only: the embedded server and the proxy whose cable the demo
	// panel cuts.
	demoServer     *server.Server
	demoCancel     context.CancelFunc
	demoServerDone chan struct{}
	demoProxy      *netfault.Proxy
}

// startSync connects the core to its central server and starts the sync
// engine. A kiosk with no server configured runs standalone (nil link);
// the demo gets an embedded server on loopback seeded with the demo Comune.
func startSync(ctx context.Context, c *core, demoRoster *app.Roster, log *slog.Logger, onStatus func(app.SyncStatus)) (*syncLink, error) {
	cc := c.cfg.Central
	l := &syncLink{}
	ok := false
	defer func() {
		if !ok {
			l.Close()
		}
	}()
	url, token := cc.URL, ""
	if url == "" && demoRoster == nil {
		return nil, nil // standalone
	}
	if url == "" {
		var err error
		if url, token, err = l.startDemoCentral(ctx, c, *demoRoster, log); err != nil {
			return nil, fmt.Errorf("demo central server: %w", err)
		}
	} else {
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

// startDemoCentral opens the demo's reference server next to the kiosk's
// data, imports the demo Comune (an upsert: today's bookings are refreshed
// on each start), makes this kiosk a token, and serves it on loopback behind
// the proxy the demo panel can cut.
func (l *syncLink) startDemoCentral(ctx context.Context, c *core, roster app.Roster, log *slog.Logger) (url, token string, err error) {
	// The demo Comune is a pagoPA creditor with pagoPA's test fiscal code.
	pp := server.DefaultPagoPA()
	pp.Creditor.Name = demo.Comune
	pp.Creditor.Contacts = "mensa@comune.borgodemo.example.it"
	srv, err := server.Open(filepath.Join(c.cfg.DataDir, "demo-central"), server.Options{Log: log.With("component", "central-server"),
		PagoPA: &pp})
	if err != nil {
		return "", "", err
	}
	l.demoServer = srv
	data, err := demoImport(roster, time.Now())
	if err != nil {
		return "", "", err
	}
	if _, err := srv.Import(data); err != nil {
		return "", "", fmt.Errorf("import the demo Comune: %w", err)
	}
	// The token's role is the kiosk's: a counter's may read family views
	// and create top-ups, a canteen's may not.
	if token, err = srv.CreateToken(c.cfg.KioskID, c.cfg.Role); err != nil {
		return "", "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", err
	}
	l.demoServerDone = make(chan struct{})
	sctx, cancel := context.WithCancel(ctx)
	l.demoCancel = cancel
	go func() {
		defer close(l.demoServerDone)
		if err := srv.Serve(sctx, ln, nil); err != nil {
			log.Error("demo central server", "err", err)
		}
	}()
	l.demoProxy, err = netfault.New("http://" + ln.Addr().String())
	if err != nil {
		return "", "", err
	}
	log.Info("demo central server", "addr", ln.Addr().String(), "network", l.demoProxy.URL())
	return l.demoProxy.URL(), token, nil
}

// SetNetwork cuts (false) or restores (true) the demo's network.
func (l *syncLink) SetNetwork(up bool) {
	if l != nil && l.demoProxy != nil && l.syncer != nil {
		l.demoProxy.SetOffline(!up)
		if up {
			l.syncer.SyncNow()
		}
	}
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
// answered is already stored) and the demo server, and waits for both.
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
	var errs []error
	if l.demoProxy != nil {
		errs = append(errs, l.demoProxy.Close())
	}
	if l.demoCancel != nil {
		l.demoCancel()
	}
	if l.demoServerDone != nil {
		<-l.demoServerDone
	}
	if l.demoServer != nil {
		errs = append(errs, l.demoServer.Close())
	}
	return errors.Join(errs...)
}
