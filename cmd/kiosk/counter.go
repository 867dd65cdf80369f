package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
	"mensakiosk/ui"
	"mensakiosk/ui/noticepdf"
)

// newCounter builds the counter role's use case on the core: the store for
// identification and the cached family view, the central server's client
// for the live one (nil when the kiosk runs standalone: the counter then
// shows the cache and refuses top-ups).
func newCounter(c *core, loc *time.Location, clock app.Clock, log *slog.Logger) (*app.Counter, error) {
	cc := c.cfg.Counter
	var central app.CounterCentral
	if c.link != nil && c.link.client != nil {
		central = c.link.client
	}
	presets := make([]app.Cents, len(cc.PresetsCents))
	for i, p := range cc.PresetsCents {
		presets[i] = app.Cents(p)
	}
	return app.NewCounter(c.store, central, clock, app.CounterConfig{
		Location: loc, IdleTimeout: time.Duration(cc.IdleSeconds) * time.Second,
		TopUpMin: app.Cents(cc.TopUpMinCents), TopUpMax: app.Cents(cc.TopUpMaxCents),
		Presets: presets, MonthsBack: cc.MonthsBack,
	}, pinhash.Verify, log.With("component", "counter"))
}

// printDir is where printed notices go: counter.print_dir, else
// <data_dir>/avvisi.
func printDir(cfg Config) string {
	if cfg.Counter.PrintDir != "" {
		return cfg.Counter.PrintDir
	}
	return filepath.Join(cfg.DataDir, "avvisi")
}

// printNotice writes the notice as an A4 PDF (the printable avviso) into
// the print directory, for the office printer, and returns its path. The
// file is written whole or not at all.
func printNotice(cfg Config, n app.Notice, tr *ui.Catalogue) (string, error) {
	return printPDF(cfg, "avviso-"+n.NoticeCode+".pdf", func(w io.Writer) error {
		return noticepdf.Write(w, n, tr)
	})
}

// counterBackend is the counter screen's backend: the counter use case,
// with the notices it issues remembered for the demo panel's "paid" button.
type counterBackend struct {
	*app.Counter
	core *core
}

// TopUp asks the central server for a payment position.
func (b counterBackend) TopUp(ctx context.Context, amount app.Cents) (app.Notice, error) {
	n, err := b.Counter.TopUp(ctx, amount)
	if err == nil && b.core.demo != nil {
		b.core.demo.NoticeIssued(n.NoticeCode)
	}
	return n, err
}

// buildCounter makes the counter screen on the running core.
func (k *kioskWindow) buildCounter(r *running) {
	cats := map[string]*ui.Catalogue{}
	for _, l := range ui.Languages() {
		cats[l] = ui.MustCatalogue(l)
	}
	r.counter = ui.NewCounterScreen(cats, counterBackend{Counter: r.core.counter, core: r.core},
		ui.CounterOptions{Location: r.cc.Location, Language: r.cfg.Language})
	r.counter.OnPrint = func(n app.Notice, tr *ui.Catalogue) (ui.PrintResult, error) {
		// Printed in the language the parent chose on screen; the screen
		// says what happened (printed, or where the PDF is).
		path, err := printNotice(r.cfg, n, tr)
		if err != nil {
			k.log.Error("print notice", "notice", n.NoticeCode, "err", err)
			return ui.PrintResult{File: path}, err
		}
		k.log.Info("notice printed", "notice", n.NoticeCode, "file", path, "print_command", len(r.cfg.Counter.PrintCommand) > 0)
		return ui.PrintResult{Printed: len(r.cfg.Counter.PrintCommand) > 0, File: path}, nil
	}
	k.wireTakeHome(r) // takehome.go
	// counter_print.go: the receipt, the certificate
	k.wireCounterPrints(r)
	r.counter.OnStaffGesture = func() { k.enterStaff(r, nil) }
	r.content = r.counter.Content()
}
