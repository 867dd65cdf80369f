package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"mensakiosk/app/apptest"
	"mensakiosk/device"
)

func waitFor(t *testing.T, what string, buf *apptest.LogBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q within 5 s in:\n%s", what, s, buf.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type result struct {
	code           int
	stdout, stderr *apptest.LogBuffer
	done           chan struct{}
}

// start runs badgetool args in a goroutine.
func start(ctx context.Context, stdin io.Reader, args ...string) *result {
	r := &result{stdout: &apptest.LogBuffer{}, stderr: &apptest.LogBuffer{}, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.code = run(ctx, args, stdin, r.stdout, r.stderr)
	}()
	return r
}

func (r *result) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not exit; stdout:\n%s\nstderr:\n%s", what, r.stdout, r.stderr)
	}
}

func runSync(t *testing.T, args ...string) *result {
	t.Helper()
	r := start(context.Background(), strings.NewReader(""), args...)
	r.wait(t, strings.Join(args, " "))
	return r
}

func TestPlayListenThroughPTYs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pseudo-terminals are Linux only here")
	}
	baseline := runtime.NumGoroutine()
	dir := t.TempDir()
	reader, input := filepath.Join(dir, "reader"), filepath.Join(dir, "input")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A virtual reader, with an input pty that play writes to.
	stdinR, stdinW := io.Pipe()
	pty := start(ctx, stdinR, "pty", "-format", "id12", "-link", reader, "-in", input)
	waitFor(t, "pty", pty.stdout, "Ctrl-C")

	listen := start(ctx, nil, "listen", "-port", reader, "-format", "id12", "-count", "4")
	waitFor(t, "listen", listen.stderr, "connected to "+reader)

	play := runSync(t, "play", "-port", input, "-format", "id12", "-interval", "5ms", "010063E9AE", "62e3086ced")
	if play.code != 0 || play.stdout.String() != "sent 010063E9AE\nsent 62e3086ced\n" {
		t.Fatalf("play: %d\n%s%s", play.code, play.stdout, play.stderr)
	}
	// A broken frame written to the input by hand is rejected, not printed.
	port, err := device.TarmOpener(device.PortConfig{Path: input, Baud: 9600, NoFlush: true})
	if err != nil {
		t.Fatal(err)
	}
	port.Write([]byte("\x02010063E9AE24\r\n\x03"))
	port.Close()
	waitFor(t, "listen", listen.stderr, "rejected bad checksum")
	// Ids typed into the pty command, then one more played.
	io.WriteString(stdinW, "0000001234\nnot-an-id\n")
	waitFor(t, "pty", pty.stderr, "not-an-id")
	runSync(t, "play", "-port", input, "-format", "id12", "-repeat", "1", "FFFFFFFFFF")

	listen.wait(t, "listen")
	if listen.code != 0 {
		t.Errorf("listen exit %d: %s", listen.code, listen.stderr)
	}
	if got, want := listen.stdout.String(), "010063E9AE\n62E3086CED\n0000001234\nFFFFFFFFFF\n"; got != want {
		t.Errorf("listen printed %q, want %q", got, want)
	}
	if !strings.Contains(listen.stderr.String(), "4 ids, 1 rejected frames") {
		t.Errorf("listen summary missing: %s", listen.stderr)
	}

	cancel()
	pty.wait(t, "pty")
	stdinW.Close()
	if pty.code != 0 {
		t.Errorf("pty exit %d: %s", pty.code, pty.stderr)
	}
	for _, p := range []string{reader, input} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left, baseline %d\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
}

func TestListenInterrupted(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pseudo-terminals are Linux only here")
	}
	vr, err := device.NewVirtualReader("em18", "")
	if err != nil {
		t.Fatal(err)
	}
	defer vr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	listen := start(ctx, nil, "listen", "-port", vr.Path(), "-format", "em18", "-numbering", "dec10")
	waitFor(t, "listen", listen.stderr, "connected")
	vr.Send("010063E9AE")
	waitFor(t, "listen", listen.stdout, "0063E9AE\n")
	cancel() // Ctrl-C
	listen.wait(t, "listen")
	if listen.code != 0 || !strings.Contains(listen.stderr.String(), "1 ids, 0 rejected") {
		t.Errorf("listen exit %d: %s", listen.code, listen.stderr)
	}
}

func TestUsage(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "ttyUSB9")
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, 2, "usage: badgetool"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"help"}, 0, ""},
		{[]string{"listen"}, 2, "-port is required"},
		{[]string{"listen", "-port", missing, "-format", "wiegand"}, 2, "unknown, want one of"},
		{[]string{"listen", "-port", missing, "-numbering", "octal"}, 2, "numbering"},
		{[]string{"listen", "-port", missing, "-baud", "9601"}, 2, "unsupported baud rate 9601"},
		{[]string{"listen", "-port", missing}, 1, "no such file"},
		{[]string{"listen", "-bogus"}, 2, "flag provided but not defined"},
		{[]string{"listen", "-h"}, 0, "usage: badgetool listen"},
		{[]string{"play", "-port", missing}, 2, "no badge ids"},
		{[]string{"play", "-port", missing, "XYZ"}, 2, "badge id"},
		{[]string{"play", "-port", missing, "0102"}, 2, "5-byte"},
		{[]string{"play", "-port", missing, "010063E9AE"}, 1, "no such file"},
		{[]string{"pty", "-format", "nope"}, 2, "unknown"},
		{[]string{"ports", "extra"}, 2, "unexpected"},
	}
	for _, tc := range tests {
		r := runSync(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr.String(), tc.stderr) {
			t.Errorf("badgetool %q: exit %d, stderr %q; want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.stderr)
		}
	}
}

func TestPorts(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ports are listed on Linux only")
	}
	r := runSync(t, "ports")
	if r.code != 0 {
		t.Errorf("ports: %d %s", r.code, r.stderr)
	}
}
