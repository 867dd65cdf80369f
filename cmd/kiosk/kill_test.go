package main

import (
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/device"
	"mensakiosk/storage"
)

// TestKillDuringTaps kills a kiosk process with SIGKILL at random moments
// while taps stream in, again and again. After each restart every meal the
// kiosk logged as recorded is in the database exactly once, the sequence
// has no gap, and the outbox holds every meal.
func TestKillDuringTaps(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test: builds and restarts the kiosk binary (not in -short)")
	}
	bin := kioskBinary(t, "ci,migrated_fynedo", false)
	dir := t.TempDir()
	roster, badges := testRoster(3000, "")
	dbPath := seedDB(t, dir, roster)
	reader, err := device.NewVirtualReader("rdm6300", filepath.Join(dir, "reader"))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	cfgPath := writeConfig(t, dir, reader.Path())

	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	const rounds = 8
	next := 0
	logged := map[string]int{}
	for round := range rounds {
		c := startChild(t, bin, nil, "-headless", "-config", cfgPath)
		c.waitReady(t)
		killAt := time.Now().Add(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		sent := 0
		for time.Now().Before(killAt) && next < len(badges) {
			if err := reader.Send(badges[next]); err != nil {
				t.Fatal(err)
			}
			next++
			sent++
			time.Sleep(time.Duration(rng.IntN(4)) * time.Millisecond)
		}
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-c.done
		for _, m := range c.recorded() {
			logged[m.EventID]++
		}
		t.Logf("round %d: sent %d taps, kiosk logged %d meals before SIGKILL", round, sent, len(c.recorded()))
	}

	meals := readMeals(t, dbPath)
	inDB := map[string]int{}
	pupils := map[app.PupilID]int{}
	for i, m := range meals {
		inDB[m.EventID]++
		pupils[m.PupilID]++
		if m.Seq != uint64(i+1) {
			t.Fatalf("meal %d has seq %d: the sequence has a gap", i, m.Seq)
		}
	}
	for id, n := range logged {
		if n != 1 {
			t.Errorf("event %s logged %d times", id, n)
		}
		if inDB[id] != 1 {
			t.Errorf("event %s logged as recorded but %d times in the database", id, inDB[id])
		}
	}
	for id, n := range inDB {
		if n != 1 {
			t.Errorf("event %s %d times in the database", id, n)
		}
	}
	for p, n := range pupils {
		if n != 1 {
			t.Errorf("pupil %s served %d times today", p, n)
		}
	}
	s, err := storage.Open(dbPath, storage.Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cnt, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Outbox != len(meals) {
		t.Errorf("outbox %d, meals %d", cnt.Outbox, len(meals))
	}
	if len(logged) == 0 {
		t.Fatal("no meal was logged: the test proved nothing")
	}
	t.Logf("%d rounds: %d meals logged, %d in the database (taps in flight at a kill may be committed without a log line)", rounds, len(logged), len(meals))
}
