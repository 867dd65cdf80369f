package sound

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Player.
type Config struct {
	// Volume is 0 (off) to 100.
	Volume int
	// Command plays a WAV file given on its standard input; nil means
	// DefaultCommand.
	Command []string
	// Queue is how many sounds may wait (0: DefaultQueue); MaxWait how
	// long one may wait before it is skipped as stale (0: DefaultMaxWait);
	// Timeout how long a player process may run (0: DefaultTimeout).
	Queue   int
	MaxWait time.Duration
	Timeout time.Duration
}

// Defaults.
var DefaultCommand = []string{"aplay", "-q", "-"}

const (
	DefaultQueue   = 2
	DefaultMaxWait = 1500 * time.Millisecond
	DefaultTimeout = 3 * time.Second
	// errorLogEvery: after the first failure, one in this many is logged
	// (a kiosk without a sound card taps all day).
	errorLogEvery = 100
)

// Player plays the door's sounds, one at a time, on its own goroutine.
type Player struct {
	cfg   Config
	log   *slog.Logger
	wavs  map[Kind][]byte
	queue chan queued
	// play runs one sound; the command by default (tests may watch it).
	play func(ctx context.Context, wav []byte) error

	played, dropped, stale, failed atomic.Uint64

	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}
}

type queued struct {
	kind Kind
	at   time.Time
}

// NewPlayer starts a player. With volume 0 it plays nothing (and starts no
// goroutine).
func NewPlayer(cfg Config, log *slog.Logger) *Player {
	if cfg.Command == nil {
		cfg.Command = DefaultCommand
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Player{cfg: cfg, log: log, wavs: map[Kind][]byte{}, stop: make(chan struct{}), done: make(chan struct{})}
	p.play = p.runCommand
	if cfg.Volume <= 0 || len(cfg.Command) == 0 {
		close(p.done)
		return p
	}
	for _, k := range []Kind{Served, Refused, Banner} {
		p.wavs[k] = WAV(k, cfg.Volume)
	}
	p.queue = make(chan queued, cfg.Queue)
	go p.loop()
	return p
}

// Play queues sound k and returns at once: it never blocks. It reports
// whether the sound was queued (false: off, None, or the queue is full
// and the sound dropped).
func (p *Player) Play(k Kind) bool {
	if p == nil || p.queue == nil || p.wavs[k] == nil {
		return false
	}
	select {
	case <-p.stop:
		return false
	default:
	}
	select {
	case p.queue <- queued{k, time.Now()}:
		return true
	default:
		p.dropped.Add(1)
		return false
	}
}

// Stats are the player's counts: sounds played, dropped (queue full),
// skipped as stale, and failed.
type Stats struct{ Played, Dropped, Stale, Failed uint64 }

// Stats returns the counts so far.
func (p *Player) Stats() Stats {
	return Stats{p.played.Load(), p.dropped.Load(), p.stale.Load(), p.failed.Load()}
}

// Close stops the player: a sound playing is cut, the waiting ones are
// dropped. It returns when the player's goroutine has ended.
func (p *Player) Close() {
	if p == nil {
		return
	}
	p.closeOnce.Do(func() { close(p.stop) })
	<-p.done
}

func (p *Player) loop() {
	defer close(p.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-p.stop
		cancel()
	}()
	for {
		select {
		case <-p.stop:
			return
		case q := <-p.queue:
			if time.Since(q.at) > p.cfg.MaxWait {
				p.stale.Add(1)
				continue
			}
			pctx, pcancel := context.WithTimeout(ctx, p.cfg.Timeout)
			err := p.play(pctx, p.wavs[q.kind])
			pcancel()
			if err == nil {
				p.played.Add(1)
				continue
			}
			if ctx.Err() != nil {
				return
			}
			if n := p.failed.Add(1); n == 1 || n%errorLogEvery == 0 {
				p.log.Warn("sound not played", "sound", q.kind.String(), "failures", n, "err", err)
			}
		}
	}
}

// runCommand plays wav through the configured command.
func (p *Player) runCommand(ctx context.Context, wav []byte) error {
	cmd := exec.CommandContext(ctx, p.cfg.Command[0], p.cfg.Command[1:]...)
	cmd.Stdin = bytes.NewReader(wav)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{b: &stderr, n: 512}
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if msg := bytes.TrimSpace(stderr.Bytes()); len(msg) > 0 {
			return errors.Join(err, errors.New(string(msg)))
		}
		return err
	}
	return nil
}

// limitedBuffer keeps the first n bytes written to it.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
