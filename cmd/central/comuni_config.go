package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mensakiosk/central/server"
)

// Many Comuni in one service. The settings file may name them:
//
//	{"addr": "…", "data": "/srv/mensa",
//	 "time_zone": "Europe/Rome", "booking_cutoff": "09:30",
//	 "comuni": {
//	   "H501": {"name": "Roma", "pagopa": {"creditor": {…}, "segregation_code": "01", "gpd": {…}}},
//	   "F205": {"name": "Milano", "booking_cutoff": "10:00", "pagopa": {…}}}}
//
// Each Comune is then served by its own server on its own store, in its
// own directory <data>/comuni/<code> (its bbolt file, its admin socket,
// its access codes' key), behind one front that routes each request by the
// Comune its token names (server.Comuni). The top-level time_zone and
// booking_cutoff are every Comune's default; pagoPA is each Comune's own
// (its creditor), so a top-level "pagopa" beside "comuni" is refused.
//
// Without "comuni" the service is one Comune, as before: the top-level
// settings are its settings, <data> its directory, and no command needs
// -comune. With "comuni", an administration command names the Comune with
// -comune CODE, needed only when there are several.

// ComuneConfig is one Comune's settings in "comuni".
type ComuneConfig struct {
	// Name is the Comune's name, for the operator (logs).
	Name string `json:"name,omitempty"`
	// TimeZone and BookingCutoff: as the top-level ones (their default).
	TimeZone      string `json:"time_zone,omitempty"`
	BookingCutoff string `json:"booking_cutoff,omitempty"`
	// PagoPA is the Comune's creditor and top-up rules; none: the test
	// creditor.
	PagoPA *server.PagoPAConfig `json:"pagopa,omitempty"`
}

const comuneUsage = "the Comune's code, in a service of several Comuni (\"comuni\" in the settings); not needed with one"

// comuneFlag adds -comune to a command's flags.
func comuneFlag(fs *flag.FlagSet) *string { return fs.String("comune", "", comuneUsage) }

// comuneDataDir is a Comune's directory in a service of many.
func comuneDataDir(data, code string) string { return filepath.Join(data, "comuni", code) }

// checkComuni refuses settings of many Comuni that cannot be served.
func checkComuni(cfg Config) error {
	if len(cfg.Comuni) == 0 {
		return nil
	}
	if cfg.PagoPA != nil {
		return errors.New(`config: "pagopa" beside "comuni": each Comune has its own creditor; put "pagopa" inside each Comune`)
	}
	for code := range cfg.Comuni {
		if !server.ValidComuneCode(code) {
			return fmt.Errorf("config: comuni: code %q: want 1 to 32 letters, digits, '_' or '-' (e.g. the cadastral code H501)", code)
		}
	}
	return nil
}

// comuneCodes are the Comuni of a service: its settings' "comuni", or,
// without settings that name them, the Comuni's directories in data.
func comuneCodes(cfg Config) ([]string, error) {
	if err := checkComuni(cfg); err != nil {
		return nil, err
	}
	var codes []string
	for code := range cfg.Comuni {
		codes = append(codes, code)
	}
	if len(codes) == 0 {
		entries, err := os.ReadDir(filepath.Join(cfg.Data, "comuni"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() && server.ValidComuneCode(e.Name()) {
				codes = append(codes, e.Name())
			}
		}
	}
	slices.Sort(codes)
	return codes, nil
}

// applyComune turns cfg into the settings of the Comune a command works
// on: code (from -comune), or the only one; "" for a service of one
// Comune. Its Data is then the Comune's directory, its time zone, cut-off
// and pagoPA the Comune's.
func applyComune(cfg *Config, code string) (string, error) {
	codes, err := comuneCodes(*cfg)
	if err != nil {
		return "", err
	}
	switch {
	case len(codes) == 0 && code != "":
		return "", usageError{fmt.Sprintf("-comune %s: this service has one Comune (no \"comuni\" in its settings, no comuni/ in %s): leave -comune out", code, cfg.Data)}
	case len(codes) == 0:
		return "", nil
	case code == "" && len(codes) > 1:
		return "", usageError{fmt.Sprintf("this service has %d Comuni (%s): name one with -comune CODE", len(codes), strings.Join(codes, ", "))}
	case code == "":
		code = codes[0]
	case !slices.Contains(codes, code):
		return "", usageError{fmt.Sprintf("-comune %q: no such Comune; this service has %s", code, strings.Join(codes, ", "))}
	}
	c := cfg.Comuni[code]
	cfg.Data = comuneDataDir(cfg.Data, code)
	if c.TimeZone != "" {
		cfg.TimeZone = c.TimeZone
	}
	if c.BookingCutoff != "" {
		cfg.BookingCutoff = c.BookingCutoff
	}
	cfg.PagoPA = c.PagoPA
	cfg.Comuni = nil
	return code, nil
}

// comuneOptions are the options a Comune's server opens with, from its
// settings (applyComune).
func comuneOptions(cfg Config, code string) (server.Options, error) {
	opts, err := bookingOptions(cfg) // staff_cmd.go
	if err != nil {
		return opts, fmt.Errorf("comuni: %s: %w", code, err)
	}
	opts.PagoPA, opts.Comune = cfg.PagoPA, code
	return opts, nil
}

// commandComune applies -comune to an administration command whose flags
// and settings file (path, may be "") were read into *data and base: in a
// service of many Comuni *data becomes the Comune's directory and the
// options its own.
func commandComune(fs *flag.FlagSet, path, code string, data *string, base commandBase) (commandBase, error) {
	cfg := Config{Data: *data}
	if path != "" {
		if err := loadConfig(path, fs, &cfg); err != nil {
			return commandBase{}, err
		}
		cfg.Data = *data
	}
	code, err := applyComune(&cfg, code)
	if err != nil || code == "" {
		return base, err
	}
	*data = cfg.Data
	base.opts, err = comuneOptions(cfg, code)
	return base, err
}

// oneComuneData refuses to serve a service of many Comuni as one: without
// the settings that name them, serve would start an empty store beside
// them.
func oneComuneData(cfg Config) error {
	codes, err := comuneCodes(cfg)
	if err != nil || len(codes) == 0 {
		return err
	}
	return fmt.Errorf("%s holds the Comuni %s (comuni/): give the settings file that names them (-config with \"comuni\")", cfg.Data, strings.Join(codes, ", "))
}

// comuniPostgres is the PostgreSQL database of a service of many Comuni:
// the settings' "store": {"postgres": …} ("" on bbolt).
func comuniPostgres(cfg Config) string {
	if !cfg.Store.onPostgres() {
		return ""
	}
	return cfg.Store.Postgres
}
