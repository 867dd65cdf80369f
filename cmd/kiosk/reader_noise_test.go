package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
)

// noiseClock is the bounded logs' clock in TestReaderNoiseLogBounded: apptest's clock, set to
// the noise's own time (one second per 960 bytes written), so ten
// minutes of noise take as long as the pty takes to carry them. Its timers
// never fire: a window's line is then written by the next rejected frame
// past the interval, or at Close, which bounds the log the same.
type noiseClock struct{ *apptest.Clock }

func (c noiseClock) AfterFunc(time.Duration, func()) func() bool {
	return func() bool { return true }
}

// TestReaderNoiseLogBounded writes ten minutes of garbage at the reader's
// 9600 baud (960 B/s, 576,000 bytes) into a real pty read by the kiosk's
// core (supervisor, decoder, the canteen's wiring), and measures the log:
// under 100 KB, where one line per rejected fragment wrote megabytes
// (about 10 GB a day). Every rejected frame is still counted in some line.
func TestReaderNoiseLogBounded(t *testing.T) {
	dir := t.TempDir()
	roster, _ := testRoster(10, "")
	seedDB(t, dir, roster)
	reader := virtualReader(t, dir)
	cfg := DefaultConfig()
	cfg.KioskID, cfg.DataDir, cfg.Reader.Port = "kiosk-noise", dir, reader.Path()
	cfg.Canteen.WindowStart, cfg.Canteen.WindowEnd = "00:00", "24:00"
	cc, err := cfg.Validate()
	if err != nil {
		t.Fatal(err)
	}
	var sink apptest.LogBuffer
	log := slog.New(slog.NewJSONHandler(&sink, nil))
	start := time.Now()
	clock := noiseClock{apptest.NewClock(start)}
	connected := make(chan struct{}, 1)
	c, err := startCore(context.Background(), cfg, cc, false, log, coreHooks{
		OnReader: func(s app.ReaderStatus) {
			if s.State == app.ReaderConnected {
				select {
				case connected <- struct{}{}:
				default:
				}
			}
		},
		OnResult: func(app.TapResult, error) {},
		LogClock: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			c.Close()
		}
	}()
	select {
	case <-connected:
	case <-time.After(30 * time.Second):
		t.Fatal("reader never connected")
	}
	before := len(sink.Bytes())

	const rate, seconds = 960, 600
	rng := rand.New(rand.NewPCG(9600, 1))
	chunk := make([]byte, rate)
	for s := range seconds {
		for i := range chunk {
			chunk[i] = byte(rng.Uint32())
			if i%97 == 0 {
				chunk[i] = 0x02 // a frame's start now and then: fragments, not one long run
			}
		}
		clock.Set(start.Add(time.Duration(s) * time.Second))
		if _, err := reader.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(start.Add(seconds * time.Second))
	// Wait until the supervisor has read it all: the count stops moving.
	var rejected uint64
	for quiet := 0; quiet < 5; {
		time.Sleep(100 * time.Millisecond)
		if n := c.reader.Status().Rejected; n != rejected {
			rejected, quiet = n, 0
		} else {
			quiet++
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	out := sink.Bytes()[before:]

	var lines, counted int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l struct {
			Msg   string `json:"msg"`
			Count int64  `json:"count"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			t.Fatalf("not a JSON log line: %q", sc.Bytes())
		}
		lines++
		if l.Msg == "reader frames rejected" {
			counted += l.Count
		}
	}
	t.Logf("%d bytes of noise: %d frames rejected, %d log lines, %d bytes of log", rate*seconds, rejected, lines, len(out))
	if rejected < 1000 {
		t.Fatalf("only %d frames rejected: the noise did not reach the decoder", rejected)
	}
	if len(out) >= 100_000 {
		t.Errorf("ten minutes of noise wrote %d bytes of log, want < 100 KB", len(out))
	}
	if counted != int64(rejected) {
		t.Errorf("the log counts %d rejected frames, the reader %d", counted, rejected)
	}
}
