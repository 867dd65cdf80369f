package kvpg

import "time"

// SetDropLockTimeout changes how long DropTenant waits for the tables'
// locks, until the returned function puts it back.
func SetDropLockTimeout(d time.Duration) (restore func()) {
	old := dropLockTimeout
	dropLockTimeout = d
	return func() { dropLockTimeout = old }
}
