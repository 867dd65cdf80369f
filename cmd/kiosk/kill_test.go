package main

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/device"
	"mensakiosk/storage"
	"mensakiosk/storage/storagetest"
)

// TestKillDuringTaps kills a kiosk process with SIGKILL at random moments
// while taps stream in, again and again. After each restart every meal the
// kiosk logged as recorded is in the database exactly once, the sequence
// has no gap, and the outbox holds every meal.
func TestKillDuringTaps(t *testing.T) {
	bin := headlessBinary(t)
	dir := t.TempDir()
	roster, badges := testRoster(3000, "")
	dbPath := seedDB(t, dir, roster)
	reader := virtualReader(t, dir)
	cfgPath := writeConfig(t, dir, reader.Path())

	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	const rounds = 8
	next := 0
	logged := map[string]int{}
	for round := range rounds {
		from := next
		c := tapThenKill(t, bin, cfgPath, reader, badges, &next, time.Duration(50+rng.IntN(400))*time.Millisecond,
			func() time.Duration { return time.Duration(rng.IntN(4)) * time.Millisecond })
		sent := next - from
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
	s := storagetest.OpenPath(t, dbPath, storage.Options{SkipCheck: true})
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

// tapThenKill starts the headless kiosk bin on cfgPath and, once it is
// ready, taps badges[*next:] on reader one after the other, gap() apart,
// until killFor has passed; then it SIGKILLs the kiosk and returns it,
// ended. *next is the first badge not tapped.
func tapThenKill(t *testing.T, bin, cfgPath string, reader *device.VirtualReader, badges []app.BadgeID, next *int, killFor time.Duration, gap func() time.Duration) *child {
	t.Helper()
	c := startChild(t, bin, nil, "-headless", "-config", cfgPath)
	c.waitReady(t)
	killAt := time.Now().Add(killFor)
	for time.Now().Before(killAt) && *next < len(badges) {
		if err := reader.Send(badges[*next]); err != nil {
			t.Fatal(err)
		}
		*next++
		time.Sleep(gap())
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
	return c
}
