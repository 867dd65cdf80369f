//go:build linux

package device

import (
	"context"
	"testing"
	"time"
)

// BenchmarkPTYLatency measures a tap through the whole reader path: a frame
// written into a pseudo-terminal's master until the supervisor delivers the
// id on Taps (kernel tty, tarm/serial read, decoder, numbering, channel).
func BenchmarkPTYLatency(b *testing.B) {
	vr, err := NewVirtualReader("rdm6300", "")
	if err != nil {
		b.Fatal(err)
	}
	defer vr.Close()
	connected := make(chan struct{})
	sup, err := Start(context.Background(), Config{
		Path: vr.Path(), Format: "rdm6300",
		OnState: func(s Status) {
			if s.State == StateConnected {
				close(connected)
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sup.Stop()
	select {
	case <-connected:
	case <-time.After(5 * time.Second):
		b.Fatal("not connected")
	}
	frame := mustEncode(b, "rdm6300", "010063E9AE")
	var readToEmit time.Duration
	for b.Loop() {
		if _, err := vr.Write(frame); err != nil {
			b.Fatal(err)
		}
		select {
		case tap := <-sup.Taps():
			readToEmit += time.Since(tap.At)
		case <-time.After(5 * time.Second):
			b.Fatal("no tap")
		}
	}
	b.ReportMetric(float64(readToEmit.Nanoseconds())/float64(b.N), "ns-read-to-recv/op")
}
