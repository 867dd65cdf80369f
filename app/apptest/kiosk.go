package apptest

import (
	"maps"
	"sync"

	"mensakiosk/app"
)

// Kiosk is app.StaffKiosk, the kiosk program as staff actions see it, in
// memory: it writes files into a map, keeps the settings saved, and
// records every call by name ("sync-now", "sync-soon", "write", "save",
// "restart", "quit") for Taken.
type Kiosk struct {
	mu       sync.Mutex
	calls    []string
	files    map[string][]byte
	settings app.KioskSettings
	saveErr  error
	check    func(app.KioskSettings) error
}

// NewKiosk returns a kiosk whose settings in force are s.
func NewKiosk(s app.KioskSettings) *Kiosk { return &Kiosk{settings: s, files: map[string][]byte{}} }

func (k *Kiosk) note(call string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = append(k.calls, call)
}

// SyncNow, SyncSoon, Restart and Quit are recorded, nothing more.
func (k *Kiosk) SyncNow() { k.note("sync-now") }

// SyncSoon: see SyncNow.
func (k *Kiosk) SyncSoon() { k.note("sync-soon") }

// Restart: see SyncNow.
func (k *Kiosk) Restart() { k.note("restart") }

// Quit: see SyncNow.
func (k *Kiosk) Quit() { k.note("quit") }

// WriteFile keeps data as the file at path (Files reads it back).
func (k *Kiosk) WriteFile(path string, data []byte) error {
	k.note("write")
	k.mu.Lock()
	defer k.mu.Unlock()
	k.files[path] = append([]byte(nil), data...)
	return nil
}

// SaveSettings keeps s as the settings in force, or refuses it with the
// error FailSave set (nothing changes then).
func (k *Kiosk) SaveSettings(s app.KioskSettings) (before, after app.KioskSettings, err error) {
	k.note("save")
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.saveErr != nil {
		return before, after, k.saveErr
	}
	if k.check != nil {
		if err := k.check(s); err != nil {
			return before, after, err
		}
	}
	before, k.settings = k.settings, s
	return before, s, nil
}

// FailSave makes SaveSettings refuse every change with err (nil: accept
// again), as the kiosk does a setting its devices cannot use.
func (k *Kiosk) FailSave(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.saveErr = err
}

// CheckSettings makes SaveSettings refuse the settings check refuses
// (nothing changes then), as the kiosk refuses what it cannot run with:
// app.KioskSettings.Validate, say.
func (k *Kiosk) CheckSettings(check func(app.KioskSettings) error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.check = check
}

// Settings returns the settings in force.
func (k *Kiosk) Settings() app.KioskSettings {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.settings
}

// Files returns the files written, by path.
func (k *Kiosk) Files() map[string][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return maps.Clone(k.files)
}

// Taken returns the calls recorded since the last Taken, in order.
func (k *Kiosk) Taken() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := k.calls
	k.calls = nil
	return out
}
