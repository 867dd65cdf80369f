package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
)

// StaffDesk is staff mode at work on a kiosk: the door (StaffMode, embedded),
// the canteen's staff actions (manual meal, void: audited in the meal's own
// transaction by Canteen), and the kiosk's own (report export, forced sync,
// a settings change, quit). Every staff action is audited in app, for the
// staff member of the session: here or in Canteen, never by the wiring. It
// is safe for concurrent use.
type StaffDesk struct {
	*StaffMode
	canteen *Canteen
	kiosk   StaffKiosk
	cfg     StaffDeskConfig
	log     *slog.Logger
}

// StaffKiosk is what staff actions need from the kiosk program around app
// (cmd/kiosk implements it): the sync engine, the file system, the
// settings file and the process.
type StaffKiosk interface {
	// SyncNow asks for a sync at once (it does not wait); SyncSoon after a
	// meal changed.
	SyncNow()
	SyncSoon()
	// WriteFile writes data to path whole or not at all.
	WriteFile(path string, data []byte) error
	// SaveSettings validates s as a change of the settings in force and
	// saves it; on error nothing is changed (an *SettingsError lists the
	// problems). It returns the settings before and after.
	SaveSettings(s KioskSettings) (before, after KioskSettings, err error)
	// Restart restarts the kiosk's core with the saved settings (in the
	// background: the caller returns first).
	Restart()
	// Quit ends the kiosk program.
	Quit()
}

// StaffDeskConfig names what the desk writes.
type StaffDeskConfig struct {
	// KioskID names the exported report's file.
	KioskID string
	// Header translates the report's CSV headings (a catalogue's key → text).
	Header func(key string) string
}

// NewStaffDesk returns staff mode's actions over the door, the canteen and
// the kiosk. log receives the audit failures that cannot stop the action
// (a quit, a settings change already saved); nil discards them.
func NewStaffDesk(mode *StaffMode, canteen *Canteen, kiosk StaffKiosk, cfg StaffDeskConfig, log *slog.Logger) (*StaffDesk, error) {
	if mode == nil || canteen == nil || kiosk == nil {
		return nil, errors.New("staff desk: staff mode, canteen and kiosk are required")
	}
	if cfg.Header == nil {
		cfg.Header = func(key string) string { return key }
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &StaffDesk{StaffMode: mode, canteen: canteen, kiosk: kiosk, cfg: cfg, log: log}, nil
}

// active is the staff member of the session, touched.
func (d *StaffDesk) active() (Staff, error) {
	st, ok := d.Active()
	if !ok {
		return Staff{}, ErrNoStaff
	}
	d.Touch()
	return st, nil
}

// SearchPupils finds pupils for a manual meal (see Canteen.SearchPupils).
func (d *StaffDesk) SearchPupils(prefix string, limit int) ([]PupilHit, error) {
	d.Touch()
	return d.canteen.SearchPupils(prefix, limit)
}

// ServeManual records a meal by hand (Canteen.ServeManual audits it) and
// asks for a sync soon.
func (d *StaffDesk) ServeManual(p PupilID) (TapResult, error) {
	st, err := d.active()
	if err != nil {
		return TapResult{}, err
	}
	r, err := d.canteen.ServeManual(context.Background(), st, p)
	if err == nil && r.Outcome == OutcomeServed {
		d.kiosk.SyncSoon()
	}
	return r, err
}

// TodayMeals lists today's meals (see Canteen.TodayMeals).
func (d *StaffDesk) TodayMeals() ([]MealEntry, error) { return d.canteen.TodayMeals() }

// Void voids a meal (Canteen.Void audits it) and asks for a sync soon.
func (d *StaffDesk) Void(mealEventID, reason string) (Meal, error) {
	st, err := d.active()
	if err != nil {
		return Meal{}, err
	}
	m, err := d.canteen.Void(context.Background(), st, mealEventID, reason)
	if err == nil {
		d.kiosk.SyncSoon()
	}
	return m, err
}

// Report is today's report from the kiosk's store.
func (d *StaffDesk) Report() (DayReport, error) { return d.canteen.Report(d.canteen.Today()) }

// ReportFileName is the exported report's file name:
// report-<kiosk>-<day>.csv, the kiosk's ID reduced to letters, digits, '-'
// and '_'.
func ReportFileName(kioskID string, day Day) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, kioskID)
	return fmt.Sprintf("report-%s-%s.csv", safe, day)
}

// ExportCSV writes today's report into dir (a USB stick) as CSV
// (DayReport.WriteCSV), and audits the export with the file's path.
func (d *StaffDesk) ExportCSV(dir string) (string, error) {
	if _, err := d.active(); err != nil {
		return "", err
	}
	rep, err := d.Report()
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if err := rep.WriteCSV(&sb, d.cfg.Header); err != nil {
		return "", err
	}
	path := filepath.Join(dir, ReportFileName(d.cfg.KioskID, rep.Day))
	if err := d.kiosk.WriteFile(path, []byte(sb.String())); err != nil {
		return "", err
	}
	detail, _ := json.Marshal(map[string]string{"file": path})
	if err := d.Record(ActionExport, string(detail)); err != nil {
		return path, err
	}
	return path, nil
}

// ForceSync audits the request, then asks for a sync at once (it does not
// wait for it). Without an audit entry there is no sync.
func (d *StaffDesk) ForceSync() error {
	if err := d.Record(ActionSync, ""); err != nil {
		return err
	}
	d.kiosk.SyncNow()
	return nil
}

// ApplySettings saves a settings change (the kiosk validates it: on error
// nothing is changed), audits it with the settings before and after, ends
// the staff session (audited too) and restarts the kiosk's core with it.
func (d *StaffDesk) ApplySettings(s KioskSettings) error {
	if _, err := d.active(); err != nil {
		return err
	}
	before, after, err := d.kiosk.SaveSettings(s)
	if err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"before": before, "after": after})
	if err := d.Record(ActionSettings, string(detail)); err != nil {
		d.log.Error("audit of a settings change", "err", err)
	}
	// The restart ends the staff session: its end is audited too.
	if err := d.Leave(false); err != nil {
		d.log.Error("audit of the end of staff mode", "err", err)
	}
	d.log.Info("settings changed by staff: restarting the kiosk's core", "role", after.Role)
	d.kiosk.Restart()
	return nil
}

// Quit audits the quit and ends the kiosk program; the program ends even
// when the audit entry cannot be written (it is logged).
func (d *StaffDesk) Quit() {
	if err := d.Record(ActionQuit, ""); err != nil {
		d.log.Error("audit of quit", "err", err)
	}
	d.kiosk.Quit()
}
