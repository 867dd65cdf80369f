package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"mensakiosk/app"
	"mensakiosk/device/removable"
	"mensakiosk/internal/atomicfile"
	"mensakiosk/ui"
)

// staffBackend is staff mode's backend on a running kiosk: app.StaffDesk
// (the door, manual meals, voids, the report and its export, forced sync,
// settings, quit, and the audit of every one of them) with what only the
// kiosk program knows: where a report can go, the outbox, the reader, and
// the settings in force.
type staffBackend struct {
	*app.StaffDesk
	k *kioskWindow
	r *running
}

var _ ui.StaffBackend = staffBackend{}

func (b staffBackend) c() *core { return b.r.core }

// newStaffBackend builds staff mode's backend on the running core.
func newStaffBackend(k *kioskWindow, r *running) (staffBackend, error) {
	desk, err := app.NewStaffDesk(r.core.staff, r.core.canteen, &staffKiosk{k: k, r: r},
		app.StaffDeskConfig{KioskID: r.cfg.KioskID, Header: func(key string) string { return k.tr.T(key) }}, k.log)
	return staffBackend{StaffDesk: desk, k: k, r: r}, err
}

// staffKiosk is what staff actions do to the kiosk program (app.StaffKiosk):
// the sync link, files written whole, the settings file and a restart of
// the core, the quit.
type staffKiosk struct {
	k *kioskWindow
	r *running

	mu sync.Mutex
	// next is the configuration SaveSettings saved, for Restart.
	next *nextConfig
}

type nextConfig struct {
	cfg Config
	cc  app.CanteenConfig
}

func (s *staffKiosk) SyncNow()  { s.r.core.link.SyncNow() }
func (s *staffKiosk) SyncSoon() { s.r.core.link.Kick() }

func (s *staffKiosk) WriteFile(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644)
}

func (s *staffKiosk) Quit() { s.k.quit() }

// SaveSettings validates set (the device checks included), saves it and
// keeps the configuration it makes for Restart. On error nothing is
// changed: not the file, not the running kiosk.
func (s *staffKiosk) SaveSettings(set app.KioskSettings) (before, after app.KioskSettings, err error) {
	c := s.r.core
	demoPort := c.demoPort()
	check := set
	if demoPort != "" && strings.TrimSpace(set.ReaderPort) == demoPort {
		check.ReaderPort = "" // the demo reader is made at each start
	}
	if u := c.demoURL(); u != "" && strings.TrimSpace(set.ServerURL) == u {
		set.ServerURL = "" // the demo's embedded server, made at each start
	}
	cfg, cc, err := checkSettings(s.r.cfg, set)
	if err != nil {
		return before, after, err
	}
	if check.ReaderPort == "" {
		cfg.Reader.Port = ""
	}
	before, after = settingsOf(s.r.cfg), settingsOf(cfg)
	if err := saveSettings(cfg.DataDir, after); err != nil {
		return before, after, fmt.Errorf("settings not saved: %w", err)
	}
	s.mu.Lock()
	s.next = &nextConfig{cfg: cfg, cc: cc}
	s.mu.Unlock()
	return before, after, nil
}

// Restart starts the kiosk again with the settings saved last, in the
// background: the new screen confirms them.
func (s *staffKiosk) Restart() {
	s.mu.Lock()
	n := s.next
	s.mu.Unlock()
	if n == nil {
		return
	}
	go s.k.restart(n.cfg, n.cc, s.k.tr.T("staff.settings.saved_restarted"))
}

// CandidateDirs lists where the report can go: the configured export
// directory, then every writable removable medium mounted (a USB stick, a
// card), as the kernel's mount table and sysfs tell (device/removable): a
// folder is not a stick because it lies under /mnt.
func (b staffBackend) CandidateDirs() []string {
	media, err := removable.Find("/")
	if err != nil {
		b.c().log.Warn("export: removable media", "err", err) // once per visit of the export page
	}
	out := removable.ExportDirs(media, b.r.cfg.Staff.ExportDir)
	if c := b.c(); c.demo != nil && len(out) == 0 {
		out = removable.ExportDirs(nil, c.demo.ExportDir()) // a demo without a stick still shows the export
	}
	return out
}

func (b staffBackend) Outbox() (ui.OutboxSummary, error) {
	c := b.c()
	st, err := c.canteen.Idle()
	if err != nil {
		return ui.OutboxSummary{}, err
	}
	sy := c.link.Status()
	sy.Waiting = st.Waiting
	rej, err := c.store.Rejected()
	if err != nil {
		return ui.OutboxSummary{}, err
	}
	out := ui.OutboxSummary{Sync: sy}
	for _, r := range rej {
		out.Rejected = append(out.Rejected, ui.RejectedItem{Seq: r.Seq, ID: r.ID, Reason: r.Reason, At: r.At, Code: r.Code})
	}
	return out, nil
}

func (b staffBackend) Reader() ui.ReaderInfo {
	c := b.c()
	var info ui.ReaderInfo
	if c.reader == nil {
		info.Status = app.ReaderStatus{State: app.ReaderNone}
		return info
	}
	info.Status = c.reader.Status().ReaderStatus()
	for _, f := range c.reader.Frames() {
		rf := ui.ReaderFrame{At: f.At, Raw: printable(f.Raw), Badge: f.ID, Err: f.Reason}
		if f.Accepted() {
			info.Accepted++
		} else {
			info.Rejected++
		}
		info.Frames = append(info.Frames, rf)
	}
	return info
}

// printable shows a frame's bytes: printable ASCII as is, the rest as
// <02>.
func printable(raw []byte) string {
	var sb strings.Builder
	for _, c := range raw {
		if c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "<%02X>", c)
		}
	}
	return sb.String()
}

func (b staffBackend) Settings() app.KioskSettings {
	s := settingsOf(b.r.cfg)
	if p := b.c().demoPort(); p != "" {
		s.ReaderPort = p // the demo's pseudo-terminal
	}
	if u := b.c().demoURL(); s.ServerURL == "" && u != "" {
		s.ServerURL = u // the server in use: the demo's own, on loopback
	}
	return s
}

// buildStaff makes the staff screen on the running core.
func (k *kioskWindow) buildStaff(r *running) *ui.StaffScreen {
	b, err := newStaffBackend(k, r)
	if err != nil {
		k.log.Error("staff mode", "err", err)
		return nil
	}
	r.staffBackend = b
	s := ui.NewStaffScreen(k.tr, b, ui.StaffOptions{Location: r.cc.Location})
	s.OnLeave = func() {
		r.inStaff.Store(false)
		k.show(r.content)
	}
	return s
}

// enterStaff shows the staff screen, at the PIN for candidate (a staff
// badge) or for anyone (the hidden gesture). Runs on the UI goroutine.
func (k *kioskWindow) enterStaff(r *running, candidate *app.Staff) {
	if r.staff == nil || k.cur.Load() != r {
		return
	}
	r.inStaff.Store(true)
	if r.counter != nil { // the family on screen is forgotten: staff mode ends on the home view
		r.counter.Reset()
	}
	r.staff.Begin(candidate)
	k.show(r.staff.Content())
}

// withStaffCorner lays the hidden staff gesture (five taps in the top-left
// corner) over a canteen screen; the counter screen has its own (taps on
// its title).
func (k *kioskWindow) withStaffCorner(r *running) fyne.CanvasObject {
	if r.core == nil || r.canteen == nil {
		return r.content
	}
	corner := ui.HiddenCorner(func() { k.enterStaff(r, nil) })
	return container.NewStack(r.content, container.NewVBox(container.NewHBox(corner, layout.NewSpacer())))
}

// restart stops the running kiosk and starts it again with cfg (a settings
// change), on the UI goroutine: the screens are rebuilt. The new screen
// says confirm (the settings were saved) for confirmSeconds.
func (k *kioskWindow) restart(cfg Config, cc app.CanteenConfig, confirm string) {
	k.restartMu.Lock()
	defer k.restartMu.Unlock()
	if k.closing.Load() {
		return
	}
	done := make(chan struct{})
	fyne.Do(func() {
		defer close(done)
		if k.closing.Load() { // quitting: start nothing new
			return
		}
		k.stop()
		k.start(cfg, cc)
		if r := k.cur.Load(); r != nil && confirm != "" {
			k.show(ui.ConfirmationOver(r.content, confirm))
			time.AfterFunc(confirmSeconds*time.Second, func() {
				fyne.Do(func() {
					if k.cur.Load() == r && !r.inStaff.Load() {
						k.show(r.content)
					}
				})
			})
		}
	})
	<-done
}

// confirmSeconds is how long the confirmation of a settings change stays
// over the screen after the restart.
const confirmSeconds = 8
