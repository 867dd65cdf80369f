package ui

import (
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// settingsVolume is the settings page's choice of the door's sounds'
// volume: off, low, medium, high. A drop-down as compact as an entry:
// four buttons side by side did not fit the second column's width (the
// page must hold 1280×720 with the problems under the fields).
type settingsVolume struct {
	sel *widget.Select
	// loaded is the volume as the settings had it (nil: a kiosk whose
	// settings predate the volume, at the configured default); touched
	// says whether staff chose one.
	loaded  *int
	touched bool
	levels  map[string]int // option → volume
}

var settingsVolumeKeys = map[int]string{
	app.SoundVolumeOff:    "staff.settings.volume_off",
	app.SoundVolumeLow:    "staff.settings.volume_low",
	app.SoundVolumeMedium: "staff.settings.volume_medium",
	app.SoundVolumeHigh:   "staff.settings.volume_high",
}

func (s *StaffScreen) newSettingsVolume(loaded *int) *settingsVolume {
	v := &settingsVolume{loaded: loaded, levels: map[string]int{}}
	shown := app.DefaultSoundVolume
	if loaded != nil {
		shown = *loaded
	}
	var options []string
	selected := ""
	for _, level := range app.SoundVolumeLevels {
		o := s.tr.T(settingsVolumeKeys[level])
		options = append(options, o)
		v.levels[o] = level
		if level == app.NearestSoundVolumeLevel(shown) {
			selected = o
		}
	}
	v.sel = widget.NewSelect(options, nil)
	v.sel.PlaceHolder = "—" // its default ("(Select one)") made it wider than the column
	v.sel.SetSelected(selected)
	v.sel.OnChanged = func(string) {
		s.b.Touch()
		v.touched = true
	}
	return v
}

// value is the volume to apply: the one chosen, else the one loaded (a
// volume from the configuration file that is no level stays as it is).
func (v *settingsVolume) value() *int {
	if l, ok := v.levels[v.sel.Selected]; ok && v.touched {
		return &l
	}
	return v.loaded
}
