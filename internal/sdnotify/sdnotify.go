// Package sdnotify speaks systemd's notification protocol (sd_notify(3)):
// datagrams such as "READY=1" or "WATCHDOG=1" sent to the unix socket named
// by $NOTIFY_SOCKET. A unit with Type=notify waits for READY=1; with
// WatchdogSec= it restarts the service when WATCHDOG=1 stops coming.
//
// Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
package sdnotify

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// Notifier sends state to the service manager. A nil *Notifier does nothing.
type Notifier struct {
	conn *net.UnixConn
	addr *net.UnixAddr
}

// FromEnv returns a Notifier for $NOTIFY_SOCKET, or nil when it is unset
// (not started by systemd, or a unit that is not Type=notify). A socket
// name starting with '@' is in the abstract namespace.
func FromEnv() (*Notifier, error) {
	name := os.Getenv("NOTIFY_SOCKET")
	if name == "" {
		return nil, nil
	}
	return Dial(name)
}

// Dial returns a Notifier for the datagram socket at path.
func Dial(path string) (*Notifier, error) {
	if path == "" || (path[0] != '/' && path[0] != '@') {
		return nil, errors.New("sdnotify: NOTIFY_SOCKET is neither a path nor an abstract name: " + path)
	}
	if path[0] == '@' {
		path = "\x00" + path[1:]
	}
	addr := &net.UnixAddr{Name: path, Net: "unixgram"}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Net: "unixgram"}) // an unbound (autobound) sender
	if err != nil {
		return nil, err
	}
	return &Notifier{conn: conn, addr: addr}, nil
}

// Notify sends state, one or more "KEY=value" lines.
func (n *Notifier) Notify(state string) error {
	if n == nil {
		return nil
	}
	_, err := n.conn.WriteToUnix([]byte(state), n.addr)
	return err
}

// Ready tells systemd that the service has started.
func (n *Notifier) Ready() error { return n.Notify("READY=1") }

// Stopping tells systemd that the service is shutting down.
func (n *Notifier) Stopping() error { return n.Notify("STOPPING=1") }

// Watchdog is one keep-alive ping.
func (n *Notifier) Watchdog() error { return n.Notify("WATCHDOG=1") }

// Close closes the socket.
func (n *Notifier) Close() error {
	if n == nil {
		return nil
	}
	return n.conn.Close()
}

// WatchdogInterval returns how often to ping: half of $WATCHDOG_USEC, as
// sd_watchdog_enabled(3) advises; ok is false when the watchdog is off or
// meant for another process ($WATCHDOG_PID).
func WatchdogInterval() (every time.Duration, ok bool) {
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0, false
	}
	if p := os.Getenv("WATCHDOG_PID"); p != "" {
		if pid, err := strconv.Atoi(p); err != nil || pid != os.Getpid() {
			return 0, false
		}
	}
	return time.Duration(usec) * time.Microsecond / 2, true
}

// Watch pings every interval until ctx ends. Each ping is sent by the
// function given to run, which run executes on the goroutine that must
// prove it is alive (the kiosk passes fyne.Do: the UI thread). While that
// goroutine is stuck, at most one ping waits in its queue and none is sent,
// so systemd sees the pings stop; when it comes back the pings resume.
// onErr, if not nil, gets each failed send (from run's goroutine).
func (n *Notifier) Watch(ctx context.Context, interval time.Duration, run func(func()), onErr func(error)) {
	if n == nil || interval <= 0 {
		return
	}
	var pending atomic.Bool
	ping := func() {
		defer pending.Store(false)
		if err := n.Watchdog(); err != nil && onErr != nil {
			onErr(err)
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if !pending.Swap(true) {
			run(ping)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
