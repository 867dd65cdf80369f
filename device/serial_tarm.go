package device

import (
	"fmt"
	"runtime"

	"github.com/tarm/serial"
)

// TarmOpener opens a serial port with github.com/tarm/serial, 8N1, with the
// configured read timeout, and discards whatever the device sent while the
// port was closed (the kernel keeps it and would deliver it now) unless
// c.NoFlush.
//
// Behaviour of that library the rest of the package relies on or works
// around: a read timeout returns (0, io.EOF) on Linux; after an unplug reads
// return EIO and then io.EOF (which looks like a timeout: the supervisor checks
// that the device node still exists); Close blocks while another goroutine is
// in Read (the supervisor closes only from the reading goroutine).
func TarmOpener(c PortConfig) (Port, error) {
	if err := CheckBaud(c.Baud); err != nil {
		return nil, err
	}
	rt := c.ReadTimeout
	if rt <= 0 {
		rt = DefaultReadTimeout
	}
	p, err := serial.OpenPort(&serial.Config{Name: c.Path, Baud: c.Baud, ReadTimeout: rt})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", c.Path, err)
	}
	if c.NoFlush {
		return p, nil
	}
	if err := p.Flush(); err != nil {
		p.Close()
		return nil, fmt.Errorf("flush %s: %w", c.Path, err)
	}
	return p, nil
}

// supportedBauds mirrors the tables in github.com/tarm/serial.
var supportedBauds = func() []int {
	if runtime.GOOS == "linux" {
		return []int{50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400,
			4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000,
			576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000,
			3000000, 3500000, 4000000}
	}
	// serial_posix.go (macOS, BSD); Windows accepts more, but these are safe.
	return []int{50, 75, 110, 134, 150, 200, 300, 600, 1200, 2400, 4800, 9600,
		19200, 38400, 57600, 115200}
}()
