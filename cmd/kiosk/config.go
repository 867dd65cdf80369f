package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/device"
)

// Config is the kiosk's configuration file (JSON). Every field has a
// default; see kiosk.example.json and the README for each one. Its
// sections (…Section) are the file's shapes only: Validate turns them into
// the domain's settings (app.CanteenConfig, app.CounterConfig,
// app.StaffConfig), the one name each concept has in code.
type Config struct {
	// Role is "canteen" (the canteen door) or "counter" (the town-hall or
	// school-office kiosk where parents see the family account and top up).
	Role string `json:"role"`
	// KioskID names this kiosk in every event it records.
	KioskID string `json:"kiosk_id"`
	// Language of the screens: "it" (default) or "en".
	Language string `json:"language"`
	// DataDir holds the kiosk's database (kiosk.db). Default: the user's
	// state directory ($XDG_STATE_HOME/mensakiosk, else ~/.local/state/mensakiosk).
	DataDir string `json:"data_dir"`
	// TimeZone decides where a day begins and ends. Default Europe/Rome.
	TimeZone string         `json:"time_zone"`
	Reader   readerSection  `json:"reader"`
	Canteen  canteenSection `json:"canteen"`
	Window   windowSection  `json:"window"`
	Central  centralSection `json:"central"`
	Counter  counterSection `json:"counter"`
	Staff    staffSection   `json:"staff"`
}

// Roles a kiosk can run.
const (
	RoleCanteen = "canteen"
	RoleCounter = "counter"
)

// counterSection holds the counter role's settings (PRODUCT.md §3).
type counterSection struct {
	// IdleSeconds: after this long without a touch the family is wiped
	// from the screen and from memory (default 60).
	IdleSeconds int `json:"idle_seconds"`
	// Top-up bounds and the preset amounts offered, in cents (defaults
	// 100, 50000 and 10/20/50/100 €).
	TopUpMinCents int64   `json:"topup_min_cents"`
	TopUpMaxCents int64   `json:"topup_max_cents"`
	PresetsCents  []int64 `json:"presets_cents"`
	// MonthsBack is how many months of meals the family view shows
	// (default 3).
	MonthsBack int `json:"months_back"`
	// PrintDir is where "Stampa avviso" writes the notice as a PDF for the
	// office printer (default: <data_dir>/avvisi).
	PrintDir string `json:"print_dir"`
	// PrintCommand, when set, is run with the PDF's path as its last
	// argument to print it, e.g. ["lp", "-d", "ufficio"] (CUPS).
	PrintCommand []string `json:"print_command"`
}

// staffSection holds staff mode's settings (PRODUCT.md §4).
type staffSection struct {
	// IdleSeconds: staff mode leaves by itself after this long untouched
	// (default 60).
	IdleSeconds int `json:"idle_seconds"`
	// MaxTries wrong PINs in a row lock staff mode for LockSeconds, then
	// twice as long at each further wrong PIN, up to 30 minutes.
	MaxTries    int `json:"max_tries"`
	LockSeconds int `json:"lock_seconds"`
	// ExportDir is offered first for the day's report CSV, before the
	// removable media mounted (USB sticks, cards: see device/removable).
	ExportDir string `json:"export_dir"`
}

// centralSection is the link to the central server. An empty URL runs the
// kiosk standalone (the screen says so); in demo mode an empty URL starts
// an embedded reference server on loopback.
type centralSection struct {
	// URL of the server, e.g. "https://mensa.comune.example.it". Plain http
	// is accepted only for a loopback address.
	URL string `json:"url"`
	// TokenFile holds this kiosk's bearer token (made by `central token`);
	// Token may hold it inline instead.
	TokenFile string `json:"token_file"`
	Token     string `json:"token"`
	// CAFile is a PEM file of extra certificate authorities to trust
	// (besides the system's), for a Comune's own CA.
	CAFile string `json:"ca_file"`
	// SyncSeconds is the pause between syncs while online (default 15).
	SyncSeconds int `json:"sync_seconds"`
	// TimeoutSeconds bounds each attempt of a request (default 10).
	TimeoutSeconds int `json:"timeout_seconds"`
}

// token returns the configured token, reading TokenFile if set.
func (c centralSection) token() (string, error) {
	if c.TokenFile == "" {
		return strings.TrimSpace(c.Token), nil
	}
	b, err := os.ReadFile(c.TokenFile)
	if err != nil {
		return "", fmt.Errorf("central.token_file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// readerSection is the badge reader on the serial port.
type readerSection struct {
	// Port is the device path; prefer a stable /dev/serial/by-id/ name. Empty:
	// no reader (the screen says so).
	Port string `json:"port"`
	Baud int    `json:"baud"`
	// Format is the frame format: rdm6300, id12, em18 or line (with options,
	// see device/doc.go).
	Format string `json:"format"`
	// Numbering is how the Comune's badge list numbers cards: hex (default),
	// dec10, wiegand26 or reversed (see device/numbering.go).
	Numbering string `json:"numbering"`
}

// canteenSection holds the canteen rules' settings.
type canteenSection struct {
	Service     string `json:"service"`
	WindowStart string `json:"window_start"`
	WindowEnd   string `json:"window_end"`
	// Debounce is a Go duration, e.g. "3s".
	Debounce string `json:"debounce"`
	// LowBalanceCents: below it after a charge the screen reminds to top up.
	LowBalanceCents int64 `json:"low_balance_cents"`
	// Policy when a charge goes below zero: "serve" (serve and flag, the
	// default) or "floor" (refuse below FloorCents).
	Policy     string `json:"policy"`
	FloorCents int64  `json:"floor_cents"`
	// ResultSeconds is how long a result stays before the idle screen.
	ResultSeconds float64 `json:"result_seconds"`
	// SoundVolume is the volume of the door's sounds (served, refused,
	// diet or bland banner), 0 (off) to 100; SoundCommand plays a WAV
	// given on its standard input (default: aplay -q -, ALSA's default
	// device). See device/sound.
	SoundVolume  int      `json:"sound_volume"`
	SoundCommand []string `json:"sound_command,omitempty"`
}

// windowSection is the kiosk window.
type windowSection struct {
	Fullscreen bool `json:"fullscreen"`
	// Width and Height are the window's size in pixels; in full screen
	// they name the display's, for the choice of the scale.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Scale is the size of everything on screen (1 = as designed); the
	// kiosk lowers it where the window would hold less than the views
	// need (ui.KioskScale) and ignores the display's density.
	Scale float64 `json:"scale"`
}

// DefaultConfig returns the defaults every field falls back to.
func DefaultConfig() Config {
	return Config{
		Role: "canteen", KioskID: hostKioskID(), Language: "it", TimeZone: "Europe/Rome",
		Reader: readerSection{Baud: 9600, Format: "rdm6300", Numbering: "hex"},
		Canteen: canteenSection{Service: string(app.ServiceLunch), WindowStart: "11:30", WindowEnd: "14:30",
			Debounce: "3s", LowBalanceCents: 1000, Policy: string(app.PolicyServeAndFlag), ResultSeconds: 4,
			SoundVolume: app.DefaultSoundVolume},
		Window:  windowSection{Fullscreen: true, Width: 1280, Height: 800, Scale: 1},
		Central: centralSection{SyncSeconds: 15, TimeoutSeconds: 10},
		Counter: counterSection{IdleSeconds: 60, TopUpMinCents: 100, TopUpMaxCents: 50000,
			PresetsCents: []int64{1000, 2000, 5000, 10000}, MonthsBack: 3},
		Staff: staffSection{IdleSeconds: 60, MaxTries: 5, LockSeconds: 30},
	}
}

func hostKioskID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "kiosk"
	}
	return "kiosk-" + h
}

// LoadConfig reads a JSON file over the defaults. Unknown fields are an
// error: a misspelt setting must not be silently ignored.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	if path == "" {
		return cfg, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// stateDir is where the kiosk keeps its data by default.
func stateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "mensakiosk"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no data_dir configured and no home directory: %w", err)
	}
	return filepath.Join(home, ".local", "state", "mensakiosk"), nil
}

// Validate checks the configuration and derives the domain's settings.
func (c *Config) Validate() (app.CanteenConfig, error) {
	var errs []error
	if c.Role != RoleCanteen && c.Role != RoleCounter {
		errs = append(errs, fmt.Errorf("role %q: want canteen or counter", c.Role))
	}
	if c.Language != "it" && c.Language != "en" {
		errs = append(errs, fmt.Errorf("language %q: want it or en", c.Language))
	}
	if c.Window.Scale != 0 && (c.Window.Scale < 0.5 || c.Window.Scale > 4) {
		errs = append(errs, fmt.Errorf("window.scale %v: want 0.5 to 4", c.Window.Scale))
	}
	if strings.TrimSpace(c.KioskID) == "" {
		errs = append(errs, errors.New("kiosk_id is empty"))
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		errs = append(errs, fmt.Errorf("time_zone: %w", err))
	}
	if c.Reader.Port != "" {
		if err := device.CheckBaud(c.Reader.Baud); err != nil {
			errs = append(errs, fmt.Errorf("reader.baud: %w", err))
		}
		if _, err := device.ParseFormat(c.Reader.Format); err != nil {
			errs = append(errs, fmt.Errorf("reader.format: %w", err))
		}
		if _, err := device.ParseNumbering(c.Reader.Numbering); err != nil {
			errs = append(errs, fmt.Errorf("reader.numbering: %w", err))
		}
	}
	cc := app.CanteenConfig{KioskID: c.KioskID, Location: loc, Service: app.Service(c.Canteen.Service),
		LowBalance: app.Cents(c.Canteen.LowBalanceCents), Policy: app.BalancePolicy(c.Canteen.Policy),
		Floor: app.Cents(c.Canteen.FloorCents)}
	if cc.Window.Start, err = app.ParseTimeOfDay(c.Canteen.WindowStart); err != nil {
		errs = append(errs, fmt.Errorf("canteen.window_start: %w", err))
	}
	if cc.Window.End, err = app.ParseTimeOfDay(c.Canteen.WindowEnd); err != nil {
		errs = append(errs, fmt.Errorf("canteen.window_end: %w", err))
	}
	if cc.Debounce, err = time.ParseDuration(c.Canteen.Debounce); err != nil {
		errs = append(errs, fmt.Errorf("canteen.debounce: %w", err))
	}
	if c.Canteen.SoundVolume < 0 || c.Canteen.SoundVolume > 100 {
		errs = append(errs, fmt.Errorf("canteen.sound_volume %d: want 0 (off) to 100", c.Canteen.SoundVolume))
	}
	if len(c.Canteen.SoundCommand) > 0 && c.Canteen.SoundCommand[0] == "" {
		errs = append(errs, errors.New("canteen.sound_command: the program's name is empty"))
	}
	if c.Canteen.ResultSeconds < 1 || c.Canteen.ResultSeconds > 60 {
		errs = append(errs, fmt.Errorf("canteen.result_seconds %v: want 1 to 60", c.Canteen.ResultSeconds))
	}
	if c.Canteen.LowBalanceCents < 0 || c.Canteen.LowBalanceCents > 100000 {
		errs = append(errs, fmt.Errorf("canteen.low_balance_cents %d: want 0 to 100000", c.Canteen.LowBalanceCents))
	}
	if c.Central.URL != "" {
		u, err := url.Parse(c.Central.URL)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("central.url: %w", err))
		case u.Scheme != "https" && u.Scheme != "http" || u.Host == "":
			errs = append(errs, fmt.Errorf("central.url %q: want https://host[:port]", c.Central.URL))
		}
		// The token file itself is read at start: its absence is then a
		// clear startup error on screen.
		if c.Central.Token != "" && c.Central.TokenFile != "" {
			errs = append(errs, errors.New("central: set token or token_file, not both"))
		} else if c.Central.Token == "" && c.Central.TokenFile == "" {
			errs = append(errs, errors.New("central: no token (token_file or token); make one with `central token -kiosk ID -role canteen|counter`"))
		}
	}
	if c.Central.SyncSeconds < 1 || c.Central.SyncSeconds > 3600 {
		errs = append(errs, fmt.Errorf("central.sync_seconds %d: want 1 to 3600", c.Central.SyncSeconds))
	}
	if c.Central.TimeoutSeconds < 1 || c.Central.TimeoutSeconds > 300 {
		errs = append(errs, fmt.Errorf("central.timeout_seconds %d: want 1 to 300", c.Central.TimeoutSeconds))
	}
	errs = append(errs, c.Counter.validate()...)
	errs = append(errs, c.Staff.validate()...)
	if len(errs) == 0 {
		if err := cc.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.DataDir == "" {
		d, err := stateDir()
		if err != nil {
			errs = append(errs, err)
		}
		c.DataDir = d
	}
	return cc, errors.Join(errs...)
}

// MaxTopUpCents is the highest top-up bound a kiosk accepts (5.000 €); the
// pagoPA limit is far higher, but a kiosk top-up of a canteen account is not.
const MaxTopUpCents = 500000

func (c counterSection) validate() []error {
	var errs []error
	if c.IdleSeconds < app.MinIdleSeconds || c.IdleSeconds > app.MaxIdleSeconds {
		errs = append(errs, fmt.Errorf("counter.idle_seconds %d: want %d to %d", c.IdleSeconds, app.MinIdleSeconds, app.MaxIdleSeconds))
	}
	if c.TopUpMinCents < 1 || c.TopUpMaxCents > MaxTopUpCents || c.TopUpMinCents > c.TopUpMaxCents {
		errs = append(errs, fmt.Errorf("counter.topup_min_cents %d, topup_max_cents %d: want 1 ≤ min ≤ max ≤ %d",
			c.TopUpMinCents, c.TopUpMaxCents, MaxTopUpCents))
	}
	if len(c.PresetsCents) > 8 {
		errs = append(errs, fmt.Errorf("counter.presets_cents: at most 8 amounts, got %d", len(c.PresetsCents)))
	}
	for _, p := range c.PresetsCents {
		if p < c.TopUpMinCents || p > c.TopUpMaxCents {
			errs = append(errs, fmt.Errorf("counter.presets_cents: %d is outside the top-up bounds %d–%d", p, c.TopUpMinCents, c.TopUpMaxCents))
		}
	}
	if len(c.PrintCommand) > 0 {
		if _, err := exec.LookPath(c.PrintCommand[0]); err != nil {
			errs = append(errs, fmt.Errorf("counter.print_command: %w", err))
		}
	}
	if c.MonthsBack < 1 || c.MonthsBack > 12 {
		errs = append(errs, fmt.Errorf("counter.months_back %d: want 1 to 12", c.MonthsBack))
	}
	return errs
}

func (c staffSection) validate() []error {
	var errs []error
	if c.IdleSeconds < app.MinIdleSeconds || c.IdleSeconds > app.MaxIdleSeconds {
		errs = append(errs, fmt.Errorf("staff.idle_seconds %d: want %d to %d", c.IdleSeconds, app.MinIdleSeconds, app.MaxIdleSeconds))
	}
	if c.MaxTries < 1 || c.MaxTries > 20 {
		errs = append(errs, fmt.Errorf("staff.max_tries %d: want 1 to 20", c.MaxTries))
	}
	if c.LockSeconds < 1 || c.LockSeconds > 3600 {
		errs = append(errs, fmt.Errorf("staff.lock_seconds %d: want 1 to 3600", c.LockSeconds))
	}
	return errs
}
