package app

import "time"

// ReaderState is the badge reader's connection state as the screen shows it.
type ReaderState int

const (
	ReaderConnecting   ReaderState = iota // opening the port
	ReaderConnected                       // reading frames
	ReaderDisconnected                    // unplugged or failing; retrying
	ReaderNone                            // no reader configured
)

var readerStateNames = [...]string{"connecting", "connected", "disconnected", "none"}

func (s ReaderState) String() string {
	if int(s) < len(readerStateNames) {
		return readerStateNames[s]
	}
	return "unknown"
}

// ReaderStatus is the reader's state with its port and last error.
type ReaderStatus struct {
	State ReaderState
	Port  string
	Err   string
	Since time.Time
}

// SyncStatus is the state of the link to the central server, as the idle
// screen shows it honestly.
type SyncStatus struct {
	// Configured is false when the kiosk has no central server (standalone).
	Configured bool
	Online     bool
	// OfflineSince is when the last successful contact ended.
	OfflineSince time.Time
	// Waiting is the number of outbox events not yet acknowledged.
	Waiting  int
	LastSync time.Time
}
