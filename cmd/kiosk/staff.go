package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"mensakiosk/app"
	"mensakiosk/device/removable"
	"mensakiosk/ui"
)

// staffBackend is staff mode's backend on a running kiosk: app.StaffMode for
// the door, app.Canteen for manual meals, voids and the report, the store
// for the outbox, the sync link, the reader, and the window for settings
// and quitting. Actions outside the canteen's own transactions (sync,
// export, settings, quit) are audited here through StaffMode.Record.
type staffBackend struct {
	k *kioskWindow
	r *running
}

var _ ui.StaffBackend = staffBackend{}

func (b staffBackend) c() *core { return b.r.core }

func (b staffBackend) Begin(candidate *app.Staff) { b.c().staff.Begin(candidate) }
func (b staffBackend) SubmitPIN(pin string) (app.Staff, error) {
	return b.c().staff.SubmitPIN(pin)
}
func (b staffBackend) LockState() (time.Time, bool) { return b.c().staff.LockState() }
func (b staffBackend) Touch()                       { b.c().staff.Touch() }
func (b staffBackend) IdleExpired() bool            { return b.c().staff.IdleExpired() }
func (b staffBackend) Leave(idle bool) error        { return b.c().staff.Leave(idle) }

func (b staffBackend) active() (app.Staff, error) {
	st, ok := b.c().staff.Active()
	if !ok {
		return app.Staff{}, app.ErrNoStaff
	}
	b.c().staff.Touch()
	return st, nil
}

func (b staffBackend) SearchPupils(prefix string, limit int) ([]app.PupilHit, error) {
	b.c().staff.Touch()
	return b.c().canteen.SearchPupils(prefix, limit)
}

func (b staffBackend) ServeManual(p app.PupilID) (app.TapResult, error) {
	st, err := b.active()
	if err != nil {
		return app.TapResult{}, err
	}
	r, err := b.c().canteen.ServeManual(context.Background(), st, p)
	if err == nil && r.Outcome == app.OutcomeServed {
		b.c().link.Kick()
	}
	return r, err
}

func (b staffBackend) TodayMeals() ([]app.MealEntry, error) { return b.c().canteen.TodayMeals() }

func (b staffBackend) Void(mealEventID, reason string) (app.Meal, error) {
	st, err := b.active()
	if err != nil {
		return app.Meal{}, err
	}
	m, err := b.c().canteen.Void(context.Background(), st, mealEventID, reason)
	if err == nil {
		b.c().link.Kick()
	}
	return m, err
}

func (b staffBackend) Report() (app.DayReport, error) {
	c := b.c()
	return c.canteen.Report(app.DayOf(time.Now(), b.r.cc.Location))
}

// CandidateDirs lists where the report can go: the configured export
// directory, then every writable removable medium mounted (a USB stick, a
// card), as the kernel's mount table and sysfs tell (device/removable): a
// folder is not a stick because it lies under /mnt.
func (b staffBackend) CandidateDirs() []string {
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		if d == "" || seen[d] {
			return
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			seen[d] = true
			out = append(out, d)
		}
	}
	add(b.r.cfg.Staff.ExportDir)
	media, err := removable.Find("/")
	if err != nil {
		b.c().log.Warn("export: removable media", "err", err) // once per visit of the export page
	}
	for _, m := range media {
		if !m.ReadOnly {
			add(m.MountPoint)
		}
	}
	if c := b.c(); c.demo != nil && len(out) == 0 {
		add(c.demo.ExportDir()) // a demo without a stick still shows the export
	}
	return out
}

// ExportCSV writes today's report into dir as report-<kiosk>-<day>.csv.
func (b staffBackend) ExportCSV(dir string) (string, error) {
	if _, err := b.active(); err != nil {
		return "", err
	}
	rep, err := b.Report()
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if err := rep.WriteCSV(&sb, func(key string) string { return b.k.tr.T(key) }); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("report-%s-%s.csv", safeName(b.r.cfg.KioskID), rep.Day))
	if err := writeFileAtomic(path, []byte(sb.String()), 0o644); err != nil {
		return "", err
	}
	detail, _ := json.Marshal(map[string]string{"file": path})
	if err := b.c().staff.Record(app.ActionExport, string(detail)); err != nil {
		return path, err
	}
	return path, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
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

func (b staffBackend) ForceSync() error {
	if err := b.c().staff.Record(app.ActionSync, ""); err != nil {
		return err
	}
	b.c().link.SyncNow()
	return nil
}

func (b staffBackend) Reader() ui.ReaderInfo {
	c := b.c()
	var info ui.ReaderInfo
	if c.reader == nil {
		info.Status = app.ReaderStatus{State: app.ReaderNone}
		return info
	}
	info.Status = readerStatus(c.reader.Status())
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
	if p := b.demoPort(); p != "" {
		s.ReaderPort = p // the demo's pseudo-terminal
	}
	if u := b.demoURL(); s.ServerURL == "" && u != "" {
		s.ServerURL = u // the server in use: the demo's own, on loopback
	}
	return s
}

// demoURL is the address of the demo's embedded server, "" outside the
// demo.
func (b staffBackend) demoURL() string {
	if c := b.c(); c.demo != nil {
		u, _ := c.demo.Central()
		return u
	}
	return ""
}

// demoPort is the demo reader's pseudo-terminal, "" outside the demo.
func (b staffBackend) demoPort() string {
	if c := b.c(); c.demo != nil {
		return c.demo.ReaderPort()
	}
	return ""
}

// ApplySettings validates s, saves it and restarts the kiosk's core with
// it. On error nothing is changed: not the file, not the running kiosk.
func (b staffBackend) ApplySettings(s app.KioskSettings) error {
	if _, err := b.active(); err != nil {
		return err
	}
	c := b.c()
	demoPort := b.demoPort()
	check := s
	if demoPort != "" && strings.TrimSpace(s.ReaderPort) == demoPort {
		check.ReaderPort = "" // the demo reader is made at each start
	}
	if u := b.demoURL(); u != "" && strings.TrimSpace(s.ServerURL) == u {
		s.ServerURL = "" // the demo's embedded server, made at each start
	}
	cfg, cc, err := checkSettings(b.r.cfg, s)
	if err != nil {
		return err
	}
	if check.ReaderPort == "" {
		cfg.Reader.Port = ""
	}
	before := settingsOf(b.r.cfg)
	if err := saveSettings(cfg.DataDir, settingsOf(cfg)); err != nil {
		return fmt.Errorf("settings not saved: %w", err)
	}
	detail, _ := json.Marshal(map[string]any{"before": before, "after": settingsOf(cfg)})
	if err := c.staff.Record(app.ActionSettings, string(detail)); err != nil {
		b.k.log.Error("audit of a settings change", "err", err)
	}
	// The restart ends the staff session: its end is audited too.
	if err := c.staff.Leave(false); err != nil {
		b.k.log.Error("audit of the end of staff mode", "err", err)
	}
	b.k.log.Info("settings changed by staff: restarting the kiosk's core", "role", cfg.Role)
	go b.k.restart(cfg, cc, b.k.tr.T("staff.settings.saved_restarted"))
	return nil
}

func (b staffBackend) Quit() {
	if err := b.c().staff.Record(app.ActionQuit, ""); err != nil {
		b.k.log.Error("audit of quit", "err", err)
	}
	b.k.quit()
}

// buildStaff makes the staff screen on the running core.
func (k *kioskWindow) buildStaff(r *running) *ui.StaffScreen {
	s := ui.NewStaffScreen(k.tr, staffBackend{k: k, r: r}, ui.StaffOptions{Location: r.cc.Location})
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
