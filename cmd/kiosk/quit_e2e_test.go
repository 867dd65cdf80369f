//go:build e2e

package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/device"
)

// startXKiosk starts the inspectable binary in demo mode on display, in
// role, with its data in dir and badges from reader, and waits until it is
// ready and its window is mapped.
func startXKiosk(t testing.TB, display, dir, role string, reader *device.VirtualReader, env ...string) *xkiosk {
	t.Helper()
	args := []string{"-demo", "-role", role, "-windowed", "-lang", "it", "-data", dir}
	if reader != nil {
		args = append(args, "-reader-port", reader.Path())
	}
	return startHooked(t, display, dir, role, env, args...)
}

// staffLogin opens staff mode with the cook's badge and her PIN on the
// keypad.
func (x *xkiosk) staffLogin(reader *device.VirtualReader) {
	if reader == nil { // the demo panel plays the badge
		x.panelBadge(demo.Staff[0].Name)
	} else if err := reader.Send(demo.Staff[0].Badge); err != nil {
		x.t.Fatal(err)
	}
	x.staffPIN()
}

func (x *xkiosk) staffPIN() {
	x.t.Helper()
	x.waitText(demo.Staff[0].Name+": ", 10*time.Second)
	for _, d := range demo.Staff[0].PIN {
		x.tap(string(d))
	}
	x.tap("Entra")
	x.waitText("Modalità personale — ", 10*time.Second)
}

// counterTopUp identifies a family by a badge and asks for a top-up: the
// avviso is then on screen and polled until paid.
func (x *xkiosk) counterTopUp(reader *device.VirtualReader, badge app.BadgeID) {
	x.t.Helper()
	n := strings.Count(x.c.log(), `"msg":"counter: family identified"`)
	if err := reader.Send(badge); err != nil {
		x.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(x.c.log(), `"msg":"counter: family identified"`) < n+1 {
		if time.Now().After(deadline) {
			path := filepath.Join(artifactDir(x.t), "identify-failed.png")
			screenshotWindow(x.t, x.display, x.window(), path)
			x.t.Fatalf("badge %s: no family identified within 10 s (%s); the screen shows: %s", badge, path, x.screen().texts())
		}
		time.Sleep(50 * time.Millisecond)
	}
	x.tap("Ricarica")
	x.tap("20,00 €")
	n = strings.Count(x.c.log(), `"msg":"counter: notice issued"`)
	x.tap("Crea l'avviso di pagamento")
	deadline = time.Now().Add(10 * time.Second)
	for strings.Count(x.c.log(), `"msg":"counter: notice issued"`) < n+1 {
		if time.Now().After(deadline) {
			path := filepath.Join(artifactDir(x.t), "topup-failed.png")
			screenshotWindow(x.t, x.display, x.window(), path)
			x.t.Fatalf("no avviso issued 10 s after \"Crea l'avviso di pagamento\" (%s); the screen shows: %s", path, x.screen().texts())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitCount(t testing.TB, c *child, s string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for strings.Count(c.log(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d log lines with %q within %v:\n%s", n, s, within, c.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEndQuit quits the real binary 20 times in a row, from different
// states, by staff mode's button, SIGTERM and SIGINT: each time the process
// ends within 2 s, having closed its database, and the next start opens
// the file at once. In every fourth round Fyne's own quit is made to hang
// (as it did in service: main goroutine in WaitForEvents, the event queue
// in runOnMainWithWait): the kiosk closes its store first and then exits
// without Fyne.
func TestEndToEndQuit(t *testing.T) {
	display := startXvfb(t)
	dir := t.TempDir()
	reader := virtualReader(t, dir)
	_, badges := demo.Build(app.DayOf(time.Now(), time.Local), time.Now())
	var pupils []app.BadgeID
	for _, b := range badges {
		if !b.Blocked && !b.Negative && !b.Cancelled {
			pupils = append(pupils, app.BadgeID(b.ID))
		}
	}
	next := 0
	pupil := func() app.BadgeID { next++; return pupils[next%len(pupils)] }

	idle := func(*xkiosk) {}
	midSync := func(x *xkiosk) { // a served tap kicks a sync: quit while it runs
		n := len(x.c.recorded())
		if err := reader.Send(pupil()); err != nil {
			t.Fatal(err)
		}
		x.c.waitMeals(t, n+1, 10*time.Second)
	}
	resized := func(x *xkiosk) {
		x.resize(1100, 700)
		time.Sleep(300 * time.Millisecond)
		x.resize(1600, 900)
		time.Sleep(300 * time.Millisecond)
	}
	topUpPoll := func(x *xkiosk) { x.counterTopUp(reader, pupil()) }
	staffMenu := func(x *xkiosk) { x.staffLogin(reader) }
	staffReader := func(x *xkiosk) { x.staffLogin(reader); x.tap("Lettore") }

	cases := []struct {
		name, role, how string
		prepare         func(*xkiosk)
	}{
		{"canteen idle", "canteen", "SIGTERM", idle},
		{"canteen idle", "canteen", "SIGINT", idle},
		{"canteen idle", "canteen", "staff", idle},
		{"canteen mid-sync", "canteen", "SIGTERM", midSync},
		{"canteen mid-sync", "canteen", "SIGINT", midSync},
		{"canteen mid-sync", "canteen", "staff", midSync},
		{"canteen after resizes", "canteen", "SIGTERM", resized},
		{"canteen after resizes", "canteen", "staff", resized},
		{"canteen staff menu", "canteen", "SIGTERM", staffMenu},
		{"canteen staff reader page", "canteen", "SIGINT", staffReader},
		{"counter home", "counter", "SIGTERM", idle},
		{"counter home", "counter", "staff", idle},
		{"counter top-up poll", "counter", "SIGTERM", topUpPoll},
		{"counter top-up poll", "counter", "SIGINT", topUpPoll},
		{"counter top-up poll", "counter", "staff", topUpPoll},
		{"counter after resizes", "counter", "SIGTERM", resized},
		{"counter after resizes and a top-up", "counter", "staff", func(x *xkiosk) { resized(x); topUpPoll(x) }},
		{"counter staff menu", "counter", "SIGINT", staffMenu},
		{"counter mid-sync", "counter", "SIGTERM", func(x *xkiosk) {
			n := strings.Count(x.c.log(), `"msg":"sync","component":"sync"`)
			waitCount(t, x.c, `"msg":"sync","component":"sync"`, n+1, 30*time.Second)
		}},
		{"canteen after a long session", "canteen", "staff", func(x *xkiosk) {
			for range 3 {
				midSync(x)
				resized(x)
			}
		}},
	}
	db := filepath.Join(dir, "demo.db")
	for i, tc := range cases {
		var env []string
		if i%4 == 3 {
			// Every fourth round Fyne's quit hangs, as it did in service.
			env = append(env, "MENSAKIOSK_TEST_STUCK_TOOLKIT=1")
		}
		x := startXKiosk(t, display, dir, tc.role, reader, env...)
		if i > 0 && strings.Contains(x.c.log(), "in use") {
			t.Fatalf("round %d: the database was still in use at start:\n%s", i, x.c.log())
		}
		if tc.role == "counter" || tc.how == "staff" {
			// The reader must be connected for the staff badge.
			select {
			case <-x.c.connected:
			case <-time.After(20 * time.Second):
				t.Fatalf("round %d: reader not connected:\n%s", i, x.c.log())
			}
		}
		tc.prepare(x)
		var start time.Time
		switch tc.how {
		case "SIGTERM", "SIGINT":
			sig := syscall.SIGTERM
			if tc.how == "SIGINT" {
				sig = syscall.SIGINT
			}
			start = time.Now()
			x.c.cmd.Process.Signal(sig)
		case "staff":
			x.staffLogin(reader)
			x.tap("Esci dal chiosco")
			start = time.Now()
			x.tap("Sì, esci dal chiosco")
		}
		select {
		case <-x.c.done:
		case <-time.After(2 * time.Second):
			x.c.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, in the log
			<-x.c.done
			t.Fatalf("round %d (%s, %s): the process still ran 2 s after the quit:\n%s", i, tc.name, tc.how, x.c.log())
		}
		took := time.Since(start)
		if !strings.Contains(x.c.log(), `"msg":"store closed"`) {
			t.Errorf("round %d (%s, %s): no \"store closed\" line:\n%s", i, tc.name, tc.how, x.c.log())
		}
		if code := x.c.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("round %d (%s, %s): exit code %d:\n%s", i, tc.name, tc.how, code, x.c.log())
		}
		checkJSONLog(t, x.c)
		// The lock is free: the file opens at once.
		o := time.Now()
		bdb, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatalf("round %d (%s, %s): the database does not open after the quit: %v", i, tc.name, tc.how, err)
		}
		bdb.Close()
		t.Logf("round %2d: %-36s %-7s ended in %4d ms; database opened in %d ms%s", i, tc.name, tc.how, took.Milliseconds(), time.Since(o).Milliseconds(), hungNote(x.c))
	}
}

// checkJSONLog: every line the kiosk wrote on stderr is a JSON object, and
// none is the toolkit's complaint about the locale or its preferences.
func checkJSONLog(t testing.TB, c *child) {
	t.Helper()
	for _, l := range strings.Split(c.log(), "\n") {
		if l == "" {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("stderr line is not JSON: %q", l)
			continue
		}
		if m, _ := v["msg"].(string); strings.Contains(m, "locale") || strings.Contains(m, "Preferences") {
			t.Errorf("the toolkit complained: %q", l)
		}
	}
}

// hungNote says when the kiosk had to exit without Fyne's main loop.
func hungNote(c *child) string {
	if strings.Contains(c.log(), "the window toolkit did not stop") {
		return " (Fyne's loop did not return: exited after the store was closed)"
	}
	return ""
}
