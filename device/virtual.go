package device

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"mensakiosk/app"
)

// ErrUnplugged is returned when writing to a VirtualReader that is unplugged.
var ErrUnplugged = errors.New("virtual reader unplugged")

// VirtualReader is a badge reader made of a pseudo-terminal: the reader code
// (Supervisor, badgetool listen) opens its slave end exactly as it opens a USB
// reader, and Send writes valid frames into the master end. It backs the
// kiosk's demo reader and the tests. An optional symlink gives it a stable
// name across Unplug/Plug, like /dev/serial/by-id/ for a USB adapter that
// comes back as another ttyUSB number.
type VirtualReader struct {
	format Format
	link   string

	mu     sync.Mutex
	master *os.File
	slave  string
}

// NewVirtualReader creates a plugged-in virtual reader sending frames of
// format (see ParseFormat). If link is not empty, a symlink at that path
// points to the current slave end.
func NewVirtualReader(format, link string) (*VirtualReader, error) {
	f, err := ParseFormat(format)
	if err != nil {
		return nil, err
	}
	v := &VirtualReader{format: f, link: link}
	if err := v.Plug(); err != nil {
		return nil, err
	}
	return v, nil
}

// Path is the name to open the reader by: the symlink if there is one, else
// the current slave path.
func (v *VirtualReader) Path() string {
	if v.link != "" {
		return v.link
	}
	return v.SlavePath()
}

// SlavePath is the current /dev/pts/N of the slave end ("" when unplugged).
func (v *VirtualReader) SlavePath() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.slave
}

// Format is the format Send writes.
func (v *VirtualReader) Format() Format { return v.format }

// Send writes the frame of id, as the reader's format encodes it.
func (v *VirtualReader) Send(id app.BadgeID) error {
	b, err := v.format.Encode(id)
	if err != nil {
		return err
	}
	_, err = v.Write(b)
	return err
}

// Write writes raw bytes to the line (noise, broken frames). If nobody reads
// the slave end and the kernel's buffer (a few KiB) is full, it fails after
// WriteTimeout instead of blocking the caller (a UI panel).
func (v *VirtualReader) Write(p []byte) (int, error) {
	v.mu.Lock()
	m := v.master
	v.mu.Unlock()
	if m == nil {
		return 0, ErrUnplugged
	}
	if err := m.SetWriteDeadline(time.Now().Add(WriteTimeout)); err != nil {
		return 0, err
	}
	return m.Write(p)
}

// WriteTimeout bounds a VirtualReader write.
const WriteTimeout = time.Second

// Plug creates a new pseudo-terminal and points the symlink at it. It does
// nothing if the reader is plugged in.
func (v *VirtualReader) Plug() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master != nil {
		return nil
	}
	m, slave, err := OpenPTY()
	if err != nil {
		return err
	}
	if v.link != "" {
		if err := replaceSymlink(slave, v.link); err != nil {
			m.Close()
			return err
		}
	}
	v.master, v.slave = m, slave
	return nil
}

// Unplug closes the master end (the slave node vanishes, a reader of it sees
// the device gone) and removes the symlink.
func (v *VirtualReader) Unplug() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return nil
	}
	err := v.master.Close()
	v.master, v.slave = nil, ""
	if v.link != "" {
		if rerr := os.Remove(v.link); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
			err = rerr
		}
	}
	return err
}

// Replug unplugs the reader and plugs it back in: a new slave path behind the
// same symlink.
func (v *VirtualReader) Replug() error {
	if err := v.Unplug(); err != nil {
		return err
	}
	return v.Plug()
}

// Close unplugs the reader for good.
func (v *VirtualReader) Close() error { return v.Unplug() }

// replaceSymlink makes link point to target, atomically replacing any
// existing link.
func replaceSymlink(target, link string) error {
	tmp := filepath.Join(filepath.Dir(link), "."+filepath.Base(link)+".tmp"+strconv.Itoa(os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("symlink %s: %w", link, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("symlink %s: %w", link, err)
	}
	return nil
}
