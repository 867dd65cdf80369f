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
	// OfflineSince is when the last successful contact ended (zero while
	// online, or when the kiosk has not reached the server since it started).
	OfflineSince time.Time
	// Waiting is the number of outbox events not yet acknowledged.
	Waiting int
	// LastSync is the end of the last sync that pushed and pulled everything.
	LastSync time.Time
	// ClockSkew is the server's clock minus the kiosk's, measured at the last
	// contact; the screen warns beyond MaxClockSkew.
	ClockSkew time.Duration
	// Pulling is true while a pull of several pages runs (a first sync):
	// PullDone of PullTotal records so far.
	Pulling             bool
	PullDone, PullTotal int
	// Rejected counts events the server refused, kept aside for staff.
	Rejected int
	// Alarms are open sync alarms (sequence gap, database restored, ...).
	Alarms []Alarm
	// LastError says why the last attempt failed, for the log and staff.
	LastError string
	// Problem is a failure the network coming back will not cure: the
	// screen names it instead of "unreachable".
	Problem SyncProblem
	// ClockBehind is set when, at start, the kiosk's clock was earlier
	// than the newest event it had stored (CheckClock): offline meals
	// would be stamped with a wrong time. The screens warn staff.
	ClockBehind *ClockBehind
}

// SyncProblem is a sync failure that needs someone to act.
type SyncProblem int

const (
	SyncProblemNone SyncProblem = iota
	// SyncRefused: the server refuses this kiosk's token (401).
	SyncRefused
	// SyncBadRequest: the server refuses the kiosk's requests as malformed
	// (4xx): a protocol mismatch, kiosk or server to be updated.
	SyncBadRequest
	// SyncNotStarted: the link could not start (a configuration error, e.g.
	// a missing token file).
	SyncNotStarted
	// SyncForbidden: the server refuses what this kiosk asks with its
	// token's role (403): the token was made for another role.
	SyncForbidden
)

// MaxClockSkew is the clock difference beyond which the screen warns.
const MaxClockSkew = 2 * time.Minute

// SkewWarning reports whether the clock difference deserves a warning.
func (s SyncStatus) SkewWarning() bool {
	return s.ClockSkew > MaxClockSkew || s.ClockSkew < -MaxClockSkew
}

// ClockBehind is a clock found earlier than the newest stored event.
type ClockBehind struct {
	// Now is the kiosk's clock at the check, Newest the newest event's time.
	Now, Newest time.Time
}

// By is how far the clock is behind.
func (c ClockBehind) By() time.Duration { return c.Newest.Sub(c.Now) }

// CheckClock compares the kiosk's clock at start with the time of the
// newest event it stored (a meal, a void, a staff action): a clock earlier
// by more than MaxClockSkew went backwards (a board without a battery that
// booted with a stale time, a wrong manual setting). Offline meals are
// stamped with the local clock, so staff must fix it. Nil when the clock
// is fine or nothing was stored yet.
func CheckClock(now, newest time.Time) *ClockBehind {
	if newest.IsZero() || newest.Sub(now) <= MaxClockSkew {
		return nil
	}
	return &ClockBehind{Now: now, Newest: newest}
}
