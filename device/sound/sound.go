// Package sound gives the canteen door its voice: distinct short sounds for
// a meal served, for a tap refused (unknown or blocked badge, already
// served, outside the service, balance floor, a meal not recorded) and for
// a served meal that carries the diet or bland-meal banner, so that a cook
// serving the line hears what the screen says without looking at it.
//
// The tones are made here as 16-bit mono WAV and played by the system's
// ALSA player (aplay, from alsa-utils), one short process per sound, fed on
// its standard input. That choice, over a Go audio library such as
// github.com/ebitengine/oto/v3: no cgo and no ALSA headers to build, no
// audio device held open (and mixed into) all day for a few beeps an hour,
// and a player that hangs or fails is a process killed after a timeout,
// never the kiosk's own threads. It plays through ALSA's "default" device,
// so ~/.asoundrc, ALSA_CONFIG_PATH and PulseAudio/PipeWire's ALSA plugin
// all apply (and a test captures the sounds with ALSA's file plugin).
//
// Play never blocks the tap: sounds wait in a small bounded queue for one
// player goroutine, a full queue drops the new sound, and a sound that
// waited too long (a line of taps faster than the sounds) is skipped.
package sound

import (
	"bytes"
	"encoding/binary"
	"math"

	"mensakiosk/app"
)

// Kind is one of the door's sounds.
type Kind int

// The sounds. None plays nothing.
const (
	None Kind = iota
	// Served: a meal recorded, nothing special: two rising notes.
	Served
	// Refused: no meal (unknown or blocked badge, already served, outside
	// the service, balance floor) or an error: a low, harsh falling pair.
	Refused
	// Banner: a meal served with the diet or bland-meal banner: three
	// quick high beeps, so the cook looks at the plate.
	Banner
)

var kindNames = [...]string{"none", "served", "refused", "banner"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "sound(?)"
}

// ForResult is the sound of a tap's result: none for a tap ignored (the
// same badge again within the debounce) or a staff badge.
func ForResult(r app.TapResult) Kind {
	switch r.Outcome {
	case app.OutcomeServed:
		if r.Banner() {
			return Banner
		}
		return Served
	case app.OutcomeUnknownBadge, app.OutcomeBlockedBadge, app.OutcomeOutsideWindow, app.OutcomeAlreadyServed, app.OutcomeRefusedFloor,
		app.OutcomeClosedDay:
		return Refused
	}
	return None
}

// SampleRate of the generated sounds, in Hz: every ALSA device takes it
// (through the plug layer), and a beep needs no more.
const SampleRate = 22050

// note is a tone of the sound: its frequency, length and the silence
// after it, in milliseconds. harsh adds odd harmonics (a square-ish
// buzz).
type note struct {
	hz        float64
	ms, gapMS int
	harsh     bool
	level     float64 // relative level, 0..1
}

var melodies = map[Kind][]note{
	Served:  {{hz: 1046.5, ms: 90, gapMS: 10, level: 0.9}, {hz: 1568, ms: 160, level: 1}},
	Refused: {{hz: 370, ms: 170, gapMS: 50, harsh: true, level: 1}, {hz: 262, ms: 240, harsh: true, level: 1}},
	Banner:  {{hz: 1976, ms: 70, gapMS: 45, level: 1}, {hz: 1976, ms: 70, gapMS: 45, level: 1}, {hz: 1976, ms: 70, gapMS: 45, level: 1}, {hz: 2637, ms: 140, level: 1}},
}

// PCM returns the sound's samples at volume (0 to 100; 0 or None gives
// none), 16-bit signed, mono, SampleRate. Each note rises in 4 ms and
// decays to its end, so that nothing clicks.
func PCM(k Kind, volume int) []int16 {
	ns := melodies[k]
	if len(ns) == 0 || volume <= 0 {
		return nil
	}
	volume = min(volume, 100)
	// Loudness is heard on a log scale: the volume is a level in dB, 0
	// to -30, so that 10 is quiet but audible and 100 is full.
	gain := 0.8 * math.Pow(10, -30*(1-float64(volume)/100)/20)
	var out []int16
	for _, n := range ns {
		count := n.ms * SampleRate / 1000
		attack := 4 * SampleRate / 1000
		for i := range count {
			t := float64(i) / SampleRate
			env := math.Exp(-3 * float64(i) / float64(count)) // decays to 5 %
			if i < attack {
				env *= float64(i) / float64(attack)
			}
			v := math.Sin(2 * math.Pi * n.hz * t)
			if n.harsh {
				v = (v + math.Sin(2*math.Pi*3*n.hz*t)/3 + math.Sin(2*math.Pi*5*n.hz*t)/5) / 1.2
			}
			out = append(out, int16(math.Round(v*env*gain*n.level*math.MaxInt16)))
		}
		out = append(out, make([]int16, n.gapMS*SampleRate/1000)...)
	}
	return out
}

// WAV returns the sound as a WAV file (RIFF, PCM 16-bit mono), nil for
// silence.
func WAV(k Kind, volume int) []byte {
	pcm := PCM(k, volume)
	if len(pcm) == 0 {
		return nil
	}
	var b bytes.Buffer
	data := uint32(2 * len(pcm))
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, 36+data)
	b.WriteString("WAVEfmt ")
	binary.Write(&b, le, uint32(16))         // fmt chunk size
	binary.Write(&b, le, uint16(1))          // PCM
	binary.Write(&b, le, uint16(1))          // mono
	binary.Write(&b, le, uint32(SampleRate)) // sample rate
	binary.Write(&b, le, uint32(2*SampleRate))
	binary.Write(&b, le, uint16(2))  // block align
	binary.Write(&b, le, uint16(16)) // bits per sample
	b.WriteString("data")
	binary.Write(&b, le, data)
	binary.Write(&b, le, pcm)
	return b.Bytes()
}
