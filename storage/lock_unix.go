//go:build unix

package storage

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockFile takes the same exclusive lock as bbolt (flock), waiting up to
// timeout: the file check reads the file only while no other process can
// write it.
func lockFile(f *os.File, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		if time.Now().After(deadline) {
			return ErrLocked
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fileIdentity is the file's device and inode: a seal judges only the
// file it sealed, not one moved into its place.
func fileIdentity(fi os.FileInfo) (dev, ino uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev), uint64(st.Ino)
	}
	return 0, 0
}
