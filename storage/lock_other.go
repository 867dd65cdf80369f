//go:build !unix

package storage

import (
	"os"
	"time"
)

// lockFile: bbolt locks the file itself when it opens it; here the check
// runs unlocked.
func lockFile(*os.File, time.Duration) error { return nil }
