package app

// The door's sounds' volume as staff set it on the kiosk (KioskSettings.
// SoundVolume): 0 (off) to MaxSoundVolume, chosen on the settings page
// from four levels. Medium is the kiosk's default volume, so a kiosk whose
// settings were saved before the volume was one (no field) sounds as
// before and shows Medium.

// Bounds and levels of the sound volume.
const (
	MaxSoundVolume     = 100
	SoundVolumeOff     = 0
	SoundVolumeLow     = 40
	SoundVolumeMedium  = 80
	SoundVolumeHigh    = 100
	DefaultSoundVolume = SoundVolumeMedium
)

// SoundVolumeLevels are the levels the settings page offers, off first.
var SoundVolumeLevels = []int{SoundVolumeOff, SoundVolumeLow, SoundVolumeMedium, SoundVolumeHigh}

// NearestSoundVolumeLevel is the level closest to v (a volume set in the
// configuration file need not be one): off only for 0, so that a quiet
// kiosk never shows as silent.
func NearestSoundVolumeLevel(v int) int {
	if v <= 0 {
		return SoundVolumeOff
	}
	best := SoundVolumeLow
	for _, l := range SoundVolumeLevels[1:] {
		if abs(v-l) < abs(v-best) {
			best = l
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
