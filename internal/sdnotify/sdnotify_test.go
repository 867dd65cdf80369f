package sdnotify

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// listen binds a datagram socket in a temp dir, as systemd does for
// NOTIFY_SOCKET, and returns its path and the messages it receives.
func listen(t *testing.T) (string, <-chan string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := make(chan string, 1024)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return path, msgs
}

func next(t *testing.T, msgs <-chan string, within time.Duration) string {
	t.Helper()
	select {
	case m := <-msgs:
		return m
	case <-time.After(within):
		t.Fatalf("no message within %v", within)
		return ""
	}
}

func TestFromEnvSendsStates(t *testing.T) {
	path, msgs := listen(t)
	t.Setenv("NOTIFY_SOCKET", path)
	n, err := FromEnv()
	if err != nil || n == nil {
		t.Fatalf("FromEnv: %v, %v", n, err)
	}
	defer n.Close()
	for _, send := range []struct {
		f    func() error
		want string
	}{{n.Ready, "READY=1"}, {n.Watchdog, "WATCHDOG=1"}, {n.Stopping, "STOPPING=1"}} {
		if err := send.f(); err != nil {
			t.Fatal(err)
		}
		if got := next(t, msgs, 2*time.Second); got != send.want {
			t.Errorf("got %q, want %q", got, send.want)
		}
	}
}

func TestNoSocketDoesNothing(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	n, err := FromEnv()
	if n != nil || err != nil {
		t.Fatalf("FromEnv without NOTIFY_SOCKET: %v, %v", n, err)
	}
	if err := n.Ready(); err != nil { // a nil Notifier is a no-op
		t.Fatal(err)
	}
	n.Watch(context.Background(), time.Millisecond, func(f func()) { f() }, nil) // returns at once
	if _, err := Dial("relative/path"); err == nil {
		t.Error("a relative NOTIFY_SOCKET was accepted")
	}
}

func TestWatchdogInterval(t *testing.T) {
	for _, c := range []struct {
		usec, pid string
		want      time.Duration
		ok        bool
	}{
		{"", "", 0, false},
		{"garbage", "", 0, false},
		{"0", "", 0, false},
		{"10000000", "", 5 * time.Second, true},
		{"10000000", strconv.Itoa(os.Getpid()), 5 * time.Second, true},
		{"10000000", strconv.Itoa(os.Getpid() + 1), 0, false}, // another process's watchdog
	} {
		t.Setenv("WATCHDOG_USEC", c.usec)
		t.Setenv("WATCHDOG_PID", c.pid)
		got, ok := WatchdogInterval()
		if got != c.want || ok != c.ok {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: %v %v, want %v %v", c.usec, c.pid, got, ok, c.want, c.ok)
		}
	}
}

// uiThread is a goroutine that runs queued functions one after another,
// like Fyne's main loop behind fyne.Do.
type uiThread struct{ q chan func() }

func newUIThread(t *testing.T) *uiThread {
	u := &uiThread{q: make(chan func(), 1000)}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case f := <-u.q:
				f()
			case <-done:
				return
			}
		}
	}()
	t.Cleanup(func() { close(done) })
	return u
}

func (u *uiThread) do(f func()) { u.q <- f }

// TestWatchStopsWhileTheThreadHangs: the pings come from the UI thread; while
// it is frozen none arrives, and at most one is queued behind it, so that
// when it comes back the pings resume at their pace, not in a burst.
func TestWatchStopsWhileTheThreadHangs(t *testing.T) {
	path, msgs := listen(t)
	n, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ui := newUIThread(t)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	const every = 20 * time.Millisecond
	go func() {
		defer close(stopped)
		n.Watch(ctx, every, ui.do, func(err error) { t.Error(err) })
	}()
	for range 3 {
		if got := next(t, msgs, time.Second); got != "WATCHDOG=1" {
			t.Fatalf("got %q", got)
		}
	}

	release := make(chan struct{})
	frozen := make(chan struct{})
	ui.do(func() { close(frozen); <-release })
	<-frozen
	time.Sleep(3 * every) // a ping sent just before the freeze arrives
	for len(msgs) > 0 {
		<-msgs
	}
	select {
	case m := <-msgs:
		t.Fatalf("%q arrived while the UI thread was frozen", m)
	case <-time.After(20 * every):
	}
	if q := len(ui.q); q > 1 {
		t.Errorf("%d pings queued behind the frozen thread, want at most 1", q)
	}

	close(release)
	for range 3 {
		if got := next(t, msgs, time.Second); got != "WATCHDOG=1" {
			t.Fatalf("after the thread came back: got %q", got)
		}
	}
	cancel()
	<-stopped
}
