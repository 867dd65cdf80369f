package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// SyncState is the sync state the kiosk's store keeps.
type SyncState struct {
	Cursor   string
	Acked    uint64 // highest sequence answered by the server with all below it
	LastSeq  uint64 // highest sequence written here
	Waiting  int    // events not answered yet
	Rejected int    // events the server refused, kept aside for staff
	LastSync time.Time
	Alarms   []Alarm
}

// PushAcks is what applying a push reply did to the outbox.
type PushAcks struct {
	Delivered int // accepted or duplicate
	Rejected  int
	Flagged   int
	Acked     uint64 // the watermark after
}

// Central is the central server as the kiosk's sync engine needs it.
// central.Client implements it over HTTP.
type Central interface {
	Health(ctx context.Context) (Health, error)
	Pull(ctx context.Context, cursor string, limit int) (PullPage, error)
	Push(ctx context.Context, b PushBatch) (PushReply, error)
}

// SyncStore is the kiosk's store as the sync engine needs it.
type SyncStore interface {
	// Epoch is the random id made when the database was created.
	Epoch() string
	// Outbox returns up to limit unanswered events, oldest first.
	Outbox(limit int) ([]OutboxEvent, error)
	// ApplyPush removes from the outbox exactly what the reply answered.
	ApplyPush(sent []OutboxEvent, reply PushReply) (PushAcks, error)
	// Reopen puts the events above seq back in the outbox.
	Reopen(seq uint64) (int, error)
	// ApplyPull stores a page's records and its cursor, atomically.
	ApplyPull(PullPage) error
	SyncState() (SyncState, error)
	SetLastSync(time.Time) error
	// RaiseAlarm stores an alarm; false if the same one is already open.
	RaiseAlarm(Alarm) (bool, error)
}

// SyncConfig tunes the sync engine. Zero values take the defaults.
type SyncConfig struct {
	KioskID string
	// Interval between syncs while online and idle (default 15 s).
	Interval time.Duration
	// KickDelay: after a tap, wait this long so that a queue of pupils
	// goes out in one batch (default 1 s).
	KickDelay time.Duration
	// PushBatch events per push request (default 500, at most 1,000).
	PushBatch int
	// PullLimit records per pull page (default 5,000).
	PullLimit int
	// MinBackoff and MaxBackoff bound the wait after a failed sync
	// (exponential with full jitter; defaults 1 s and 60 s).
	MinBackoff, MaxBackoff time.Duration
	// CycleTimeout bounds one whole sync (default 2 min).
	CycleTimeout time.Duration
}

func (c *SyncConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Interval, 15*time.Second)
	def(&c.KickDelay, time.Second)
	def(&c.MinBackoff, time.Second)
	def(&c.MaxBackoff, time.Minute)
	def(&c.CycleTimeout, 2*time.Minute)
	if c.PushBatch <= 0 || c.PushBatch > 1000 {
		c.PushBatch = 500
	}
	if c.PullLimit <= 0 {
		c.PullLimit = 5000
	}
}

// Syncer is the sync engine: it pushes the outbox and pulls deltas, over and
// over, and says honestly how it went. One goroutine runs it (Run); taps
// Kick it; the screen reads Status or is told through OnStatus.
type Syncer struct {
	store   SyncStore
	central Central
	clock   Clock
	cfg     SyncConfig
	log     *slog.Logger

	kick, now chan struct{}

	mu          sync.Mutex
	status      SyncStatus
	lastContact time.Time
	onStatus    func(SyncStatus)

	// The menu and calendar (menu_sync.go).
	menuStore MenuStore
	menuBook  *MenuBook
	menuLoc   *time.Location
	menuErr   string
}

// NewSyncer makes a sync engine.
func NewSyncer(store SyncStore, central Central, clock Clock, cfg SyncConfig, log *slog.Logger) *Syncer {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Syncer{store: store, central: central, clock: clock, cfg: cfg, log: log,
		kick: make(chan struct{}, 1), now: make(chan struct{}, 1)}
	s.status.Configured = true
	return s
}

// OnStatus sets a function called (from the engine's goroutine) after every
// change of status. Set it before Run.
func (s *Syncer) OnStatus(fn func(SyncStatus)) {
	s.mu.Lock()
	s.onStatus = fn
	s.mu.Unlock()
}

// Status is the engine's current state.
func (s *Syncer) Status() SyncStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Alarms = append([]Alarm(nil), st.Alarms...)
	return st
}

// Kick asks for a sync soon (after a tap): at once when online, after
// KickDelay; while offline the backoff decides.
func (s *Syncer) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// SyncNow asks for a sync at once, offline or not (staff's "sync now").
func (s *Syncer) SyncNow() {
	select {
	case s.now <- struct{}{}:
	default:
	}
}

// Run syncs until ctx ends.
func (s *Syncer) Run(ctx context.Context) {
	s.refresh()
	fails := 0
	for {
		err := s.SyncOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := s.cfg.Interval
		if err != nil {
			fails++
			wait = s.backoff(fails)
		} else {
			fails = 0
		}
		timer := time.NewTimer(wait)
	waiting:
		for {
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
				break waiting
			case <-s.now:
				timer.Stop()
				break waiting
			case <-s.kick:
				if fails > 0 {
					continue // offline: the backoff decides, not each tap
				}
				timer.Stop()
				select {
				case <-ctx.Done():
					return
				case <-time.After(s.cfg.KickDelay):
				}
				break waiting
			}
		}
	}
}

// backoff is exponential from MinBackoff, capped at MaxBackoff, with full
// jitter so that a Comune's kiosks do not all come back in the same second.
func (s *Syncer) backoff(fails int) time.Duration {
	d := s.cfg.MinBackoff << min(fails-1, 16)
	if d > s.cfg.MaxBackoff || d <= 0 {
		d = s.cfg.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// SyncOnce pushes every waiting event, pulls every delta, and checks the
// server's view of this kiosk's stream. It returns the first failure.
func (s *Syncer) SyncOnce(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CycleTimeout)
	defer cancel()
	start := s.clock.Now()
	pushed, err := s.pushAll(ctx)
	pulled := 0
	if err == nil {
		pulled, err = s.pullAndCheck(ctx)
	}
	if err == nil {
		s.noteMenuErr(s.pullMenu(ctx)) // menu_sync.go
	}
	if err == nil {
		err = s.store.SetLastSync(s.clock.Now())
	}
	s.mu.Lock()
	now := s.clock.Now()
	if err != nil {
		if s.status.Online || s.status.OfflineSince.IsZero() {
			since := s.lastContact
			if since.IsZero() {
				since = start
			}
			s.status.OfflineSince = since
		}
		s.status.Online = false
		s.status.LastError = err.Error()
		switch {
		case errors.Is(err, ErrUnauthorized):
			s.status.Problem = SyncRefused
		case errors.Is(err, ErrForbidden):
			s.status.Problem = SyncForbidden
		case errors.Is(err, ErrBadRequest):
			s.status.Problem = SyncBadRequest
		default:
			s.status.Problem = SyncProblemNone
		}
	} else {
		s.status.Online = true
		s.status.OfflineSince = time.Time{}
		s.status.LastError, s.status.Problem = "", SyncProblemNone
		s.lastContact = now
	}
	s.status.Pulling = false
	s.mu.Unlock()
	s.refresh()
	if err != nil {
		if ctx.Err() == nil || !errors.Is(err, context.Canceled) {
			s.log.Warn("sync failed", "err", err, "pushed", pushed, "pulled", pulled)
		}
		return err
	}
	s.log.Info("sync", "pushed", pushed, "pulled", pulled, "took_ms", now.Sub(start).Milliseconds())
	return nil
}

// PushAll sends the outbox in batches until it is empty or a batch fails,
// and returns how many events the server answered. SyncOnce does it first.
func (s *Syncer) PushAll(ctx context.Context) (int, error) { return s.pushAll(ctx) }

func (s *Syncer) pushAll(ctx context.Context) (int, error) {
	total := 0
	epoch := s.store.Epoch()
	for {
		evs, err := s.store.Outbox(s.cfg.PushBatch)
		if err != nil {
			return total, fmt.Errorf("read outbox: %w", err)
		}
		if len(evs) == 0 {
			return total, nil
		}
		sent := s.clock.Now()
		reply, err := s.central.Push(ctx, PushBatch{Epoch: epoch, Events: evs})
		if err != nil {
			return total, fmt.Errorf("push %d events: %w", len(evs), err)
		}
		s.noteContact(reply.ServerTime, sent)
		acks, err := s.store.ApplyPush(evs, reply)
		if err != nil {
			return total, fmt.Errorf("apply push reply: %w", err)
		}
		for _, a := range reply.Alarms {
			s.alarm(a)
		}
		if acks.Rejected > 0 {
			s.log.Error("events rejected by the central server, kept aside for staff", "count", acks.Rejected)
			logged := 0
			for _, r := range reply.Results {
				if r.Status == EventRejected && logged < 5 { // the first few: the staff screen lists them all
					s.log.Error("event rejected by the central server", "id", r.ID, "seq", r.Seq, "code", r.Code, "reason", r.Reason)
					logged++
				}
			}
		}
		total += acks.Delivered + acks.Rejected
		if acks.Delivered+acks.Rejected == 0 {
			// Every answer was for something already answered: the outbox
			// would come back the same; stop rather than loop.
			return total, fmt.Errorf("push of %d events changed nothing", len(evs))
		}
		s.refresh()
	}
}

// pullAndCheck pulls every page, then compares the server's view of this
// kiosk's stream with the store's: a server behind what it acknowledged gets
// the events again; a kiosk behind the server was restored from an old copy.
func (s *Syncer) pullAndCheck(ctx context.Context) (int, error) {
	n, view, err := s.pullAll(ctx)
	if err != nil {
		return n, err
	}
	st, err := s.store.SyncState()
	if err != nil {
		return n, err
	}
	epoch := s.store.Epoch()
	if view.Epoch != "" && view.Epoch != epoch {
		return n, nil // the server has not heard of this database yet
	}
	switch {
	case view.AckedSeq > st.LastSeq:
		s.alarm(Alarm{Code: AlarmRestoredCopy, KioskID: s.cfg.KioskID, At: s.clock.Now(),
			Message: fmt.Sprintf("the server holds events up to %d of this database, which has written only %d: restored from an old copy", view.AckedSeq, st.LastSeq)})
	case view.AckedSeq < st.Acked:
		// The server lost what it had acknowledged (restored from a
		// backup): send it again, and pull everything afresh, since its
		// revision counter now reuses numbers this kiosk's cursor passed.
		reopened, err := s.store.Reopen(view.AckedSeq)
		if err != nil {
			return n, fmt.Errorf("reopen events for the server: %w", err)
		}
		s.alarm(Alarm{Code: AlarmServerBehind, KioskID: s.cfg.KioskID, At: s.clock.Now(),
			Message: fmt.Sprintf("the server holds events only up to %d of %d acknowledged; %d sent again", view.AckedSeq, st.Acked, reopened)})
		if _, err := s.pushAll(ctx); err != nil {
			return n, err
		}
		m, _, err := s.pullAll(ctx)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// pullAll pulls pages from the stored cursor until the server has no more,
// each stored with its cursor, and returns the server's view of this
// kiosk's stream from the last page.
func (s *Syncer) pullAll(ctx context.Context) (int, KioskView, error) {
	st, err := s.store.SyncState()
	if err != nil {
		return 0, KioskView{}, err
	}
	cursor, n := st.Cursor, 0
	var view KioskView
	for {
		sent := s.clock.Now()
		page, err := s.central.Pull(ctx, cursor, s.cfg.PullLimit)
		if err != nil {
			return n, view, fmt.Errorf("pull: %w", err)
		}
		s.noteContact(page.ServerTime, sent)
		if err := s.store.ApplyPull(page); err != nil {
			return n, view, fmt.Errorf("store pulled records: %w", err)
		}
		n += page.Len()
		cursor, view = page.Cursor, page.Kiosk
		if !page.More {
			break
		}
		s.mu.Lock()
		s.status.Pulling, s.status.PullDone, s.status.PullTotal = true, page.Done, page.Total
		s.mu.Unlock()
		s.refresh()
	}
	return n, view, nil
}

// noteContact measures the clock difference from a server time: the server
// read its clock about half-way through the round trip.
func (s *Syncer) noteContact(server, sent time.Time) {
	if server.IsZero() {
		return
	}
	now := s.clock.Now()
	mid := now
	if !sent.IsZero() {
		mid = sent.Add(now.Sub(sent) / 2)
	}
	skew := server.Sub(mid).Round(time.Second)
	s.mu.Lock()
	old := s.status.ClockSkew
	s.status.ClockSkew = skew
	s.lastContact = now
	s.mu.Unlock()
	warn := func(d time.Duration) bool { return d > MaxClockSkew || d < -MaxClockSkew }
	if warn(skew) && !warn(old) {
		s.log.Warn("kiosk clock differs from the server's", "skew", skew.String())
	}
}

func (s *Syncer) alarm(a Alarm) {
	if a.At.IsZero() {
		a.At = s.clock.Now()
	}
	fresh, err := s.store.RaiseAlarm(a)
	if err != nil {
		s.log.Error("store alarm", "err", err)
	}
	if fresh {
		s.log.Error("sync alarm", "code", a.Code, "message", a.Message, "kiosk_id", a.KioskID)
	}
}

// refresh re-reads the store's figures into the status and tells the
// screen.
func (s *Syncer) refresh() {
	st, err := s.store.SyncState()
	s.mu.Lock()
	if err == nil {
		s.status.Waiting, s.status.Rejected, s.status.LastSync, s.status.Alarms = st.Waiting, st.Rejected, st.LastSync, st.Alarms
	}
	fn, status := s.onStatus, s.status
	s.mu.Unlock()
	if err != nil {
		s.log.Error("read sync state", "err", err)
	}
	if fn != nil {
		fn(status)
	}
}
