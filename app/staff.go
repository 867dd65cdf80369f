package app

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Staff mode's door (PRODUCT.md §4): a staff badge or a hidden gesture, then
// the PIN. Repeated wrong PINs lock it for a delay that doubles each time,
// kept in the store so that restarting the kiosk does not reset it. The
// mode leaves by itself after an idle minute. Logins, failed attempts and
// lockouts are audit events; a PIN is never logged nor stored.

// StaffConfig tunes staff mode. Zero values take the defaults.
type StaffConfig struct {
	// MaxTries wrong PINs in a row lock staff mode (default 5).
	MaxTries int
	// LockBase is the first lock's length, doubled at each lock after it
	// (default 30 s), up to LockMax (default 30 min).
	LockBase, LockMax time.Duration
	// IdleTimeout: staff mode leaves by itself after this long without a
	// touch (default 60 s).
	IdleTimeout time.Duration
}

func (c *StaffConfig) defaults() {
	if c.MaxTries <= 0 {
		c.MaxTries = 5
	}
	if c.LockBase <= 0 {
		c.LockBase = 30 * time.Second
	}
	if c.LockMax <= 0 {
		c.LockMax = 30 * time.Minute
	}
	if c.LockMax < c.LockBase {
		c.LockMax = c.LockBase
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = time.Minute
	}
}

// StaffLock is the PIN lockout state, stored across restarts.
type StaffLock struct {
	// Fails counts wrong PINs since the last login or lock.
	Fails int `json:"fails"`
	// Locks counts the locks since the last good PIN: the next lock lasts
	// LockBase << Locks.
	Locks int `json:"locks"`
	// Until is the end of the current lock (zero: not locked).
	Until time.Time `json:"until,omitzero"`
}

// StaffStore is the store as staff mode needs it.
type StaffStore interface {
	// StaffMembers lists the staff, with their PIN hashes.
	StaffMembers() ([]Staff, error)
	// StaffLock reads the lockout state (zero when never written).
	StaffLock() (StaffLock, error)
	// SaveStaffLock writes the lockout state and the audit events (with
	// the next sequence numbers) in one transaction.
	SaveStaffLock(l StaffLock, audit ...OutboxEvent) error
	// AppendEvents writes audit events (with the next sequence numbers) in
	// one transaction.
	AppendEvents(audit ...OutboxEvent) error
}

// Errors of staff mode.
var (
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrNotStaff: the badge is not a staff member's.
	ErrNotStaff = errors.New("not a staff badge")
	// ErrNoCandidate: SubmitPIN before Begin.
	ErrNoCandidate = errors.New("staff mode was not begun")
)

// WrongPINError is a wrong PIN that did not lock staff mode: Left more
// wrong ones in a row lock it. It is ErrWrongPIN for errors.Is.
type WrongPINError struct{ Left int }

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("wrong PIN: %d attempts left before the lock", e.Left)
}

func (e *WrongPINError) Unwrap() error { return ErrWrongPIN }

// LockedError says staff mode is locked until Until.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("staff mode locked until %s after repeated wrong PINs", e.Until.UTC().Format(time.RFC3339))
}

// unknownStaffID names the staff member in the audit entry of a wrong PIN
// typed after the hidden gesture: nobody is identified.
const unknownStaffID = "unknown"

// StaffMode is the staff door and session. It is safe for concurrent use.
type StaffMode struct {
	store  StaffStore
	clock  Clock
	cfg    StaffConfig
	verify func(hash, pin string) bool

	mu        sync.Mutex
	begun     bool
	candidate *Staff // nil after the gesture: the PIN says who
	active    *Staff
	lastTouch time.Time
	lock      StaffLock
}

// NewStaffMode returns staff mode over the store. verify checks a PIN
// against a stored hash (app.VerifyPIN, or the server's bcrypt check).
func NewStaffMode(store StaffStore, clock Clock, cfg StaffConfig, verify func(hash, pin string) bool) (*StaffMode, error) {
	if store == nil || clock == nil || verify == nil {
		return nil, errors.New("staff mode: store, clock and verify are required")
	}
	cfg.defaults()
	l, err := store.StaffLock()
	if err != nil {
		return nil, fmt.Errorf("staff mode: read lock state: %w", err)
	}
	return &StaffMode{store: store, clock: clock, cfg: cfg, verify: verify, lock: l}, nil
}

// Config returns the configuration in force.
func (m *StaffMode) Config() StaffConfig { return m.cfg }

// StaffByBadge finds the staff member whose badge this is.
func (m *StaffMode) StaffByBadge(id BadgeID) (Staff, bool, error) {
	all, err := m.store.StaffMembers()
	if err != nil {
		return Staff{}, false, err
	}
	for _, s := range all {
		if s.BadgeID != "" && s.BadgeID == id {
			return s, true, nil
		}
	}
	return Staff{}, false, nil
}

// Begin starts a login: candidate is the staff member whose badge was
// tapped, or nil after the hidden gesture (then the PIN identifies the
// staff member among all). It ends any session under way.
func (m *StaffMode) Begin(candidate *Staff) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.begun, m.active = true, nil
	m.candidate = nil
	if candidate != nil {
		c := *candidate
		m.candidate = &c
	}
	m.lastTouch = m.clock.Now()
}

// LockState returns the lock's end when staff mode is locked now.
func (m *StaffMode) LockState() (until time.Time, locked bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	if now.Before(m.lock.Until) {
		return m.lock.Until, true
	}
	return time.Time{}, false
}

// SubmitPIN checks a PIN. A good one opens the session and returns the staff
// member; a wrong one returns a *WrongPINError (ErrWrongPIN, with the
// attempts left), and the MaxTries-th wrong one in a row locks staff mode
// (a *LockedError, as does any PIN while locked).
func (m *StaffMode) SubmitPIN(pin string) (Staff, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	if now.Before(m.lock.Until) {
		return Staff{}, &LockedError{Until: m.lock.Until}
	}
	if !m.begun {
		return Staff{}, ErrNoCandidate
	}
	m.lastTouch = now
	all, err := m.store.StaffMembers()
	if err != nil {
		return Staff{}, err
	}
	var who *Staff
	if ValidPIN(pin) {
		for i := range all {
			s := &all[i]
			if m.candidate != nil && s.ID != m.candidate.ID {
				continue
			}
			if s.PINHash != "" && m.verify(s.PINHash, pin) {
				who = s
				break
			}
		}
	}
	if who == nil {
		return Staff{}, m.failed(now)
	}
	next := StaffLock{}
	ev, err := NewStaffActionEvent(who.ID, ActionLogin, "", now)
	if err != nil {
		return Staff{}, err
	}
	if err := m.store.SaveStaffLock(next, ev); err != nil {
		return Staff{}, fmt.Errorf("staff login: %w", err)
	}
	m.lock = next
	s := *who
	s.PINHash = ""
	m.active, m.begun, m.candidate = &s, false, nil
	return s, nil
}

// failed counts a wrong PIN, locking at MaxTries; the state and the audit
// entries are stored before the answer.
func (m *StaffMode) failed(now time.Time) error {
	id := unknownStaffID
	if m.candidate != nil {
		id = m.candidate.ID
	}
	next := m.lock
	next.Until = time.Time{}
	next.Fails++
	evs := make([]OutboxEvent, 0, 2)
	ev, err := NewStaffActionEvent(id, ActionLoginFailed, fmt.Sprintf(`{"attempt":%d}`, next.Fails), now)
	if err != nil {
		return err
	}
	evs = append(evs, ev)
	var locked error = &WrongPINError{Left: m.cfg.MaxTries - next.Fails}
	if next.Fails >= m.cfg.MaxTries {
		// LockBase doubled Locks times, capped at LockMax; doubled step
		// by step, because LockBase << Locks overflows int64 (a negative
		// lock: no lock at all) long before Locks reaches 30.
		d := m.cfg.LockBase
		for i := 0; i < next.Locks && d < m.cfg.LockMax; i++ {
			d *= 2
		}
		d = min(d, m.cfg.LockMax)
		next.Fails, next.Locks, next.Until = 0, next.Locks+1, now.Add(d)
		ev, err := NewStaffActionEvent(id, ActionLocked, fmt.Sprintf(`{"seconds":%d}`, int(d/time.Second)), now)
		if err != nil {
			return err
		}
		evs = append(evs, ev)
		locked = &LockedError{Until: next.Until}
	}
	if err := m.store.SaveStaffLock(next, evs...); err != nil {
		return fmt.Errorf("staff PIN attempt: %w", err)
	}
	m.lock = next
	return locked
}

// Active returns the staff member of the session under way.
func (m *StaffMode) Active() (Staff, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.active == nil {
		return Staff{}, false
	}
	return *m.active, true
}

// Touch notes activity: the idle timeout starts again.
func (m *StaffMode) Touch() {
	m.mu.Lock()
	m.lastTouch = m.clock.Now()
	m.mu.Unlock()
}

// IdleExpired reports whether staff mode (a session, or a login begun) has
// had no touch for IdleTimeout.
func (m *StaffMode) IdleExpired() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.active == nil && !m.begun {
		return false
	}
	return m.clock.Now().Sub(m.lastTouch) >= m.cfg.IdleTimeout
}

// Leave ends the session (or the login begun); idle says it timed out. The
// end of a session is audited.
func (m *StaffMode) Leave(idle bool) error {
	m.mu.Lock()
	active := m.active
	m.active, m.begun, m.candidate = nil, false, nil
	m.mu.Unlock()
	if active == nil {
		return nil
	}
	detail := ""
	if idle {
		detail = `{"idle":true}`
	}
	ev, err := NewStaffActionEvent(active.ID, ActionLogout, detail, m.clock.Now())
	if err != nil {
		return err
	}
	return m.store.AppendEvents(ev)
}

// Record writes an audit entry for the staff member of the session (for
// actions outside the canteen's transactions: settings, sync, quit, export).
func (m *StaffMode) Record(action, detail string) error {
	s, ok := m.Active()
	if !ok {
		return ErrNoStaff
	}
	ev, err := NewStaffActionEvent(s.ID, action, detail, m.clock.Now())
	if err != nil {
		return err
	}
	m.Touch()
	return m.store.AppendEvents(ev)
}
