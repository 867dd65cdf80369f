package main

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"mensakiosk/app"
	"mensakiosk/device/sound"
)

// TestSoundVolumeSettingRoundTrips: the volume staff set is saved in the
// settings file and applied at the next start, off (0) included; a
// settings file written before the volume was a setting (no field) keeps
// the configured volume, sound on at the default level.
func TestSoundVolumeSettingRoundTrips(t *testing.T) {
	cfg := settingsTestConfig(t)
	if cfg.Canteen.SoundVolume != app.DefaultSoundVolume || app.DefaultSoundVolume == 0 {
		t.Fatalf("default volume %d", cfg.Canteen.SoundVolume)
	}
	for _, v := range []int{app.SoundVolumeOff, app.SoundVolumeLow, app.SoundVolumeHigh} {
		s := settingsOf(cfg)
		s.SoundVolume = &v
		next, _, err := checkSettings(cfg, s)
		if err != nil {
			t.Fatal(err)
		}
		if err := saveSettings(cfg.DataDir, settingsOf(next)); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(cfg.DataDir, settingsFile))
		if !strings.Contains(string(b), `"sound_volume"`) {
			t.Fatalf("volume %d not in the file:\n%s", v, b)
		}
		loaded, err := loadSettings(DefaultConfig2(cfg.DataDir))
		if err != nil {
			t.Fatal(err)
		}
		if loaded.Canteen.SoundVolume != v {
			t.Fatalf("saved volume %d, loaded %d", v, loaded.Canteen.SoundVolume)
		}
	}
	// A file of the previous version: every field but the volume.
	var old map[string]any
	b, _ := json.Marshal(settingsOf(cfg))
	json.Unmarshal(b, &old)
	delete(old, "sound_volume")
	b, _ = json.Marshal(old)
	if err := os.WriteFile(filepath.Join(cfg.DataDir, settingsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := loadSettings(DefaultConfig2(cfg.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Canteen.SoundVolume != app.DefaultSoundVolume {
		t.Fatalf("a settings file without the volume gave volume %d, want the default %d", loaded.Canteen.SoundVolume, app.DefaultSoundVolume)
	}
	// Out of range: refused, naming the field.
	bad := 101
	s := settingsOf(cfg)
	s.SoundVolume = &bad
	if _, _, err := checkSettings(cfg, s); err == nil || !strings.Contains(err.Error(), app.FieldSoundVolume) {
		t.Fatalf("volume 101: %v", err)
	}
}

// TestSoundVolumeSettingReachesPlayer: a volume change checked as staff's
// is (checkSettings) restarts the canteen with a sound player given that
// volume (the player is a fake that records its configuration). The
// restart is called as the staff desk's Restart calls it, without a
// reader: on Fyne's test driver fyne.Do runs on the caller's goroutine,
// and a reader's status posted during the restart races with it (a data
// race of the test driver only; the real driver runs both on its thread).
func TestSoundVolumeSettingReachesPlayer(t *testing.T) {
	var mu sync.Mutex
	var given []int
	orig := newSoundPlayer
	newSoundPlayer = func(c sound.Config, _ *slog.Logger) *sound.Player {
		mu.Lock()
		given = append(given, c.Volume)
		mu.Unlock()
		return nil // a nil player plays nothing
	}
	t.Cleanup(func() { newSoundPlayer = orig })
	last := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		if len(given) == 0 {
			return 0, -1
		}
		return len(given), given[len(given)-1]
	}

	k, _ := windowKiosk(t, RoleCanteen)
	if n, v := last(); n != 1 || v != app.DefaultSoundVolume {
		t.Fatalf("at start: %d players, volume %d; want 1 at %d", n, v, app.DefaultSoundVolume)
	}
	for i, want := range []int{app.SoundVolumeOff, app.SoundVolumeLow} {
		cur := k.cur.Load().cfg
		s := settingsOf(cur)
		s.ReaderPort = "/dev/null" // the canteen's settings need a reader port: a character device
		s.SoundVolume = &want
		next, cc, err := checkSettings(cur, s)
		if err != nil {
			t.Fatal(err)
		}
		next.Reader.Port = ""
		k.restart(next, cc, "")
		if n, v := last(); n != i+2 || v != want {
			t.Fatalf("after setting %d: %d players, the last at volume %d", want, n, v)
		}
	}
}
