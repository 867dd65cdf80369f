package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := LoadConfig("kiosk.example.json")
	if err != nil {
		t.Fatal(err)
	}
	cc, err := cfg.Validate()
	if err != nil {
		t.Fatal(err)
	}
	if cc.KioskID != "mensa-dante-porta-1" || cc.Window.Start != 690 || cc.Window.End != 870 || cc.Debounce != 3*time.Second || cc.LowBalance != 1000 {
		t.Fatalf("derived %+v", cc)
	}
}

func TestDefaultsValidate(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/tmp/state-test")
	cfg := DefaultConfig()
	if _, err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/tmp/state-test/mensakiosk" {
		t.Fatalf("data dir %q", cfg.DataDir)
	}
}

func TestConfigErrorsAreClear(t *testing.T) {
	cases := map[string]string{
		`{"role":"bar"}`:                                               "role",
		`{"language":"fr"}`:                                            "language",
		`{"time_zone":"Mars/Olympus"}`:                                 "time_zone",
		`{"canteen":{"window_start":"25:00"}}`:                         "canteen.window_start",
		`{"canteen":{"window_start":"15:00"}}`:                         "service window",
		`{"canteen":{"debounce":"soon"}}`:                              "canteen.debounce",
		`{"canteen":{"policy":"maybe"}}`:                               "balance policy",
		`{"canteen":{"result_seconds":0}}`:                             "result_seconds",
		`{"reader":{"port":"/dev/x","baud":12345}}`:                    "reader.baud",
		`{"reader":{"port":"/dev/x","format":"abc"}}`:                  "reader.format",
		`{"kiosk_id":" "}`:                                             "kiosk_id",
		`{"unknown_setting":1}`:                                        "unknown field",
		`{"canteen":{"low_balance_cents":-5}}`:                         "low_balance_cents",
		`{"central":{"url":"ftp://x"}}`:                                "central.url",
		`{"central":{"url":"https://x"}}`:                              "no token",
		`{"central":{"url":"https://x","token":"a","token_file":"b"}}`: "not both",
		`{"central":{"sync_seconds":0}}`:                               "sync_seconds",
		`{"central":{"timeout_seconds":9999}}`:                         "timeout_seconds",
		`{"counter":{"idle_seconds":1}}`:                               "counter.idle_seconds",
		`{"counter":{"topup_min_cents":600000}}`:                       "topup_min_cents",
		`{"counter":{"presets_cents":[99999999]}}`:                     "outside the top-up bounds",
		`{"counter":{"months_back":0}}`:                                "months_back",
		`{"counter":{"print_command":["no-such-printer-tool"]}}`:       "counter.print_command",
		`{"staff":{"max_tries":0}}`:                                    "staff.max_tries",
		`{"staff":{"lock_seconds":0}}`:                                 "staff.lock_seconds",
		`{"staff":{"idle_seconds":99999}}`:                             "staff.idle_seconds",
	}
	dir := t.TempDir()
	for body, want := range cases {
		path := filepath.Join(dir, "c.json")
		os.WriteFile(path, []byte(body), 0o600)
		cfg, err := LoadConfig(path)
		if err == nil {
			_, err = cfg.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to mention %q", body, err, want)
		}
	}
}
