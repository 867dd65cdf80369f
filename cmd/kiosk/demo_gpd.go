//go:build demo

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/gpdsim"
	"mensakiosk/central/server"
)

// The demo's pagoPA: the embedded server publishes its notices on a GPD
// simulator on loopback, as a Comune's server publishes them on pagoPA,
// and the demo panel's "pay" pays there: the payment comes back to the
// server by its GPD poll, the path of a real payment.
//
// MENSAKIOSK_DEMO_GPD=slow (GPD answers after 12 s: the counter shows
// "preparing the notice" until it does) or =down (GPD refuses every
// creation with 503: the notice cannot be issued) shows the counter's
// screens for those cases.

const demoGPDKey = "demo-subscription-key"

// startDemoGPD serves the simulator until ctx ends and returns the
// server's "gpd" settings pointing at it.
func startDemoGPD(ctx context.Context, dir string, log *slog.Logger) (*gpdsim.Sim, *server.GPDConfig, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	keyFile := filepath.Join(dir, "demo-gpd.key")
	if err := os.WriteFile(keyFile, []byte(demoGPDKey+"\n"), 0o600); err != nil {
		return nil, nil, err
	}
	sim := gpdsim.New(demoGPDKey, nil)
	switch mode := os.Getenv("MENSAKIOSK_DEMO_GPD"); mode {
	case "slow":
		sim.SetDelay(12 * time.Second)
	case "down":
		sim.FailNext("create", 1<<20, http.StatusServiceUnavailable, 0)
	case "":
	default:
		log.Warn("MENSAKIOSK_DEMO_GPD: want slow or down; ignored", "value", mode)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	hs := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	go func() { <-ctx.Done(); hs.Close() }()
	log.Info("demo pagoPA GPD simulator", "addr", ln.Addr().String())
	return sim, &server.GPDConfig{URL: "http://" + ln.Addr().String() + "/gpd/debt-positions-service/v1", SubscriptionKeyFile: keyFile,
		IBAN: "IT60X0542811101000000123456", Category: "9/0101108TS/", PollSeconds: 1}, nil
}

// payGPD pays notice n on the simulator as a PSP would; the server's GPD
// poll (every second in the demo) reads the payment back and credits the
// family, the path of a real payment.
func (d *demoRun) payGPD(n app.Notice) error {
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	if err := d.gpd.Pay(n.Creditor.FiscalCode, n.NoticeCode, "Banca Demo", "DEMO-"+hex.EncodeToString(id), time.Now()); err != nil {
		return fmt.Errorf("demo pagoPA: %w", err)
	}
	return nil
}
