package app_test

import (
	"errors"
	"strings"
	"testing"

	"mensakiosk/app"
)

func goodSettings() app.KioskSettings {
	return app.KioskSettings{Role: "canteen", ReaderPort: "/dev/ttyUSB0", ReaderFormat: "rdm6300", ServerURL: "https://mensa.comune.example.it",
		LowBalanceCents: 1000, WindowStart: "11:30", WindowEnd: "14:30", Debounce: "3s", IdleSeconds: 60}
}

func TestSettingsValidate(t *testing.T) {
	if err := goodSettings().Validate(); err != nil {
		t.Fatalf("good settings: %v", err)
	}
	for _, ok := range []func(*app.KioskSettings){
		func(s *app.KioskSettings) { s.ServerURL = "http://127.0.0.1:8080" },
		func(s *app.KioskSettings) { s.ServerURL = "http://localhost:8080/" },
		func(s *app.KioskSettings) { s.ServerURL = "" }, // standalone
		func(s *app.KioskSettings) { s.Role, s.ReaderPort, s.ReaderFormat = "counter", "", "" },
		func(s *app.KioskSettings) { s.Debounce, s.LowBalanceCents = "0s", 0 },
		func(s *app.KioskSettings) { s.WindowEnd = "24:00" },
	} {
		s := goodSettings()
		ok(&s)
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	for _, tc := range []struct {
		change func(*app.KioskSettings)
		want   []string // field/problem
	}{
		{func(s *app.KioskSettings) { s.Role = "bar" }, []string{"role/choice"}},
		{func(s *app.KioskSettings) { s.ReaderPort = " " }, []string{"reader_port/required"}},
		{func(s *app.KioskSettings) { s.ServerURL = "mensa.example.it" }, []string{"server_url/url"}},
		{func(s *app.KioskSettings) { s.ServerURL = "ftp://x.example.it" }, []string{"server_url/url"}},
		{func(s *app.KioskSettings) { s.ServerURL = "http://mensa.example.it" }, []string{"server_url/insecure"}},
		{func(s *app.KioskSettings) { s.LowBalanceCents = -1 }, []string{"low_balance/range"}},
		{func(s *app.KioskSettings) { s.LowBalanceCents = 100_001 }, []string{"low_balance/range"}},
		{func(s *app.KioskSettings) { s.WindowStart = "25:00" }, []string{"window_start/time"}},
		{func(s *app.KioskSettings) { s.WindowEnd = "11:00" }, []string{"window_end/order"}},
		{func(s *app.KioskSettings) { s.Debounce = "3" }, []string{"debounce/duration"}},
		{func(s *app.KioskSettings) { s.Debounce = "61s" }, []string{"debounce/range"}},
		{func(s *app.KioskSettings) { s.IdleSeconds = 5 }, []string{"idle_seconds/range"}},
		{func(s *app.KioskSettings) { // every problem at once
			s.Role, s.ServerURL, s.Debounce, s.IdleSeconds = "x", "http://10.0.0.1", "-1s", 9999
		}, []string{"role/choice", "server_url/insecure", "debounce/range", "idle_seconds/range"}},
	} {
		s := goodSettings()
		tc.change(&s)
		err := s.Validate()
		se, ok := app.AsSettingsError(err)
		if !ok {
			t.Errorf("%+v: err = %v, want a SettingsError", s, err)
			continue
		}
		var got []string
		for _, f := range se.Fields {
			got = append(got, f.Field+"/"+f.Problem)
			if f.Detail == "" {
				t.Errorf("%s: no detail", f.Field)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%+v: problems %v, want %v", s, got, tc.want)
		}
		if !strings.Contains(err.Error(), tc.want[0][:strings.IndexByte(tc.want[0], '/')]) {
			t.Errorf("message %q does not name the field", err)
		}
	}
	var e app.SettingsError
	if e.Err() != nil {
		t.Fatal("an empty SettingsError is an error")
	}
	e.Add(app.FieldReaderPort, app.ProblemBadPort, "/dev/ttyS9", "no such port")
	if err := e.Err(); err == nil || !errors.As(err, new(*app.SettingsError)) {
		t.Fatal(err)
	}
}
