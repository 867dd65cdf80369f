//go:build e2e

package main

import (
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// notifySocket listens where systemd would for a Type=notify service and
// returns the socket's path and the messages as they come.
func notifySocket(t *testing.T, dir string) (string, <-chan string) {
	t.Helper()
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	msgs := make(chan string, 4096)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return path, msgs
}

// count counts the messages equal to want that arrive within d; any
// other message fails the test.
func count(t *testing.T, msgs <-chan string, want string, d time.Duration) int {
	t.Helper()
	n := 0
	end := time.After(d)
	for {
		select {
		case m := <-msgs:
			if m != want {
				t.Errorf("unexpected notification %q", m)
			}
			n++
		case <-end:
			return n
		}
	}
}

// TestEndToEndWatchdog runs the real kiosk (GLFW, under Xvfb) as systemd
// would run a Type=notify unit with WatchdogSec=2: NOTIFY_SOCKET names a
// datagram socket of the test's, WATCHDOG_USEC its period. The kiosk says
// READY=1, pings every second from its UI thread; when the UI thread is
// frozen (the e2e build's SIGUSR1: a fyne.Do that blocks) the pings stop,
// as systemd needs to see to restart a hung kiosk; released (SIGUSR2) they
// resume; SIGTERM sends STOPPING=1.
func TestEndToEndWatchdog(t *testing.T) {
	display := startXvfb(t)
	bin := kioskBinary(t, e2eTags, true)
	dir := t.TempDir()
	sock, msgs := notifySocket(t, dir)
	reader := virtualReader(t, dir)
	c := startChild(t, bin, []string{"DISPLAY=" + display, "NOTIFY_SOCKET=" + sock, "WATCHDOG_USEC=2000000"},
		"-demo", "-windowed", "-lang", "it", "-data", dir, "-reader-port", reader.Path())
	c.waitReady(t)
	select {
	case m := <-msgs:
		if m != "READY=1" {
			t.Fatalf("first notification %q, want READY=1", m)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no READY=1:\n%s", c.log())
	}
	c.waitLog(t, `"msg":"systemd watchdog","ping_every":"1s"`, 5*time.Second)

	// A ping a second, each waiting for the UI thread: on a loaded machine
	// a software-rendered frame can hold it for most of a second.
	alive := count(t, msgs, "WATCHDOG=1", 5*time.Second)
	t.Logf("UI thread running: %d pings in 5 s", alive)
	if alive < 3 {
		t.Fatalf("%d watchdog pings in 5 s, want about 5", alive)
	}

	c.cmd.Process.Signal(syscall.SIGUSR1) // the UI thread blocks
	time.Sleep(1500 * time.Millisecond)   // a ping already on its way
	for len(msgs) > 0 {
		<-msgs
	}
	frozen := count(t, msgs, "WATCHDOG=1", 5*time.Second)
	t.Logf("UI thread frozen: %d pings in 5 s", frozen)
	if frozen != 0 {
		t.Fatalf("%d watchdog pings while the UI thread was frozen, want none", frozen)
	}

	c.cmd.Process.Signal(syscall.SIGUSR2) // released
	back := count(t, msgs, "WATCHDOG=1", 5*time.Second)
	t.Logf("UI thread released: %d pings in 5 s", back)
	if back < 3 || back > 8 {
		t.Fatalf("%d watchdog pings in 5 s after the UI thread came back, want about 5 (no burst)", back)
	}

	c.stopClean(t)
	got := []string{}
	for len(msgs) > 0 {
		got = append(got, <-msgs)
	}
	if len(got) == 0 || got[len(got)-1] != "STOPPING=1" {
		t.Fatalf("notifications after SIGTERM %q, want STOPPING=1 last", got)
	}
	if strings.Contains(c.log(), `"level":"ERROR"`) {
		t.Errorf("errors in the log:\n%s", c.log())
	}
}
