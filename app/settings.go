package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// KioskSettings are the settings staff may change on the kiosk (PRODUCT.md
// §4): they take effect without reinstalling. Validate checks what pure Go
// can; cmd/kiosk adds the device checks (the port exists, the format is
// known) and applies them.
type KioskSettings struct {
	Role            string `json:"role"` // canteen or counter
	ReaderPort      string `json:"reader_port"`
	ReaderFormat    string `json:"reader_format"`
	ReaderNumbering string `json:"reader_numbering"`
	ServerURL       string `json:"server_url"`
	// LowBalanceCents: below it after a charge the screen reminds to top up.
	LowBalanceCents int64 `json:"low_balance_cents"`
	// WindowStart and WindowEnd bound the service, "hh:mm".
	WindowStart string `json:"window_start"`
	WindowEnd   string `json:"window_end"`
	// Debounce is a Go duration, "3s": 0 to 60 s.
	Debounce string `json:"debounce"`
	// IdleSeconds: the counter forgets the family, and staff mode leaves,
	// after this many idle seconds.
	IdleSeconds int `json:"idle_seconds"`
	// SoundVolume is the door's sounds' volume, 0 (off) to 100
	// (settings_sound.go); nil, as in a file written before it was a
	// setting, keeps the configured volume.
	SoundVolume *int `json:"sound_volume,omitempty"`
}

// Settings fields, as FieldError names them (the screens label them).
const (
	FieldRole            = "role"
	FieldReaderPort      = "reader_port"
	FieldReaderFormat    = "reader_format"
	FieldReaderNumbering = "reader_numbering"
	FieldServerURL       = "server_url"
	FieldLowBalance      = "low_balance"
	FieldWindowStart     = "window_start"
	FieldWindowEnd       = "window_end"
	FieldDebounce        = "debounce"
	FieldIdleSeconds     = "idle_seconds"
	FieldSoundVolume     = "sound_volume"
)

// Problems a FieldError reports; the screens translate them.
const (
	ProblemRequired   = "required"    // empty
	ProblemChoice     = "choice"      // not one of the allowed values
	ProblemURL        = "url"         // not an absolute http(s) URL
	ProblemInsecure   = "insecure"    // plain http to a host that is not loopback
	ProblemRange      = "range"       // a number out of range
	ProblemTime       = "time"        // not hh:mm
	ProblemOrder      = "order"       // window end not after its start
	ProblemDuration   = "duration"    // not a duration
	ProblemBadPort    = "bad_port"    // the reader port does not exist (device check)
	ProblemBadFormat  = "bad_format"  // the reader format is unknown (device check)
	ProblemBadSetting = "bad_setting" // another device check
)

// Bounds of the numeric settings.
const (
	MaxLowBalanceCents = 100_000 // 1.000,00 €
	MinIdleSeconds     = 15
	MaxIdleSeconds     = 600
	MaxDebounce        = 60 * time.Second
)

// FieldError is one problem with one setting. Field and Problem are codes
// the screens translate; Detail is English for the log.
type FieldError struct {
	Field, Problem string
	Value          string
	Detail         string
}

func (e FieldError) Error() string {
	return fmt.Sprintf("setting %s %q: %s", e.Field, e.Value, e.Detail)
}

// SettingsError lists every problem of a settings change: nothing of it
// was applied.
type SettingsError struct{ Fields []FieldError }

func (e *SettingsError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return strings.Join(msgs, "; ")
}

// Add appends a problem (cmd/kiosk adds its device checks this way).
func (e *SettingsError) Add(field, problem, value, detail string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Problem: problem, Value: value, Detail: detail})
}

// Err returns e when it holds a problem, else nil.
func (e *SettingsError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// AsSettingsError finds the SettingsError in err.
func AsSettingsError(err error) (*SettingsError, bool) {
	var se *SettingsError
	ok := errors.As(err, &se)
	return se, ok
}

// Roles of the kiosk.
const (
	RoleCanteen = "canteen"
	RoleCounter = "counter"
)

// Validate checks every field and reports every problem at once (a
// *SettingsError), or nil.
func (s KioskSettings) Validate() error {
	var e SettingsError
	switch s.Role {
	case RoleCanteen, RoleCounter:
	default:
		e.Add(FieldRole, ProblemChoice, s.Role, "want canteen or counter")
	}
	if strings.TrimSpace(s.ServerURL) != "" {
		checkServerURL(&e, s.ServerURL)
	}
	if s.LowBalanceCents < 0 || s.LowBalanceCents > MaxLowBalanceCents {
		e.Add(FieldLowBalance, ProblemRange, fmt.Sprint(s.LowBalanceCents), fmt.Sprintf("want 0 to %d cents", MaxLowBalanceCents))
	}
	if s.Role == RoleCanteen {
		if strings.TrimSpace(s.ReaderPort) == "" {
			e.Add(FieldReaderPort, ProblemRequired, s.ReaderPort, "the canteen needs a reader port")
		}
		if strings.TrimSpace(s.ReaderFormat) == "" {
			e.Add(FieldReaderFormat, ProblemRequired, s.ReaderFormat, "the canteen needs a reader format")
		}
	}
	start, errS := ParseTimeOfDay(s.WindowStart)
	if errS != nil {
		e.Add(FieldWindowStart, ProblemTime, s.WindowStart, errS.Error())
	}
	end, errE := ParseTimeOfDay(s.WindowEnd)
	if errE != nil {
		e.Add(FieldWindowEnd, ProblemTime, s.WindowEnd, errE.Error())
	}
	if errS == nil && errE == nil && end <= start {
		e.Add(FieldWindowEnd, ProblemOrder, s.WindowEnd, fmt.Sprintf("the window must end after it starts (%s)", s.WindowStart))
	}
	if d, err := time.ParseDuration(strings.TrimSpace(s.Debounce)); err != nil {
		e.Add(FieldDebounce, ProblemDuration, s.Debounce, "want a duration such as 3s")
	} else if d < 0 || d > MaxDebounce {
		e.Add(FieldDebounce, ProblemRange, s.Debounce, "want 0s to 60s")
	}
	if s.IdleSeconds < MinIdleSeconds || s.IdleSeconds > MaxIdleSeconds {
		e.Add(FieldIdleSeconds, ProblemRange, fmt.Sprint(s.IdleSeconds), fmt.Sprintf("want %d to %d seconds", MinIdleSeconds, MaxIdleSeconds))
	}
	if v := s.SoundVolume; v != nil && (*v < 0 || *v > MaxSoundVolume) {
		e.Add(FieldSoundVolume, ProblemRange, fmt.Sprint(*v), fmt.Sprintf("want 0 (off) to %d", MaxSoundVolume))
	}
	return e.Err()
}

// checkServerURL wants https, or plain http only to a loopback host
// (PRODUCT.md §5).
func checkServerURL(e *SettingsError, raw string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		e.Add(FieldServerURL, ProblemURL, raw, "want an absolute https:// URL")
		return
	}
	if u.Scheme == "http" {
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			e.Add(FieldServerURL, ProblemInsecure, raw, "plain http is allowed only to a loopback address")
		}
	}
}
