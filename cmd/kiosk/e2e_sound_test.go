//go:build e2e

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
)

// soxStat measures a WAV with `sox FILE -n stat`: its length in seconds,
// RMS amplitude (0..1) and rough frequency in Hz.
func soxStat(t *testing.T, path string) (length, rms, hz float64) {
	t.Helper()
	out, err := exec.Command("sox", path, "-n", "stat").CombinedOutput()
	if err != nil {
		t.Fatalf("sox %s: %v\n%s (make test installs sox)", path, err, out)
	}
	field := func(name string) float64 {
		m := regexp.MustCompile(regexp.QuoteMeta(name) + `:\s+(-?[0-9.]+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("sox stat has no %q:\n%s", name, out)
		}
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		return v
	}
	return field("Length (seconds)"), field("RMS     amplitude"), field("Rough   frequency")
}

// TestEndToEndSounds runs the real binary under Xvfb with a pty reader and
// ALSA's default device routed to a WAV file (ALSA_CONFIG_PATH: the file
// plugin over a null sink), taps a plain pupil, an unknown badge and a
// pupil with a special diet, and measures with sox what the kiosk played
// for each: three sounds, none silent, distinct in pitch.
func TestEndToEndSounds(t *testing.T) {
	if _, err := exec.LookPath("aplay"); err != nil {
		t.Fatal("aplay is missing (make test installs alsa-utils)")
	}
	display := startXvfb(t)
	bin := kioskBinary(t, e2eTags, true)
	dir := t.TempDir()
	capture := filepath.Join(dir, "played.wav")
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`pcm.!default {
  type file
  slave.pcm { type null }
  file %q
  format "wav"
}
`, capture)), 0o644); err != nil {
		t.Fatal(err)
	}
	reader := virtualReader(t, dir)
	c := startChild(t, bin, []string{"DISPLAY=" + display, "LANG=it_IT.UTF-8", "ALSA_CONFIG_PATH=" + conf},
		"-demo", "-role", "canteen", "-windowed", "-lang", "it", "-data", dir, "-reader-port", reader.Path())
	c.waitReady(t)
	time.Sleep(time.Second)

	_, badges := demo.Build(app.DayOf(time.Now(), time.Local), time.Now())
	pick := func(ok func(demo.Badge) bool) app.BadgeID {
		for _, b := range badges {
			if !b.Blocked && !b.Negative && !b.LowBalance && !b.Cancelled && ok(b) {
				return b.ID
			}
		}
		t.Fatal("no such demo pupil")
		return ""
	}
	taps := []struct {
		name  string
		badge app.BadgeID
	}{
		{"served", pick(func(b demo.Badge) bool { return !b.Diet && !b.Bland })},
		{"refused", demo.UnknownBadge},
		{"banner", pick(func(b demo.Badge) bool { return b.Diet })},
	}
	type measure struct{ length, rms, hz float64 }
	got := map[string]measure{}
	for _, tap := range taps {
		os.Remove(capture)
		if err := reader.Send(tap.badge); err != nil {
			t.Fatal(err)
		}
		// The player writes the file as it plays: wait until it stops
		// growing.
		deadline := time.Now().Add(10 * time.Second)
		last, stable := int64(-1), 0
		for stable < 5 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: nothing played into %s:\n%s", tap.name, capture, c.log())
			}
			time.Sleep(100 * time.Millisecond)
			fi, err := os.Stat(capture)
			if err != nil || fi.Size() <= 44 {
				continue
			}
			if fi.Size() == last {
				stable++
			} else {
				last, stable = fi.Size(), 0
			}
		}
		kept := filepath.Join(dir, tap.name+".wav")
		if err := os.Rename(capture, kept); err != nil {
			t.Fatal(err)
		}
		l, r, hz := soxStat(t, kept)
		got[tap.name] = measure{l, r, hz}
		t.Logf("%-8s %.3f s, RMS %.3f, rough frequency %.0f Hz", tap.name, l, r, hz)
		if l < 0.1 || l > 1 {
			t.Errorf("%s: %.3f s, want a short sound", tap.name, l)
		}
		if r < 0.02 {
			t.Errorf("%s: RMS %.4f: silent", tap.name, r)
		}
	}
	for i, a := range taps {
		for _, b := range taps[i+1:] {
			if ratio := got[a.name].hz / got[b.name].hz; ratio > 0.8 && ratio < 1.25 {
				t.Errorf("%s (%.0f Hz) and %s (%.0f Hz) sound alike", a.name, got[a.name].hz, b.name, got[b.name].hz)
			}
		}
	}
	if got["refused"].hz > got["served"].hz/2 {
		t.Errorf("refused (%.0f Hz) is not well below served (%.0f Hz)", got["refused"].hz, got["served"].hz)
	}
	c.stopClean(t)

	// Staff set the volume to Spento (the settings file as the settings
	// page saves it): the same kiosk, started again, plays nothing for a
	// tap that made a sound above.
	off := settingsOf(DefaultConfig())
	zero := app.SoundVolumeOff
	off.SoundVolume = &zero
	if err := saveSettings(dir, off); err != nil {
		t.Fatal(err)
	}
	os.Remove(capture)
	c = startChild(t, bin, []string{"DISPLAY=" + display, "LANG=it_IT.UTF-8", "ALSA_CONFIG_PATH=" + conf},
		"-demo", "-role", "canteen", "-windowed", "-lang", "it", "-data", dir, "-reader-port", reader.Path(), "-log-level", "debug")
	c.waitReady(t)
	time.Sleep(time.Second)
	if err := reader.Send(demo.UnknownBadge); err != nil {
		t.Fatal(err)
	}
	c.waitLog(t, `"msg":"tap"`, 10*time.Second)
	time.Sleep(2 * time.Second) // longer than a sound waits and plays
	if fi, err := os.Stat(capture); err == nil && fi.Size() > 44 {
		_, r, _ := soxStat(t, capture)
		if r >= 0.001 {
			t.Errorf("volume Spento: the tap played a sound (RMS %.4f)", r)
		}
	}
	c.stopClean(t)
}
