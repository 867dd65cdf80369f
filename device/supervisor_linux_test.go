//go:build linux

package device

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
)

// stateLog records the states a supervisor reports.
type stateLog chan Status

func (l stateLog) onState(s Status) {
	select {
	case l <- s:
	default:
		panic("state log full")
	}
}

// wait returns the first reported status in state want, failing the test
// after a timeout.
func (l stateLog) wait(t *testing.T, want State) Status {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case s := <-l:
			if s.State == want {
				return s
			}
		case <-timeout:
			t.Fatalf("no state %s within 5 s", want)
		}
	}
}

func waitTap(t *testing.T, taps <-chan Tap, want app.BadgeID) Tap {
	t.Helper()
	select {
	case tap, ok := <-taps:
		if !ok {
			t.Fatalf("taps closed, want %s", want)
		}
		if tap.ID != want {
			t.Fatalf("tap %s, want %s", tap.ID, want)
		}
		if tap.At.IsZero() || time.Since(tap.At) > 5*time.Second {
			t.Fatalf("tap time %v", tap.At)
		}
		return tap
	case <-time.After(5 * time.Second):
		t.Fatalf("no tap %s within 5 s", want)
	}
	panic("unreachable")
}

func noTap(t *testing.T, taps <-chan Tap, d time.Duration) {
	t.Helper()
	select {
	case tap := <-taps:
		t.Fatalf("unexpected tap %s", tap.ID)
	case <-time.After(d):
	}
}

// checkNoLeak waits until the number of goroutines is back to baseline.
func checkNoLeak(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, baseline %d:\n%s", runtime.NumGoroutine(), baseline,
				buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOpenPTY(t *testing.T) {
	m, slave, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	p, err := TarmOpener(PortConfig{Path: slave, Baud: 9600})
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	defer p.Close()
	// Raw both ways: CR, LF, control bytes pass unchanged, nothing echoes.
	in := []byte("\x02ab\r\n\x03\x00\xff\x7f\x1a\x04")
	if _, err := m.Write(in); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 64)
	for len(got) < len(in) {
		n, err := p.Read(buf)
		if n == 0 {
			t.Fatalf("read %q then %v", got, err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != string(in) {
		t.Errorf("slave read %q, want %q", got, in)
	}
	if _, err := p.Write([]byte("x\n")); err != nil {
		t.Fatal(err)
	}
	if err := m.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, err := m.Read(buf)
	if err != nil || string(buf[:n]) != "x\n" {
		t.Errorf("master read %q, %v; want \"x\\n\" (no echo, no CR added)", buf[:n], err)
	}
	// Closing the master: the slave node vanishes, reads end.
	m.Close()
	if _, err := os.Stat(slave); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("slave %s after master close: %v", slave, err)
	}
	if n, err := p.Read(buf); n != 0 || err == nil {
		t.Errorf("read after unplug = %d, %v", n, err)
	}
}

func TestTarmOpenerErrors(t *testing.T) {
	if _, err := TarmOpener(PortConfig{Path: "/dev/null", Baud: 12345}); !errors.Is(err, ErrBaud) {
		t.Errorf("baud 12345: %v, want ErrBaud", err)
	}
	if _, err := TarmOpener(PortConfig{Path: filepath.Join(t.TempDir(), "none"), Baud: 9600}); err == nil {
		t.Error("missing port opened")
	}
}

func TestSupervisorPTY(t *testing.T) {
	baseline := runtime.NumGoroutine()
	link := filepath.Join(t.TempDir(), "reader")
	vr, err := NewVirtualReader("rdm6300", link)
	if err != nil {
		t.Fatal(err)
	}
	defer vr.Close()
	states := make(stateLog, 1000)
	sup, err := Start(context.Background(), Config{
		Path: link, Format: "rdm6300", OnState: states.onState,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, LogSize: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	states.wait(t, StateConnecting)
	states.wait(t, StateConnected)

	const a, b, c = app.BadgeID("010063E9AE"), app.BadgeID("62E3086CED"), app.BadgeID("0000001234")
	if err := vr.Send(a); err != nil {
		t.Fatal(err)
	}
	waitTap(t, sup.Taps(), a)
	// Noise, a bad frame, then a frame one byte per write.
	vr.Write([]byte("\x00\xffnoise"))
	vr.Write([]byte("\x02010063E9AE26\x03"))
	fb, _ := Encode("rdm6300", b)
	for i := range fb {
		vr.Write(fb[i : i+1])
		time.Sleep(time.Millisecond)
	}
	waitTap(t, sup.Taps(), b)
	// Repeats are delivered, not debounced.
	vr.Send(b)
	vr.Send(b)
	waitTap(t, sup.Taps(), b)
	waitTap(t, sup.Taps(), b)

	st := sup.Status()
	if st.State != StateConnected || st.Accepted != 4 || st.Rejected != 2 {
		t.Errorf("status %+v, want connected, 4 accepted, 2 rejected", st)
	}
	frames := sup.Frames()
	if len(frames) != 4 || frames[0].Accepted() || !strings.Contains(frames[0].Reason, "checksum") ||
		frames[3].ID != b || frames[3].At.IsZero() {
		t.Errorf("last frames: %+v", frames)
	}

	// Pull the reader out, leave it out, plug it back in.
	if err := vr.Unplug(); err != nil {
		t.Fatal(err)
	}
	if s := states.wait(t, StateDisconnected); s.Err == nil {
		t.Error("disconnected without an error")
	} else {
		t.Logf("unplug: %v", s.Err)
	}
	if err := vr.Send(c); !errors.Is(err, ErrUnplugged) {
		t.Errorf("send while unplugged: %v", err)
	}
	time.Sleep(150 * time.Millisecond) // a few failed reopen attempts
	if s := sup.Status(); s.State != StateDisconnected || !errors.Is(s.Err, os.ErrNotExist) {
		t.Errorf("status while unplugged: %+v", s)
	}
	if err := vr.Plug(); err != nil {
		t.Fatal(err)
	}
	states.wait(t, StateConnected)
	vr.Send(c)
	waitTap(t, sup.Taps(), c)

	// A replug with no gap: the symlink leads to a new pty (whose number
	// the kernel may have reused).
	if err := vr.Replug(); err != nil {
		t.Fatal(err)
	}
	t.Logf("replug: %v", states.wait(t, StateDisconnected).Err)
	states.wait(t, StateConnected)
	vr.Send(a)
	waitTap(t, sup.Taps(), a)

	sup.Stop()
	sup.Stop() // idempotent
	states.wait(t, StateStopped)
	if _, ok := <-sup.Taps(); ok {
		t.Error("taps not closed after Stop")
	}
	vr.Close()
	checkNoLeak(t, baseline)
}

func TestSupervisorWaitsForDevice(t *testing.T) {
	baseline := runtime.NumGoroutine()
	link := filepath.Join(t.TempDir(), "reader")
	states := make(stateLog, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	sup, err := Start(ctx, Config{
		Path: link, Format: "line:base=dec,width=5", Numbering: "dec10", OnState: states.onState,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := states.wait(t, StateDisconnected); !errors.Is(s.Err, os.ErrNotExist) {
		t.Errorf("error %v, want not exist", s.Err)
	}
	vr, err := NewVirtualReader("line:base=dec,width=5", link)
	if err != nil {
		t.Fatal(err)
	}
	defer vr.Close()
	states.wait(t, StateConnected)
	vr.Write([]byte("0006547886\r\n"))
	waitTap(t, sup.Taps(), "0063E9AE") // mapped by dec10
	// The consumer stops receiving; the supervisor still stops on cancel.
	for range 20 {
		vr.Write([]byte("1\r\n"))
	}
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case <-sup.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("supervisor did not stop on cancel")
	}
	checkNoLeak(t, baseline)
}

func TestSupervisorFlushesOnOpen(t *testing.T) {
	vr, err := NewVirtualReader("rdm6300", "")
	if err != nil {
		t.Fatal(err)
	}
	defer vr.Close()
	// Sent while no one has the port open: stale, must not become a tap.
	if err := vr.Send("010063E9AE"); err != nil {
		t.Fatal(err)
	}
	states := make(stateLog, 100)
	sup, err := Start(context.Background(), Config{Path: vr.Path(), Format: "rdm6300", OnState: states.onState})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.Stop()
	states.wait(t, StateConnected)
	noTap(t, sup.Taps(), 150*time.Millisecond)
	vr.Send("62E3086CED")
	waitTap(t, sup.Taps(), "62E3086CED")
}

func TestStartErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Format: "rdm6300"},
		{Path: "/dev/null", Format: "nope"},
		{Path: "/dev/null", Format: "rdm6300", Numbering: "octal"},
		{Path: "/dev/null", Format: "rdm6300", Baud: 9601},
	} {
		if s, err := Start(context.Background(), cfg); err == nil {
			s.Stop()
			t.Errorf("Start(%+v): want error", cfg)
		}
	}
}

func TestListPorts(t *testing.T) {
	dev := t.TempDir()
	for _, name := range []string{"ttyUSB0", "ttyUSB1", "ttyACM0", "ttyS10", "ttyS2", "null"} {
		if err := os.WriteFile(filepath.Join(dev, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	byID := filepath.Join(dev, "serial", "by-id")
	os.MkdirAll(byID, 0o755)
	os.Symlink("../../ttyUSB1", filepath.Join(byID, "usb-FTDI_FT232R_A123-if00-port0"))
	got, err := listPorts(dev)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range got {
		lines = append(lines, strings.TrimPrefix(p.Path, dev)+" "+strings.TrimPrefix(p.ByID, dev))
	}
	want := []string{
		"/ttyUSB1 /serial/by-id/usb-FTDI_FT232R_A123-if00-port0",
		"/ttyACM0 ", "/ttyS2 ", "/ttyS10 ", "/ttyUSB0 ",
	}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("listPorts:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if _, err := ListPorts(); err != nil {
		t.Errorf("ListPorts: %v", err)
	}
}

// eofPort is a real port whose read errors read as io.EOF, the way
// tarm/serial reports a USB adapter after the first EIO. It makes the
// supervisor rely on its other signs of a lost device.
type eofPort struct{ Port }

func (p eofPort) Read(b []byte) (int, error) {
	n, err := p.Port.Read(b)
	if err != nil {
		err = io.EOF
	}
	return n, err
}

func TestSupervisorEOFOnUnplug(t *testing.T) {
	baseline := runtime.NumGoroutine()
	link := filepath.Join(t.TempDir(), "reader")
	vr, err := NewVirtualReader("id12", link)
	if err != nil {
		t.Fatal(err)
	}
	defer vr.Close()
	states := make(stateLog, 1000)
	sup, err := Start(context.Background(), Config{
		Path: link, Format: "id12", OnState: states.onState,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Opener: func(c PortConfig) (Port, error) {
			p, err := TarmOpener(c)
			if err != nil {
				return nil, err
			}
			return eofPort{p}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	states.wait(t, StateConnected)
	vr.Send("010063E9AE")
	waitTap(t, sup.Taps(), "010063E9AE")
	// Unplugged: reads give EOF at once and the node is gone.
	vr.Unplug()
	if s := states.wait(t, StateDisconnected); !errors.Is(s.Err, errGone) {
		t.Errorf("unplug: %v, want %v", s.Err, errGone)
	}
	vr.Plug()
	states.wait(t, StateConnected)
	// Replugged at once: the path leads to a new pty (perhaps with the old
	// number); the old one reads EOF at once.
	vr.Replug()
	if s := states.wait(t, StateDisconnected); !errors.Is(s.Err, errGone) && !errors.Is(s.Err, errHungUp) {
		t.Errorf("replug: %v, want %v or %v", s.Err, errGone, errHungUp)
	} else {
		t.Logf("replug: %v", s.Err)
	}
	states.wait(t, StateConnected)
	vr.Send("62E3086CED")
	waitTap(t, sup.Taps(), "62E3086CED")
	sup.Stop()
	vr.Close()
	checkNoLeak(t, baseline)
}

// nullPort is /dev/null as a port: every read returns (0, io.EOF) at once,
// like a hung-up tty whose node is still there.
type nullPort struct{ *os.File }

func (nullPort) Flush() error { return nil }

func TestSupervisorHungUp(t *testing.T) {
	baseline := runtime.NumGoroutine()
	states := make(stateLog, 1000)
	opened := make(chan struct{}, 100)
	sup, err := Start(context.Background(), Config{
		Path: "/dev/null", Format: "rdm6300", OnState: states.onState,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Opener: func(c PortConfig) (Port, error) {
			f, err := os.Open(c.Path)
			if err != nil {
				return nil, err
			}
			opened <- struct{}{}
			return nullPort{f}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	states.wait(t, StateConnected)
	if s := states.wait(t, StateDisconnected); !errors.Is(s.Err, errHungUp) {
		t.Errorf("error %v, want %v", s.Err, errHungUp)
	}
	states.wait(t, StateConnected) // and it keeps trying
	sup.Stop()
	checkNoLeak(t, baseline)
}

func TestVirtualReaderWriteTimeout(t *testing.T) {
	vr, err := NewVirtualReader("rdm6300", "")
	if err != nil {
		t.Fatal(err)
	}
	defer vr.Close()
	// Nobody reads the slave: the kernel buffer fills, then writes time out.
	block := make([]byte, 4096)
	start := time.Now()
	for {
		if _, err := vr.Write(block); err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("write error %v, want deadline exceeded", err)
			}
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("writes never blocked")
		}
	}
}
