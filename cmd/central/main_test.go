package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/internal/centraltest"
)

// binary builds cmd/central once per test run.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the central binary (not in -short)")
	}
	return centraltest.Binary(t)
}

const nPupils = 200

// setup imports a roster and makes a token with the binary's own
// subcommands (given extra arguments: -config FILE).
func setup(t *testing.T, bin string, extra ...string) (dir, token string) {
	t.Helper()
	dir = t.TempDir()
	var d server.ImportData
	for i := range nPupils {
		acc := app.AccountID(fmt.Sprintf("A%d", i/2))
		if i%2 == 0 {
			d.Accounts = append(d.Accounts, app.Account{ID: acc, Holder: "H", Balance: 1_000_000})
		}
		d.Pupils = append(d.Pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("P%d", i)), AccountID: acc, FirstName: "F", LastName: "L", MealPrice: 300})
	}
	data, _ := json.Marshal(d)
	file := filepath.Join(t.TempDir(), "roster.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, append(append([]string{"import", "-data", dir}, extra...), file)...).CombinedOutput(); err != nil || !strings.Contains(string(out), "300 inserted") {
		t.Fatalf("import: %v %s", err, out)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, append([]string{"token", "-data", dir, "-kiosk", "k1", "-role", "canteen"}, extra...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("token: %v %s", err, stderr.String())
	}
	token = strings.TrimSpace(stdout.String())
	if len(token) < 40 || strings.ContainsAny(token, " \n") {
		t.Fatalf("token output %q", token)
	}
	return dir, token
}

// start runs the server on a free loopback port (given extra arguments:
// -config FILE) and waits for its "listening" log line.
func start(t *testing.T, bin, dir string, extra ...string) *centraltest.Process {
	t.Helper()
	c := centraltest.Start(t, bin, append([]string{"-addr", "127.0.0.1:0", "-data", dir, "-log-level", "info"}, extra...)...)
	t.Cleanup(func() {
		for _, l := range c.NonJSON() {
			t.Logf("central: non-JSON log line %q", l)
		}
	})
	return c
}

// kiosk plays a kiosk's outbox: events in sequence, deleted only when
// acknowledged, re-sent from the first unacknowledged after a failure.
type kiosk struct {
	token   string
	next    uint64
	pending []app.OutboxEvent
	acked   map[string]app.EventStatus
	http    *http.Client
}

func newKiosk(token string) *kiosk {
	return &kiosk{token: token, acked: map[string]app.EventStatus{}, http: &http.Client{Timeout: 10 * time.Second}}
}

// add makes n new meals: a distinct pupil and day each, so each is charged.
func (k *kiosk) add(n int) {
	for range n {
		k.next++
		i := int(k.next - 1)
		day := time.Now().UTC().AddDate(0, 0, -1-i/nPupils)
		day = time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, time.UTC)
		pupil := i % nPupils
		m := app.Meal{EventID: fmt.Sprintf("ev-%06d", k.next), Seq: k.next, KioskID: "k1", PupilID: app.PupilID(fmt.Sprintf("P%d", pupil)),
			AccountID: app.AccountID(fmt.Sprintf("A%d", pupil/2)), Day: app.DayOf(day, time.UTC), Service: app.ServiceLunch,
			Price: 300, At: day, Via: app.ViaBadge}
		p, _ := json.Marshal(m)
		k.pending = append(k.pending, app.OutboxEvent{ID: m.EventID, Seq: m.Seq, Kind: app.EventMealRecorded, At: m.At, Payload: p})
	}
}

// push sends the first batch of pending events; it returns an error when
// the server did not answer (killed).
func (k *kiosk) push(addr string, size int) error {
	if len(k.pending) == 0 {
		return nil
	}
	batch := k.pending[:min(size, len(k.pending))]
	body, _ := json.Marshal(app.PushBatch{Epoch: "EPOCH1", Events: batch})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+central.PathEvents, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+k.token)
	resp, err := k.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		data, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("push: %d %s", resp.StatusCode, data)
	}
	var r app.PushReply
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err // cut off mid-answer: not acknowledged
	}
	if len(r.Results) != len(batch) {
		return fmt.Errorf("%d results for %d events", len(r.Results), len(batch))
	}
	for _, a := range r.Results {
		if _, seen := k.acked[a.ID]; !seen {
			k.acked[a.ID] = a.Status
		}
	}
	k.pending = k.pending[len(batch):]
	return nil
}

// verify opens the stopped server's database and checks every
// acknowledged event is there, once, and charged once.
func verify(t *testing.T, dir string, k *kiosk) {
	t.Helper()
	s := openData(t, dir)
	defer s.Close()
	for id, st := range k.acked {
		if st == app.EventRejected {
			t.Errorf("event %s rejected", id)
		}
		it, ok, err := s.Event(id)
		if err != nil || !ok || it.Status != app.EventAccepted || !it.Charged {
			t.Fatalf("acknowledged event %s: on the server %v, %+v, %v", id, ok, it, err)
		}
	}
	c, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := s.EventCount("k1")
	if c.Events < len(k.acked) || c.Events > int(k.next) || n != c.Events || c.MealsCharged != c.Events {
		t.Fatalf("%d events stored (%d charged, %d from k1); %d acknowledged of %d made", c.Events, c.MealsCharged, n, len(k.acked), k.next)
	}
	// Exactly once: the balances are the opening minus one price per
	// stored meal.
	var total app.Cents
	for i := range nPupils / 2 {
		b, err := s.Balance(app.AccountID(fmt.Sprintf("A%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		total += 1_000_000 - b
	}
	if total != app.Cents(300*c.Events) {
		t.Fatalf("charged %d cents for %d meals", total, c.Events)
	}
	if len(k.pending) == 0 {
		v, _ := s.KioskView("k1", "EPOCH1")
		if v.AckedSeq != k.next || c.Events != int(k.next) {
			t.Fatalf("all delivered but acked_seq %d, events %d, made %d", v.AckedSeq, c.Events, k.next)
		}
	}
}

// TestKillDuringPushes SIGKILLs the server at random moments while a kiosk
// pushes, again and again; the kiosk re-sends what was not acknowledged.
// In the end every event is on the server exactly once.
func TestKillDuringPushes(t *testing.T) {
	bin := binary(t)
	dir, token := setup(t, bin)
	k := newKiosk(token)
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	const rounds = 6
	for round := range rounds {
		c := start(t, bin, dir)
		killAt := time.Now().Add(time.Duration(80+rng.IntN(250)) * time.Millisecond)
		killed := make(chan struct{})
		go func() {
			time.Sleep(time.Until(killAt))
			c.Cmd.Process.Signal(syscall.SIGKILL)
			close(killed)
		}()
		pushed := 0
		for {
			if len(k.pending) < 200 {
				k.add(100)
			}
			if err := k.push(c.Addr, 1+rng.IntN(60)); err != nil {
				break
			}
			pushed++
		}
		<-killed
		c.Wait()
		t.Logf("round %d: %d batches answered, %d events acknowledged so far, %d pending", round, pushed, len(k.acked), len(k.pending))
		verify(t, dir, k)
	}
	// A last, clean run delivers what is left.
	c := start(t, bin, dir)
	for len(k.pending) > 0 {
		if err := k.push(c.Addr, 500); err != nil {
			t.Fatal(err)
		}
	}
	c.Terminate(t)
	verify(t, dir, k)
	if len(k.acked) < 500 {
		t.Fatalf("only %d events went through: the test did not exercise much", len(k.acked))
	}
}

// TestGracefulShutdown sends SIGTERM while pushes stream in: the server
// exits 0, answers in flight complete, nothing acknowledged is lost.
func TestGracefulShutdown(t *testing.T) {
	bin := binary(t)
	dir, token := setup(t, bin)
	k := newKiosk(token)
	c := start(t, bin, dir)
	go func() {
		time.Sleep(300 * time.Millisecond)
		c.Cmd.Process.Signal(syscall.SIGTERM)
	}()
	for {
		if len(k.pending) < 100 {
			k.add(100)
		}
		if err := k.push(c.Addr, 50); err != nil {
			break
		}
	}
	select {
	case <-c.Done:
		if err := c.Wait(); err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		c.Cmd.Process.Kill()
		t.Fatal("no exit after SIGTERM")
	}
	if len(k.acked) == 0 {
		t.Fatal("nothing pushed before the shutdown")
	}
	verify(t, dir, k)
}

func TestCommands(t *testing.T) {
	bin := binary(t)
	dir, _ := setup(t, bin)
	run := func(args ...string) (string, error) {
		out, err := exec.Command(bin, args...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("status", "-data", dir); err != nil || !strings.Contains(out, `"pupils": 200`) {
		t.Fatalf("status: %v %s", err, out)
	}
	if out, err := run("alarms", "-data", dir); err != nil || !strings.Contains(out, "0 alarms") {
		t.Fatalf("alarms: %v %s", err, out)
	}
	if out, err := run("review", "-data", dir); err != nil || !strings.Contains(out, "0 events to review") {
		t.Fatalf("review: %v %s", err, out)
	}
	if out, err := run("revoke", "-data", dir, "-kiosk", "k1"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if out, err := run("revoke", "-data", dir, "-kiosk", "k1"); err == nil {
		t.Fatalf("revoke twice: %s", out)
	}
	if out, err := run("-addr", "0.0.0.0:0", "-data", dir); err == nil || !strings.Contains(out, "loopback") {
		t.Fatalf("plain HTTP on all interfaces: %v %s", err, out)
	}
	if out, err := run("import", "-data", dir, filepath.Join(dir, "nope.json")); err == nil {
		t.Fatalf("import of a missing file: %s", out)
	}
	if out, err := run("frobnicate"); err == nil || !strings.Contains(out, "unknown command") {
		t.Fatalf("unknown command: %v %s", err, out)
	}
	if out, err := run("restored", "-data", dir); err != nil || !strings.Contains(out, "marked restored") {
		t.Fatalf("restored: %v %s", err, out)
	}
	if out, err := run("alarms", "-data", dir); err != nil || !strings.Contains(out, "server_restored") {
		t.Fatalf("no server_restored alarm: %v %s", err, out)
	}
	if out, err := run("restored", "-data", filepath.Join(dir, "nowhere")); err == nil {
		t.Fatalf("restored without a database: %s", out)
	}
	// The database is one process's: a second server says it is in use.
	c := start(t, bin, dir)
	out, err := run("-addr", "127.0.0.1:0", "-data", dir)
	if err == nil || !strings.Contains(out, "in use") {
		t.Fatalf("second server: %v %s", err, out)
	}
	c.Cmd.Process.Signal(syscall.SIGINT)
	if err := c.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v", err)
	}
	// -config: settings from a file; flags win.
	cfg := filepath.Join(t.TempDir(), "central.json")
	os.WriteFile(cfg, []byte(`{"addr":"0.0.0.0:1","data":"`+dir+`","log_level":"warn"}`), 0o600)
	if out, err := run("-config", cfg); err == nil || !strings.Contains(out, "loopback") {
		t.Fatalf("config addr not used: %v %s", err, out)
	}
	os.WriteFile(cfg, []byte(`{"adr":"x"}`), 0o600)
	if out, err := run("-config", cfg); err == nil || !strings.Contains(out, "unknown field") {
		t.Fatalf("config typo accepted: %v %s", err, out)
	}
}
