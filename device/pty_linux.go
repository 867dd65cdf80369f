//go:build linux

package device

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// OpenPTY creates a pseudo-terminal pair in raw mode (no echo, no CR/LF
// translation, 8 bits) and returns its master end and the path of its slave
// end (/dev/pts/N). Bytes written to the master are read from the slave as
// from a serial port. Closing the master makes the slave node vanish and
// reads from it end, like a USB reader being pulled out. The master is in
// non-blocking mode under Go's poller: Close interrupts a Read blocked on it
// and SetReadDeadline works.
func OpenPTY() (master *os.File, slave string, err error) {
	// O_NONBLOCK puts the master in Go's poller: Close interrupts a
	// pending Read, and deadlines work.
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open pty: %w", err)
	}
	fd := int(m.Fd())
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	if err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return nil, "", fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		return nil, "", fmt.Errorf("pty number: %w", err)
	}
	// Termios requests on the master apply to the slave side of the pair.
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, "", fmt.Errorf("pty termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR |
		unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err = unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return nil, "", fmt.Errorf("pty raw mode: %w", err)
	}
	return m, "/dev/pts/" + strconv.FormatUint(uint64(n), 10), nil
}
