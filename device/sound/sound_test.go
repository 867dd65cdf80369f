package sound

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mensakiosk/app"
)

func rms(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum/float64(max(len(s), 1))) / math.MaxInt16
}

// pitch is the sound's mean frequency from its zero crossings (the notes
// only, not the gaps), in Hz.
func pitch(s []int16) float64 {
	crossings, voiced := 0, 0
	for i := 1; i < len(s); i++ {
		if s[i] != 0 || s[i-1] != 0 {
			voiced++
		}
		if (s[i-1] < 0) != (s[i] < 0) && s[i] != 0 {
			crossings++
		}
	}
	return float64(crossings) / 2 / (float64(voiced) / SampleRate)
}

// TestSoundsDistinct: served, refused and banner are short, not silent, and
// differ in pitch and length; harsh refused has harmonics a pure served
// has not.
func TestSoundsDistinct(t *testing.T) {
	type m struct{ ms, hz, rms float64 }
	got := map[Kind]m{}
	for _, k := range []Kind{Served, Refused, Banner} {
		s := PCM(k, 100)
		got[k] = m{float64(len(s)) * 1000 / SampleRate, pitch(s), rms(s)}
		t.Logf("%-7s %4.0f ms, %5.0f Hz, RMS %.3f", k, got[k].ms, got[k].hz, got[k].rms)
		if got[k].ms < 150 || got[k].ms > 600 {
			t.Errorf("%s lasts %.0f ms: want a short sound", k, got[k].ms)
		}
		if got[k].rms < 0.1 {
			t.Errorf("%s: RMS %.3f, nearly silent", k, got[k].rms)
		}
		peak := 0
		for _, v := range s {
			peak = max(peak, int(v), -int(v))
		}
		if float64(peak) > 0.81*math.MaxInt16 {
			t.Errorf("%s peaks at %d: clipping", k, peak)
		}
		if a := math.Abs(float64(s[0])); a > 100 {
			t.Errorf("%s starts at %v: a click", k, s[0])
		}
	}
	kinds := []Kind{Served, Refused, Banner}
	for i, a := range kinds {
		for _, b := range kinds[i+1:] {
			if r := got[a].hz / got[b].hz; r > 0.8 && r < 1.25 {
				t.Errorf("%s (%.0f Hz) and %s (%.0f Hz) are too close in pitch", a, got[a].hz, b, got[b].hz)
			}
		}
	}
	if got[Refused].hz > got[Served].hz/2 {
		t.Errorf("refused (%.0f Hz) is not clearly lower than served (%.0f Hz)", got[Refused].hz, got[Served].hz)
	}
}

func TestVolume(t *testing.T) {
	if PCM(Served, 0) != nil || WAV(Served, 0) != nil || PCM(None, 100) != nil {
		t.Error("volume 0 or None: want silence")
	}
	loud, half, quiet := rms(PCM(Served, 100)), rms(PCM(Served, 50)), rms(PCM(Served, 10))
	t.Logf("RMS at 100: %.4f, 50: %.4f, 10: %.4f", loud, half, quiet)
	if !(loud > half && half > quiet && quiet > 0.003) {
		t.Errorf("RMS at volume 100, 50, 10: %.4f %.4f %.4f: want decreasing and still audible", loud, half, quiet)
	}
	if got := rms(PCM(Served, 500)); got != loud {
		t.Errorf("volume 500 gives %.4f, want volume 100's %.4f", got, loud)
	}
}

func TestWAVHeader(t *testing.T) {
	w := WAV(Banner, 70)
	pcm := PCM(Banner, 70)
	le := binary.LittleEndian
	if string(w[0:4]) != "RIFF" || string(w[8:16]) != "WAVEfmt " || string(w[36:40]) != "data" {
		t.Fatalf("header %q", w[:44])
	}
	if le.Uint32(w[4:]) != uint32(len(w)-8) || le.Uint32(w[40:]) != uint32(2*len(pcm)) || le.Uint32(w[24:]) != SampleRate ||
		le.Uint16(w[22:]) != 1 || le.Uint16(w[34:]) != 16 {
		t.Fatalf("header fields wrong: %x", w[:44])
	}
	for i, v := range pcm {
		if int16(le.Uint16(w[44+2*i:])) != v {
			t.Fatalf("sample %d differs", i)
		}
	}
}

func TestForResult(t *testing.T) {
	diet := &app.Pupil{Diet: &app.Diet{Code: "GF"}}
	plain := &app.Pupil{}
	for _, tc := range []struct {
		r    app.TapResult
		want Kind
	}{
		{app.TapResult{Outcome: app.OutcomeServed, Pupil: plain}, Served},
		{app.TapResult{Outcome: app.OutcomeServed, Pupil: diet}, Banner},
		{app.TapResult{Outcome: app.OutcomeServed, Pupil: plain, Bland: true}, Banner},
		{app.TapResult{Outcome: app.OutcomeUnknownBadge}, Refused},
		{app.TapResult{Outcome: app.OutcomeBlockedBadge, Pupil: plain}, Refused},
		{app.TapResult{Outcome: app.OutcomeAlreadyServed, Pupil: diet}, Refused},
		{app.TapResult{Outcome: app.OutcomeOutsideWindow, Pupil: plain}, Refused},
		{app.TapResult{Outcome: app.OutcomeRefusedFloor, Pupil: plain}, Refused},
		{app.TapResult{Outcome: app.OutcomeIgnored}, None},
		{app.TapResult{Outcome: app.OutcomeStaff}, None},
	} {
		if got := ForResult(tc.r); got != tc.want {
			t.Errorf("%s (diet %v, bland %v): %s, want %s", tc.r.Outcome, tc.r.Pupil != nil && tc.r.Pupil.Diet != nil, tc.r.Bland, got, tc.want)
		}
	}
}

// TestPlayNeverBlocks: while a sound plays (a player stuck), taps go on:
// Play returns at once, queues DefaultQueue sounds and drops the rest;
// sounds that waited too long are skipped, not played late.
func TestPlayNeverBlocks(t *testing.T) {
	p := NewPlayer(Config{Volume: 80, MaxWait: time.Millisecond}, nil)
	defer p.Close()
	release := make(chan struct{})
	started := make(chan Kind, 10)
	var mu sync.Mutex
	var played [][]byte
	p.play = func(ctx context.Context, wav []byte) error {
		started <- None
		<-release
		mu.Lock()
		played = append(played, wav)
		mu.Unlock()
		return nil
	}
	if !p.Play(Served) {
		t.Fatal("the first sound was not queued")
	}
	<-started // the player is busy with it
	queued := 0
	for range 50 {
		if p.Play(Refused) {
			queued++
		}
	}
	if queued != DefaultQueue {
		t.Errorf("%d sounds queued behind a busy player, want %d", queued, DefaultQueue)
	}
	if st := p.Stats(); st.Dropped != uint64(50-DefaultQueue) {
		t.Errorf("stats %+v: want %d dropped", st, 50-DefaultQueue)
	}
	time.Sleep(5 * time.Millisecond) // the queued ones grow stale
	close(release)
	for st := p.Stats(); st.Played+st.Stale < 1+DefaultQueue; st = p.Stats() {
		time.Sleep(time.Millisecond)
	}
	p.Close()
	if st := p.Stats(); st.Played != 1 || st.Stale != uint64(DefaultQueue) {
		t.Errorf("stats %+v: want the first played and the %d queued skipped as stale", st, DefaultQueue)
	}
	if len(played) != 1 || !bytes.Equal(played[0], WAV(Served, 80)) {
		t.Errorf("played %d sounds, want the served one", len(played))
	}
	if p.Play(Served) {
		t.Error("a closed player queued a sound")
	}
}

// TestPlayerRunsTheCommand: the WAV goes to the real command's standard
// input.
func TestPlayerRunsTheCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "played.wav")
	p := NewPlayer(Config{Volume: 60, Command: []string{"sh", "-c", "cat > " + out}}, nil)
	if !p.Play(Banner) {
		t.Fatal("not queued")
	}
	for p.Stats().Played == 0 && p.Stats().Failed == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	p.Close()
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, WAV(Banner, 60)) {
		t.Errorf("the command got %d bytes, want the banner's WAV", len(got))
	}
}

// TestPlayerFailuresLoggedBounded: a kiosk without a sound card fails
// every sound; the log gets the first failure, not one line per tap.
func TestPlayerFailuresLoggedBounded(t *testing.T) {
	var logBuf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logBuf, mu: &mu}, nil))
	p := NewPlayer(Config{Volume: 60, Command: []string{"sh", "-c", "cat >/dev/null; echo 'no soundcards found' >&2; exit 1"}}, log)
	for i := 0; i < 30; i++ {
		for !p.Play(Served) {
			time.Sleep(time.Millisecond)
		}
	}
	for p.Stats().Failed+p.Stats().Stale < 30 {
		time.Sleep(10 * time.Millisecond)
	}
	p.Close()
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logBuf.String(), "sound not played"); n != 1 {
		t.Errorf("%d log lines for %d failures, want 1:\n%s", n, p.Stats().Failed, logBuf.String())
	}
	if !strings.Contains(logBuf.String(), "no soundcards found") {
		t.Errorf("the player's error is not in the log:\n%s", logBuf.String())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestCloseCutsAHungPlayer: a player process that never ends does not
// keep the kiosk from stopping.
func TestCloseCutsAHungPlayer(t *testing.T) {
	p := NewPlayer(Config{Volume: 60, Command: []string{"sleep", "600"}, Timeout: time.Hour}, nil)
	p.Play(Served)
	time.Sleep(50 * time.Millisecond) // started
	p.Close()                         // returns: the process is killed
}

func TestOff(t *testing.T) {
	p := NewPlayer(Config{Volume: 0}, nil)
	if p.Play(Served) {
		t.Error("volume 0 queued a sound")
	}
	p.Close()
	var nilPlayer *Player
	if nilPlayer.Play(Served) {
		t.Error("a nil player queued a sound")
	}
	nilPlayer.Close()
}
