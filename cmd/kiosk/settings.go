package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mensakiosk/app"
	"mensakiosk/device"
	"mensakiosk/internal/atomicfile"
)

// Staff change some settings on the kiosk itself (staff mode → Impostazioni):
// role, reader port, format and numbering, server URL, thresholds. They are
// kept in <data_dir>/settings.json, applied over the configuration file at
// every start (command-line flags still win), and take effect at once: the
// kiosk restarts its core in place, without reinstalling or rebooting.

// settingsFile is the staff settings' file name in the data directory.
const settingsFile = "settings.json"

// settingsOf returns the settings staff can change, as they are in cfg.
func settingsOf(cfg Config) app.KioskSettings {
	return app.KioskSettings{
		Role: cfg.Role, ReaderPort: cfg.Reader.Port, ReaderFormat: cfg.Reader.Format, ReaderNumbering: cfg.Reader.Numbering,
		ServerURL: cfg.Central.URL, LowBalanceCents: cfg.Canteen.LowBalanceCents,
		WindowStart: cfg.Canteen.WindowStart, WindowEnd: cfg.Canteen.WindowEnd, Debounce: cfg.Canteen.Debounce,
		IdleSeconds: cfg.Counter.IdleSeconds, SoundVolume: &cfg.Canteen.SoundVolume,
	}
}

// withSettings returns cfg with s applied.
func withSettings(cfg Config, s app.KioskSettings) Config {
	cfg.Role = strings.TrimSpace(s.Role)
	cfg.Reader.Port = strings.TrimSpace(s.ReaderPort)
	cfg.Reader.Format = strings.TrimSpace(s.ReaderFormat)
	if n := strings.TrimSpace(s.ReaderNumbering); n != "" {
		cfg.Reader.Numbering = n
	}
	cfg.Central.URL = strings.TrimSpace(s.ServerURL)
	cfg.Canteen.LowBalanceCents = s.LowBalanceCents
	cfg.Canteen.WindowStart, cfg.Canteen.WindowEnd = strings.TrimSpace(s.WindowStart), strings.TrimSpace(s.WindowEnd)
	cfg.Canteen.Debounce = strings.TrimSpace(s.Debounce)
	cfg.Counter.IdleSeconds, cfg.Staff.IdleSeconds = s.IdleSeconds, s.IdleSeconds
	if s.SoundVolume != nil { // a file saved before the volume was a setting keeps the configured one
		cfg.Canteen.SoundVolume = *s.SoundVolume
	}
	return cfg
}

// checkSettings validates s as a change of cfg: the pure checks, then the
// device ones (the port exists and is a character device or a link to one,
// the format and the numbering are known), then the whole configuration.
// It returns the configuration to run with, or an error naming every
// problem (an *app.SettingsError for the fields); nothing is changed.
func checkSettings(cfg Config, s app.KioskSettings) (Config, app.CanteenConfig, error) {
	var se *app.SettingsError
	if err := s.Validate(); err != nil {
		var ok bool
		if se, ok = app.AsSettingsError(err); !ok {
			return cfg, app.CanteenConfig{}, err
		}
	} else {
		se = &app.SettingsError{}
	}
	device.CheckReaderSettings(se, s.ReaderPort, s.ReaderFormat, s.ReaderNumbering)
	if err := se.Err(); err != nil {
		return cfg, app.CanteenConfig{}, err
	}
	next := withSettings(cfg, s)
	cc, err := next.Validate()
	if err != nil {
		return cfg, app.CanteenConfig{}, err
	}
	return next, cc, nil
}

// loadSettings applies <data_dir>/settings.json over cfg, if it exists.
func loadSettings(cfg Config) (Config, error) {
	path := filepath.Join(cfg.DataDir, settingsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	} else if err != nil {
		return cfg, fmt.Errorf("staff settings: %w", err)
	}
	var s app.KioskSettings
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return cfg, fmt.Errorf("staff settings %s: %w", path, err)
	}
	return withSettings(cfg, s), nil
}

// saveSettings writes s to <data_dir>/settings.json, whole or not at all.
func saveSettings(dataDir string, s app.KioskSettings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dataDir, settingsFile), append(b, '\n'), 0o600)
}
