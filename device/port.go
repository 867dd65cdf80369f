package device

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Port is the part of a serial port the reader code uses. It is kept small so
// that the serial library (github.com/tarm/serial today) can be replaced by
// another one without touching decoders or the supervisor.
//
// Read must return after at most the configured read timeout when no byte
// arrives, with (0, io.EOF) or (0, nil); any other error means the port is
// unusable.
type Port interface {
	io.ReadWriteCloser
	// Flush discards bytes received but not read and bytes written but not
	// transmitted.
	Flush() error
}

// PortConfig says how to open a serial port.
type PortConfig struct {
	// Path is the device path, e.g. /dev/ttyUSB0 or a stable
	// /dev/serial/by-id/... symlink.
	Path string
	// Baud is the line speed; 8 data bits, no parity, 1 stop bit.
	Baud int
	// ReadTimeout bounds each Read when the line is idle (default 100 ms).
	ReadTimeout time.Duration
	// NoFlush keeps what was queued before the open. A reader wants the
	// flush (stale frames are not taps); a writer such as badgetool play
	// does not: on a pty the flush also discards what a previous writer
	// left for the other end.
	NoFlush bool
}

// Opener opens a port. TarmOpener is the default implementation.
type Opener func(PortConfig) (Port, error)

// DefaultBaud is the line speed of the EM4100 modules (RDM6300, ID-12, EM-18).
const DefaultBaud = 9600

// DefaultReadTimeout is the idle read timeout used when none is configured.
const DefaultReadTimeout = 100 * time.Millisecond

// ErrBaud is wrapped by errors about unsupported line speeds.
var ErrBaud = errors.New("unsupported baud rate")

// SupportedBauds returns the line speeds the serial library accepts on this
// operating system, in increasing order.
func SupportedBauds() []int { return slices.Clone(supportedBauds) }

// CheckBaud returns an error wrapping ErrBaud, listing the accepted speeds,
// when baud is not one of SupportedBauds.
func CheckBaud(baud int) error {
	if slices.Contains(supportedBauds, baud) {
		return nil
	}
	s := make([]string, len(supportedBauds))
	for i, b := range supportedBauds {
		s[i] = strconv.Itoa(b)
	}
	return fmt.Errorf("%w %d: use one of %s", ErrBaud, baud, strings.Join(s, ", "))
}
