package device

import (
	"os"
	"strings"

	"mensakiosk/app"
)

// CheckReaderSettings adds to se what is wrong with a badge reader's
// settings as staff typed them (staff mode → Impostazioni): the port must
// exist and be a serial device (or a link to one), the frame format and
// the numbering must be known. An empty field is not checked here (app's
// KioskSettings.Validate says whether it may be empty).
func CheckReaderSettings(se *app.SettingsError, port, format, numbering string) {
	if p := strings.TrimSpace(port); p != "" {
		if fi, err := os.Stat(p); err != nil {
			se.Add(app.FieldReaderPort, app.ProblemBadPort, p, err.Error())
		} else if fi.Mode()&os.ModeCharDevice == 0 {
			se.Add(app.FieldReaderPort, app.ProblemBadPort, p, "not a serial device")
		}
	}
	if f := strings.TrimSpace(format); f != "" {
		if _, err := ParseFormat(f); err != nil {
			se.Add(app.FieldReaderFormat, app.ProblemBadFormat, f, err.Error())
		}
	}
	if n := strings.TrimSpace(numbering); n != "" {
		if _, err := ParseNumbering(n); err != nil {
			se.Add(app.FieldReaderNumbering, app.ProblemBadSetting, n, err.Error())
		}
	}
}
