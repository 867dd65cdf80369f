package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/ui"
)

func settingsTestConfig(t *testing.T) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Reader.Port = "/dev/null" // a character device that exists everywhere
	if _, err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestSettingsValidationChangesNothing: each bad setting is refused with a
// message naming the field, and neither the running configuration nor the
// settings file changes.
func TestSettingsValidationChangesNothing(t *testing.T) {
	cfg := settingsTestConfig(t)
	good := settingsOf(cfg)
	cases := []struct {
		name  string
		edit  func(*app.KioskSettings)
		field string
		want  string
	}{
		{"missing port", func(s *app.KioskSettings) { s.ReaderPort = "/dev/serial/by-id/no-such-reader" }, app.FieldReaderPort, "no such file"},
		{"port not a device", func(s *app.KioskSettings) { s.ReaderPort = cfg.DataDir }, app.FieldReaderPort, "not a serial device"},
		{"unknown format", func(s *app.KioskSettings) { s.ReaderFormat = "wiegand-magic" }, app.FieldReaderFormat, "wiegand-magic"},
		{"unknown numbering", func(s *app.KioskSettings) { s.ReaderNumbering = "octal" }, app.FieldReaderNumbering, "octal"},
		{"bad URL", func(s *app.KioskSettings) { s.ServerURL = "ftp://mensa.example.it" }, app.FieldServerURL, "https"},
		{"plain http off loopback", func(s *app.KioskSettings) { s.ServerURL = "http://mensa.example.it" }, app.FieldServerURL, "loopback"},
		{"low balance negative", func(s *app.KioskSettings) { s.LowBalanceCents = -1 }, app.FieldLowBalance, "0 to"},
		{"low balance too high", func(s *app.KioskSettings) { s.LowBalanceCents = 10_000_000 }, app.FieldLowBalance, "0 to"},
		{"idle too short", func(s *app.KioskSettings) { s.IdleSeconds = 2 }, app.FieldIdleSeconds, "seconds"},
		{"window end before start", func(s *app.KioskSettings) { s.WindowStart, s.WindowEnd = "14:00", "12:00" }, app.FieldWindowEnd, "after"},
		{"bad time", func(s *app.KioskSettings) { s.WindowStart = "25:61" }, app.FieldWindowStart, ""},
		{"debounce too long", func(s *app.KioskSettings) { s.Debounce = "5m" }, app.FieldDebounce, "60s"},
		{"unknown role", func(s *app.KioskSettings) { s.Role = "bar" }, app.FieldRole, "canteen or counter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.edit(&s)
			before := cfg
			got, _, err := checkSettings(cfg, s)
			if err == nil {
				t.Fatal("accepted")
			}
			se, ok := app.AsSettingsError(err)
			if !ok {
				t.Fatalf("error %v is not a settings error", err)
			}
			found := false
			for _, f := range se.Fields {
				if f.Field == tc.field {
					found = true
				}
			}
			if !found || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q: want field %s and %q", err, tc.field, tc.want)
			}
			if !reflect.DeepEqual(got, before) || !reflect.DeepEqual(cfg, before) {
				t.Fatal("the configuration changed")
			}
			if _, err := os.Stat(filepath.Join(cfg.DataDir, settingsFile)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("settings file written: %v", err)
			}
		})
	}
	// A server URL without a token passes the field checks but not the
	// whole configuration: still refused, still nothing changed.
	s := good
	s.ServerURL = "https://mensa.example.it"
	if _, _, err := checkSettings(cfg, s); err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("URL without a token: %v", err)
	}
}

// TestSettingsSavedAndReloaded: a good change is applied over the file at
// the next start, and the flags still win over it.
func TestSettingsSavedAndReloaded(t *testing.T) {
	cfg := settingsTestConfig(t)
	s := settingsOf(cfg)
	s.Role, s.LowBalanceCents, s.IdleSeconds, s.WindowStart = RoleCounter, 2500, 90, "11:00"
	next, cc, err := checkSettings(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	if next.Role != RoleCounter || cc.LowBalance != 2500 || next.Counter.IdleSeconds != 90 || next.Staff.IdleSeconds != 90 || cc.Window.Start != 660 {
		t.Fatalf("applied %+v / %+v", next, cc)
	}
	if err := saveSettings(cfg.DataDir, settingsOf(next)); err != nil {
		t.Fatal(err)
	}
	loaded, err := loadSettings(DefaultConfig2(cfg.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(settingsOf(loaded), settingsOf(next)) {
		t.Fatalf("reloaded %+v, want %+v", settingsOf(loaded), settingsOf(next))
	}
	// A damaged file is a clear error at start, not a silent default.
	os.WriteFile(filepath.Join(cfg.DataDir, settingsFile), []byte(`{"role":`), 0o600)
	if _, err := loadSettings(DefaultConfig2(cfg.DataDir)); err == nil || !strings.Contains(err.Error(), "staff settings") {
		t.Fatalf("damaged file: %v", err)
	}
}

// DefaultConfig2 is the default configuration with a data directory.
func DefaultConfig2(dir string) Config {
	c := DefaultConfig()
	c.DataDir = dir
	return c
}

// TestPrintNotice writes the printable avviso and hands it to the print
// command; a failing command is an error naming it, the PDF stays.
func TestPrintNotice(t *testing.T) {
	cfg := settingsTestConfig(t)
	dir := t.TempDir()
	got := filepath.Join(dir, "printed")
	n := app.Notice{IUPD: "I1", NoticeCode: "301000000000000144", AccountID: "F1", DebtorFiscalCode: "RSSMRA80A01H501U",
		DebtorName: "Mario Rossi", Amount: 2500, Subject: "Ricarica servizio mensa scolastica", DueDate: "2026-12-31",
		State: app.NoticeValid, Creditor: app.Creditor{FiscalCode: "99999000013", Name: "Comune di Esempio"}}
	path, err := printNotice(withCopyTarget(cfg, got), n, ui.MustCatalogue("it"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, got} {
		b, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(b), "%PDF") {
			t.Fatalf("%s: %v (%d bytes)", p, err, len(b))
		}
	}
	cfg.Counter.PrintCommand = []string{"false"}
	if _, err := printNotice(cfg, n, ui.MustCatalogue("it")); err == nil || !strings.Contains(err.Error(), "print command false") {
		t.Fatalf("failing printer: %v", err)
	}
}

// withCopyTarget makes the print command a stand-in for lp that copies the
// PDF (its last argument, $0 of the script) to target.
func withCopyTarget(cfg Config, target string) Config {
	cfg.Counter.PrintCommand = []string{"sh", "-c", `cp -- "$0" "` + target + `"`}
	return cfg
}
