//go:build demo

// Demo mode (built with the demo tag only: `make run`; a plain `go build`
// is the production kiosk, nodemo.go): the demo Comune in the kiosk's
// store, a demo badge reader (a pseudo-terminal read by the same code as a
// USB reader), the panel that plays badges into it, and, unless a central
// server is configured, the reference server embedded on loopback behind a
// proxy whose cable the panel cuts.

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"golang.org/x/crypto/bcrypt"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/central/gpdsim"
	"mensakiosk/central/server"
	"mensakiosk/device"
	"mensakiosk/internal/netfault"
	"mensakiosk/ui"
)

// demoBuilt: this build has the demo.
const demoBuilt = true

// demoRun is one start of demo mode on a core.
type demoRun struct {
	c      *core
	log    *slog.Logger
	badges []demo.Badge
	// reader is the demo's pseudo-terminal reader (nil when a reader is
	// configured).
	reader *device.VirtualReader
	// issued lists the notices the demo counter issued (the panel pays the
	// newest one).
	issued demoNotices

	// The embedded server and the proxy whose cable the panel cuts (nil
	// when a central server is configured).
	server     *server.Server
	token      string
	cancel     context.CancelFunc
	serverDone chan struct{}
	proxy      *netfault.Proxy
	gpd        *gpdsim.Sim // demo_gpd.go: the demo's pagoPA
}

var _ demoKit = (*demoRun)(nil)

// startDemo builds the demo Comune (today's bookings included) and creates
// the demo reader: a pseudo-terminal whose slave end the kiosk reads with
// the same code as a USB reader. With no central server configured it
// starts the embedded demo server with the demo Comune, and writes the
// roster into a new kiosk's store so the first tap needs no sync;
// afterwards the kiosk's records come from the server, like any kiosk's.
func startDemo(ctx context.Context, c *core, cc app.CanteenConfig, now time.Time) (demoKit, error) {
	d := &demoRun{c: c, log: c.log}
	ok := false
	defer func() {
		if !ok {
			d.Close()
		}
	}()
	roster, badges := demo.Build(app.DayOf(now, cc.Location), now)
	d.badges = badges
	if err := hashDemoAccessCodes(&roster); err != nil {
		return nil, err
	}
	embedded := c.cfg.Central.URL == ""
	if embedded {
		if empty, err := c.store.Empty(); err != nil {
			return nil, err
		} else if empty {
			if err := c.store.PutRoster(roster); err != nil {
				return nil, fmt.Errorf("demo roster: %w", err)
			}
		}
	}
	if c.cfg.Reader.Port == "" { // else a real (or test) reader is configured: no demo reader
		v, err := device.NewVirtualReader(c.cfg.Reader.Format, filepath.Join(c.cfg.DataDir, "demo-reader"))
		if err != nil {
			return nil, fmt.Errorf("demo reader: %w", err)
		}
		d.reader = v
		c.cfg.Reader.Port = v.Path()
	}
	if embedded {
		if err := d.startCentral(ctx, roster); err != nil {
			return nil, fmt.Errorf("demo central server: %w", err)
		}
	}
	ok = true
	return d, nil
}

// startCentral opens the demo's reference server next to the kiosk's data,
// imports the demo Comune (an upsert: today's bookings are refreshed on
// each start), makes this kiosk a token, and serves it on loopback behind
// the proxy the demo panel can cut.
func (d *demoRun) startCentral(ctx context.Context, roster app.Roster) error {
	cfg, log := d.c.cfg, d.log
	// The demo Comune is a pagoPA creditor with pagoPA's test fiscal code.
	pp := server.DefaultPagoPA()
	pp.Creditor.Name = demo.Comune
	pp.Creditor.Contacts = "mensa@comune.borgodemo.example.it"
	// Its notices are published on a GPD simulator (demo_gpd.go).
	sim, gcfg, err := startDemoGPD(ctx, filepath.Join(cfg.DataDir, "demo-central"), log.With("component", "gpd-simulator"))
	if err != nil {
		return err
	}
	pp.GPD, d.gpd = gcfg, sim
	srv, err := server.Open(filepath.Join(cfg.DataDir, "demo-central"), server.Options{Log: log.With("component", "central-server"),
		PagoPA: &pp})
	if err != nil {
		return err
	}
	d.server = srv
	data, err := demoImport(roster, time.Now())
	if err != nil {
		return err
	}
	if _, err := srv.Import(data); err != nil {
		return fmt.Errorf("import the demo Comune: %w", err)
	}
	if err := sendDemoMessages(srv, roster); err != nil { // demo_messages.go
		return err
	}
	// The token's role is the kiosk's: a counter's may read family views
	// and create top-ups, a canteen's may not.
	if d.token, err = srv.CreateToken(cfg.KioskID, cfg.Role); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	d.serverDone = make(chan struct{})
	sctx, cancel := context.WithCancel(ctx)
	d.cancel = cancel
	gpdDone := make(chan struct{})
	go func() { defer close(gpdDone); srv.RunGPD(sctx) }()
	go func() {
		defer close(d.serverDone)
		defer func() { <-gpdDone }()
		if err := srv.Serve(sctx, ln, nil); err != nil {
			log.Error("demo central server", "err", err)
		}
	}()
	d.proxy, err = netfault.New("http://" + ln.Addr().String())
	if err != nil {
		return err
	}
	log.Info("demo central server", "addr", ln.Addr().String(), "network", d.proxy.URL())
	return nil
}

// demoImport is what the embedded demo server imports: the demo roster
// plus its staff, news and documents. The family access codes are hashed
// with bcrypt's lowest cost: they are printed on the demo panel anyway, and
// a demo must start in a second (a real import uses pinhash's cost).
func demoImport(roster app.Roster, now time.Time) (server.ImportData, error) {
	if err := hashDemoAccessCodes(&roster); err != nil {
		return server.ImportData{}, err
	}
	data := server.FromRoster(roster)
	for _, s := range demo.Staff {
		data.Staff = append(data.Staff, server.ImportStaff{ID: s.ID, Name: s.Name, Role: s.Role, PIN: s.PIN, BadgeID: s.Badge})
	}
	data.News = demo.News(now)
	data.Documents = demo.Documents(now)
	demoMenuImport(&data, now) // demo_menu.go
	return data, nil
}

// hashDemoAccessCodes sets each demo account's access hash, where missing.
func hashDemoAccessCodes(r *app.Roster) error {
	for i := range r.Accounts {
		a := &r.Accounts[i]
		if a.AccessHash != "" {
			continue
		}
		h, err := bcrypt.GenerateFromPassword([]byte(demo.AccessCode(a.ID)), bcrypt.MinCost)
		if err != nil {
			return err
		}
		a.AccessHash = string(h)
	}
	return nil
}

func (d *demoRun) ReaderPort() string {
	if d.reader == nil {
		return ""
	}
	return d.reader.Path()
}

func (d *demoRun) Central() (url, token string) {
	if d.proxy == nil {
		return "", ""
	}
	return d.proxy.URL(), d.token
}

func (d *demoRun) NoticeIssued(code string) { d.issued.add(code) }

// ExportDir is where a demo without a stick exports the report: into its
// data directory.
func (d *demoRun) ExportDir() string {
	dir := filepath.Join(d.c.cfg.DataDir, "report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ""
	}
	return dir
}

// SetNetwork cuts (false) or restores (true) the demo's network.
func (d *demoRun) setNetwork(up bool) {
	if d.proxy == nil {
		return
	}
	d.proxy.SetOffline(!up)
	if up {
		d.c.link.SyncNow()
	}
}

// Close stops the embedded server (after the proxy in front of it) and
// closes the demo reader.
func (d *demoRun) Close() error {
	var errs []error
	if d.proxy != nil {
		errs = append(errs, d.proxy.Close())
	}
	if d.cancel != nil {
		d.cancel()
	}
	if d.serverDone != nil {
		<-d.serverDone
	}
	if d.server != nil {
		errs = append(errs, d.server.Close())
	}
	if d.reader != nil {
		errs = append(errs, d.reader.Close())
	}
	return errors.Join(errs...)
}

// Panel builds the demo reader panel, laid out to the window's height:
// one button per demo badge (with, on a counter, the codice fiscale and
// family code to type instead), the staff badges with their PINs, an
// unknown badge and a garbled frame, the reader's plug, the network's
// cable, and on a counter the stand-in for pagoPA's receipt. A tap writes
// the frame into the demo reader's pseudo-terminal. Nil when a reader is
// configured (nothing to play into).
func (d *demoRun) Panel(tr *ui.Catalogue, screen fyne.CanvasObject, canteen *ui.CanteenScreen) fyne.CanvasObject {
	if d.reader == nil {
		return screen
	}
	p := d.panel(tr).Fitted()
	if canteen != nil {
		canteen.SetSidePanel(p)
		return screen
	}
	return ui.WithSidePanel(screen, p)
}

func (d *demoRun) panel(tr *ui.Catalogue) *ui.DemoPanel {
	c := d.c
	format := d.reader.Format()
	frame := func(id app.BadgeID) []byte {
		b, err := format.Encode(id)
		if err != nil {
			panic(fmt.Sprintf("demo badge %s: %v", id, err)) // demo data is ours
		}
		return b
	}
	counter := c.counter != nil
	entries := []ui.DemoEntry{}
	if counter && d.server != nil {
		entries = append(entries, ui.DemoEntry{Tags: []ui.DemoTag{ui.DemoTagMarkPaid}})
	}
	entries = append(entries, ui.DemoUnknown(frame(demo.UnknownBadge)), ui.DemoGarbled(garble(frame(demo.UnknownBadge))),
		ui.DemoUnplug(), ui.DemoReplug())
	if d.proxy != nil {
		entries = append(entries, ui.DemoNetCut(), ui.DemoNetRestore())
	}
	for _, s := range demo.Staff {
		if s.Badge != "" {
			entries = append(entries, ui.DemoEntry{Label: s.Name, Tags: []ui.DemoTag{ui.DemoTagStaff}, Detail: s.PIN, Frame: frame(s.Badge)})
		}
	}
	for _, b := range d.badges {
		e := ui.DemoEntry{Label: b.FirstName + " " + b.Initial + " " + b.Class, Frame: frame(b.ID)}
		if counter {
			e.Tags = []ui.DemoTag{ui.DemoTagFamilyCode}
			e.Detail = b.FiscalCode + " " + b.AccessCode
			if b.Blocked {
				e.Tags = append(e.Tags, ui.DemoTagBlocked)
			}
			entries = append(entries, e)
			continue
		}
		for _, t := range []struct {
			on  bool
			tag ui.DemoTag
		}{{b.Diet, ui.DemoTagDiet}, {b.Blocked, ui.DemoTagBlocked}, {b.Bland, ui.DemoTagBland},
			{b.Cancelled, ui.DemoTagCancelled}, {b.LowBalance, ui.DemoTagLowBalance}, {b.Negative, ui.DemoTagNegative}} {
			if t.on {
				e.Tags = append(e.Tags, t.tag)
			}
		}
		entries = append(entries, e)
	}
	p := ui.NewDemoPanel(tr, entries, func(e ui.DemoEntry) {
		go func() {
			var err error
			switch {
			case e.Is(ui.DemoTagUnplug):
				err = d.reader.Unplug()
			case e.Is(ui.DemoTagReplug):
				err = d.reader.Plug()
			case e.Is(ui.DemoTagNetCut):
				d.setNetwork(false)
			case e.Is(ui.DemoTagNetRestore):
				d.setNetwork(true)
			case e.Is(ui.DemoTagMarkPaid):
				err = d.payLatest()
			default:
				_, err = d.reader.Write(e.Frame)
			}
			if err != nil {
				d.log.Error("demo panel", "err", err)
			}
		}()
	})
	if counter {
		p.SetPerPage(6) // entries of two or three lines: the panel stays within a 900 px window
	}
	return p
}

// garble corrupts a frame's checksum: the decoder must reject it.
func garble(f []byte) []byte {
	g := append([]byte(nil), f...)
	if len(g) > 4 {
		g[len(g)-2] ^= 0x01 // a checksum digit (the byte before ETX)
	}
	return g
}

// demoNotices remembers the notices the demo counter issued, newest last,
// so that the panel can pay the newest one still to be paid.
type demoNotices struct {
	mu    sync.Mutex
	codes []string
}

func (n *demoNotices) add(code string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.codes = append(n.codes, code)
}

func (n *demoNotices) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.codes...)
}

// payLatest pays the newest notice still payable that this demo counter
// issued, as pagoPA's receipt would: through the embedded server's receipt
// path, which credits the family once.
func (d *demoRun) payLatest() error {
	if d.server == nil {
		return nil
	}
	codes := d.issued.list()
	for i := len(codes) - 1; i >= 0; i-- {
		n, err := d.server.Notice(codes[i])
		if err != nil {
			return err
		}
		if n.State != app.NoticeValid || n.Publication != "" {
			continue
		}
		if d.gpd != nil { // paid on the demo's pagoPA: demo_gpd.go
			return d.payGPD(n)
		}
		id := make([]byte, 8)
		if _, err := rand.Read(id); err != nil {
			return err
		}
		_, err = d.server.RecordReceipt(app.Receipt{ReceiptID: "DEMO-" + hex.EncodeToString(id),
			NoticeCode: n.NoticeCode, Amount: n.Amount, PaidAt: time.Now().UTC(), PSP: "Banca Demo"})
		return err
	}
	d.log.Info("demo: no notice to pay: make one at the counter first")
	return nil
}
