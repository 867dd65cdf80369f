package device

import (
	"errors"
	"testing"
	"time"

	"mensakiosk/app"
)

// TestStatusAsReaderStatus: each supervisor state maps to app's, with the
// port, the time and the error's text.
func TestStatusAsReaderStatus(t *testing.T) {
	since := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   Status
		want app.ReaderStatus
	}{
		{Status{State: StateConnecting, Path: "/dev/ttyUSB0", Since: since},
			app.ReaderStatus{State: app.ReaderConnecting, Port: "/dev/ttyUSB0", Since: since}},
		{Status{State: StateConnected, Path: "/dev/ttyUSB0", Since: since},
			app.ReaderStatus{State: app.ReaderConnected, Port: "/dev/ttyUSB0", Since: since}},
		{Status{State: StateDisconnected, Path: "/dev/ttyUSB0", Err: errors.New("unplugged"), Since: since},
			app.ReaderStatus{State: app.ReaderDisconnected, Port: "/dev/ttyUSB0", Err: "unplugged", Since: since}},
	} {
		if got := tc.in.ReaderStatus(); got != tc.want {
			t.Errorf("%v: %+v, want %+v", tc.in.State, got, tc.want)
		}
	}
}
