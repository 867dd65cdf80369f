package device

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"mensakiosk/app"
)

// State is a reader's connection state.
type State int

const (
	// StateConnecting: first attempt to open the port.
	StateConnecting State = iota
	// StateConnected: the port is open and being read.
	StateConnected
	// StateDisconnected: the port could not be opened or was lost; the
	// supervisor keeps retrying (Status.Err says why).
	StateDisconnected
	// StateStopped: the supervisor has stopped.
	StateStopped
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateDisconnected:
		return "disconnected"
	case StateStopped:
		return "stopped"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is a snapshot of a reader's state.
type Status struct {
	State State
	Path  string    // the configured path
	Err   error     // why the reader is disconnected (StateDisconnected)
	Since time.Time // when State (or Err) last changed
	// Counters since the supervisor started.
	Accepted, Rejected uint64
}

// Tap is a badge read: the canonical id and when its frame's last byte was
// read from the port.
type Tap struct {
	ID app.BadgeID
	At time.Time
}

// LoggedFrame is a frame kept in the supervisor's diagnostic log. ID is the
// canonical id (after Numbering) for accepted frames.
type LoggedFrame struct {
	Frame
	At time.Time
}

// Config configures a Supervisor. Path and Format are required.
type Config struct {
	Path      string    // stable device path (/dev/serial/by-id/..., a symlink)
	Baud      int       // default DefaultBaud
	Format    string    // see ParseFormat
	Numbering Numbering // default NumberingHex
	Opener    Opener    // default TarmOpener

	ReadTimeout time.Duration // idle read timeout, default 100 ms
	MinBackoff  time.Duration // first reopen delay, default 200 ms
	MaxBackoff  time.Duration // longest reopen delay, default 2 s
	LogSize     int           // frames kept for Frames(), default 32
	TapBuffer   int           // capacity of the Taps channel, default 16

	// OnState, if set, is called from the supervisor's goroutine on every
	// change of state or error. It must return quickly.
	OnState func(Status)
	// OnTap, if set, receives each tap on the supervisor's own goroutine,
	// instead of the Taps channel (which then stays empty): one goroutine
	// hand-off fewer between the reader and the rules. While it runs, the
	// port is not read; bytes wait in the kernel's buffer, none is lost.
	OnTap func(Tap)
	// OnFrame, if set, is called from the supervisor's goroutine for every
	// frame, accepted or rejected, before the tap is sent. It must return
	// quickly.
	OnFrame func(LoggedFrame)
}

// Supervisor reads a badge reader: it opens the port by its path, decodes
// frames, delivers badge ids on Taps, and reopens the port with a backoff
// when the device goes away, until Stop.
type Supervisor struct {
	cfg    Config
	format Format
	taps   chan Tap
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	status Status
	log    []LoggedFrame // ring buffer
	logPos int           // next write position once full
}

// Start validates cfg and starts reading in a new goroutine. The supervisor
// stops when ctx is cancelled or Stop is called.
func Start(ctx context.Context, cfg Config) (*Supervisor, error) {
	if cfg.Path == "" {
		return nil, errors.New("reader: no port path configured")
	}
	f, err := ParseFormat(cfg.Format)
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	if cfg.Numbering, err = ParseNumbering(string(cfg.Numbering)); err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	if cfg.Baud == 0 {
		cfg.Baud = DefaultBaud
	}
	if cfg.Opener == nil {
		cfg.Opener = TarmOpener
		if err := CheckBaud(cfg.Baud); err != nil {
			return nil, fmt.Errorf("reader: %w", err)
		}
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 200 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(2*time.Second, cfg.MinBackoff)
	}
	if cfg.LogSize <= 0 {
		cfg.LogSize = 32
	}
	if cfg.TapBuffer <= 0 {
		cfg.TapBuffer = 16
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Supervisor{
		cfg:    cfg,
		format: f,
		taps:   make(chan Tap, cfg.TapBuffer),
		cancel: cancel,
		done:   make(chan struct{}),
		status: Status{State: StateConnecting, Path: cfg.Path, Since: time.Now()},
	}
	go s.run(ctx)
	return s, nil
}

// Taps delivers badge reads. It is closed when the supervisor has stopped.
// If nobody receives, the supervisor waits (bytes queue in the kernel).
func (s *Supervisor) Taps() <-chan Tap { return s.taps }

// Stop stops reading, closes the port and waits for the goroutine to end.
// It may be called more than once.
func (s *Supervisor) Stop() {
	s.cancel()
	<-s.done
}

// Done is closed when the supervisor has stopped.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Status returns the reader's current state.
func (s *Supervisor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Frames returns the last frames received, accepted and rejected, oldest
// first (for the staff screen "reader status and last frames").
func (s *Supervisor) Frames() []LoggedFrame {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LoggedFrame, 0, len(s.log))
	out = append(out, s.log[s.logPos:]...)
	return append(out, s.log[:s.logPos]...)
}

func (s *Supervisor) setState(st State, err error) {
	s.mu.Lock()
	old := s.status
	if old.State == st && errText(old.Err) == errText(err) {
		s.mu.Unlock()
		return
	}
	s.status.State, s.status.Err, s.status.Since = st, err, time.Now()
	cur := s.status
	s.mu.Unlock()
	if s.cfg.OnState != nil {
		s.cfg.OnState(cur)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *Supervisor) run(ctx context.Context) {
	defer close(s.done)
	defer close(s.taps)
	defer s.setState(StateStopped, nil)
	backoff := s.cfg.MinBackoff
	if s.cfg.OnState != nil {
		s.cfg.OnState(s.Status())
	}
	for ctx.Err() == nil {
		port, node, err := s.open()
		if err == nil {
			backoff = s.cfg.MinBackoff
			s.setState(StateConnected, nil)
			err = s.read(ctx, port, node)
			port.Close()
			if ctx.Err() != nil {
				return
			}
		}
		s.setState(StateDisconnected, err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, s.cfg.MaxBackoff)
	}
}

// open opens the port and records the identity of the device node the path
// led to, to notice when it vanishes or the path is re-pointed.
func (s *Supervisor) open() (Port, os.FileInfo, error) {
	node, err := os.Stat(s.cfg.Path)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.cfg.Opener(PortConfig{Path: s.cfg.Path, Baud: s.cfg.Baud, ReadTimeout: s.cfg.ReadTimeout})
	if err != nil {
		return nil, nil, err
	}
	return p, node, nil
}

// errGone and errHungUp are the reasons a port that reads as idle is
// considered lost.
var (
	errGone   = errors.New("device removed")
	errHungUp = errors.New("device hung up")
)

// read runs the read loop on an open port until the context ends (nil) or
// the device is lost (the error). Bytes are decoded as soon as Read returns:
// the read timeout only matters when the line is idle.
func (s *Supervisor) read(ctx context.Context, port Port, node os.FileInfo) error {
	dec, err := s.format.NewDecoder()
	if err != nil {
		return err
	}
	buf := make([]byte, 256)
	var at time.Time
	var stopped bool
	emit := func(f Frame) {
		if !stopped {
			stopped = !s.deliver(ctx, f, at)
		}
	}
	fastIdle := 0
	for ctx.Err() == nil {
		start := time.Now()
		n, err := port.Read(buf)
		at = time.Now()
		if n > 0 {
			fastIdle = 0
			dec.Feed(buf[:n], emit)
			if stopped {
				return nil
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if n > 0 {
			continue
		}
		// Idle: a timeout, or a device that went away (tarm/serial
		// returns io.EOF after an unplug too).
		dec.Idle(emit)
		if cur, err := os.Stat(s.cfg.Path); err != nil || !os.SameFile(cur, node) {
			return errGone
		}
		if at.Sub(start) < s.cfg.ReadTimeout/4 {
			// A live port waits ReadTimeout before reporting idle; one
			// that returns at once again and again is hung up.
			if fastIdle++; fastIdle >= 3 {
				return errHungUp
			}
		} else {
			fastIdle = 0
		}
	}
	return nil
}

// deliver logs a frame and sends its tap. It returns false if ctx ended
// while waiting for the receiver.
func (s *Supervisor) deliver(ctx context.Context, f Frame, at time.Time) bool {
	if f.Accepted() {
		f.ID = s.cfg.Numbering.Map(f.ID)
	}
	lf := LoggedFrame{Frame: f, At: at}
	s.mu.Lock()
	if f.Accepted() {
		s.status.Accepted++
	} else {
		s.status.Rejected++
	}
	if len(s.log) < s.cfg.LogSize {
		s.log = append(s.log, lf)
	} else {
		s.log[s.logPos] = lf
		s.logPos = (s.logPos + 1) % len(s.log)
	}
	s.mu.Unlock()
	if s.cfg.OnFrame != nil {
		s.cfg.OnFrame(lf)
	}
	if !f.Accepted() {
		return true
	}
	if s.cfg.OnTap != nil {
		s.cfg.OnTap(Tap{ID: f.ID, At: at})
		return ctx.Err() == nil
	}
	select {
	case s.taps <- Tap{ID: f.ID, At: at}:
		return true
	case <-ctx.Done():
		return false
	}
}
