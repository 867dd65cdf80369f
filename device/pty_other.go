//go:build !linux

package device

import (
	"errors"
	"os"
)

// OpenPTY is only implemented on Linux.
func OpenPTY() (master *os.File, slave string, err error) {
	return nil, "", errors.ErrUnsupported
}
