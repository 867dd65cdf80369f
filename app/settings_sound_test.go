package app_test

import (
	"testing"

	"mensakiosk/app"
)

// TestSoundVolumeSetting: a volume is optional (nil: the configured one),
// 0 to 100 when given; the settings page shows the level nearest to a
// volume from the configuration file, off only for 0.
func TestSoundVolumeSetting(t *testing.T) {
	for _, v := range []int{0, 40, 100} {
		s := goodSettings()
		s.SoundVolume = &v
		if err := s.Validate(); err != nil {
			t.Errorf("volume %d: %v", v, err)
		}
	}
	if err := goodSettings().Validate(); err != nil {
		t.Errorf("no volume: %v", err)
	}
	for _, v := range []int{-1, 101} {
		s := goodSettings()
		s.SoundVolume = &v
		se, ok := app.AsSettingsError(s.Validate())
		if !ok || len(se.Fields) != 1 || se.Fields[0].Field != app.FieldSoundVolume || se.Fields[0].Problem != app.ProblemRange {
			t.Errorf("volume %d: %v", v, s.Validate())
		}
	}
	for v, want := range map[int]int{0: app.SoundVolumeOff, 1: app.SoundVolumeLow, 55: app.SoundVolumeLow, 65: app.SoundVolumeMedium,
		80: app.SoundVolumeMedium, 95: app.SoundVolumeHigh, 100: app.SoundVolumeHigh} {
		if got := app.NearestSoundVolumeLevel(v); got != want {
			t.Errorf("nearest level to %d: %d, want %d", v, got, want)
		}
	}
}
