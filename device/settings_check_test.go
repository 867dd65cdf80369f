package device

import (
	"os"
	"path/filepath"
	"testing"

	"mensakiosk/app"
)

// TestCheckReaderSettings: a missing port, a plain file and an unknown
// format or numbering are each a problem on their field; a pseudo-terminal
// with a known format and numbering, or fields left empty, are none.
func TestCheckReaderSettings(t *testing.T) {
	v, err := NewVirtualReader("rdm6300", filepath.Join(t.TempDir(), "reader"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	file := filepath.Join(t.TempDir(), "not-a-port")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                    string
		port, format, numbering string
		wantField, wantProblem  string
	}{
		{"a pty, known format and numbering", v.Path(), "rdm6300", "dec10", "", ""},
		{"nothing typed", " ", "", "", "", ""},
		{"missing port", "/dev/serial/by-id/no-such-reader", "rdm6300", "hex", app.FieldReaderPort, app.ProblemBadPort},
		{"a plain file", file, "", "", app.FieldReaderPort, app.ProblemBadPort},
		{"unknown format", "", "wiegand99", "", app.FieldReaderFormat, app.ProblemBadFormat},
		{"unknown numbering", "", "", "base7", app.FieldReaderNumbering, app.ProblemBadSetting},
	} {
		se := &app.SettingsError{}
		CheckReaderSettings(se, tc.port, tc.format, tc.numbering)
		if tc.wantField == "" {
			if err := se.Err(); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if len(se.Fields) != 1 || se.Fields[0].Field != tc.wantField || se.Fields[0].Problem != tc.wantProblem {
			t.Errorf("%s: %+v, want one %s problem on %s", tc.name, se.Fields, tc.wantProblem, tc.wantField)
		}
	}
}
