package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/storage"
	"mensakiosk/storage/storagetest"
)

// TestDamagedDatabaseNeverCrashes runs the real kiosk binary (headless) on
// a corpus of damaged copies of a real kiosk.db, synced with the real
// reference server on loopback: bit flips inside the used pages at 1, 10,
// 100 and 300 flips (13 seeds each) and five truncation points. Each copy
// is tried as a kiosk leaves its file at a clean close (sealed) and as it
// leaves it when killed (no seal). For each: the process never dies of a
// fault or a panic (it runs in a child process, so a SIGSEGV is a failure
// here, not the end of the test run); a sealed copy is refused with the
// log line that says what to do and names the events the server had not
// acknowledged; an unsealed one is refused the same way or, when the
// damage is invisible to any check (a flip inside a record's text, in a
// page's slack), starts. At the end the server still holds every
// acknowledged meal, and a fresh file pulls the roster back.
func TestDamagedDatabaseNeverCrashes(t *testing.T) {
	bin := kioskBinary(t, "ci,migrated_fynedo", false)
	dir := t.TempDir()
	roster, _ := testRoster(400, "")
	srv, token, tokenFile := serveCentral(t, dir, roster)
	url := srv.URL

	// The base file: the roster pulled, 60 meals pushed and acknowledged,
	// 6 more recorded offline.
	base := filepath.Join(dir, "base", "kiosk.db")
	os.MkdirAll(filepath.Dir(base), 0o700)
	acked, unacked := buildSyncedDB(t, base, url, token, roster, 60, 6)
	raw, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	sealRaw, err := os.ReadFile(base + ".seal")
	if err != nil {
		t.Fatalf("no seal after a clean close: %v", err)
	}
	psz, used := boltUsed(t, raw)
	t.Logf("base file: %d bytes, %d used in %d-byte pages; %d meals acknowledged, %d not", len(raw), used, psz, len(acked), len(unacked))

	type damage struct {
		name string
		file []byte
	}
	var corpus []damage
	for _, flips := range []int{1, 10, 100, 300} {
		for seed := range 13 {
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(flips)))
			b := append([]byte(nil), raw...)
			for range flips {
				// Inside the used pages, past the two meta pages (which
				// carry a checksum of their own).
				off := 2*psz + rng.IntN(used-2*psz)
				b[off] ^= 1 << rng.IntN(8)
			}
			corpus = append(corpus, damage{fmt.Sprintf("flips%d-seed%d", flips, seed), b})
		}
	}
	for _, pct := range []int{10, 30, 50, 70, 90} {
		cut := used * pct / 100
		corpus = append(corpus, damage{fmt.Sprintf("truncated%d%%", pct), append([]byte(nil), raw[:cut]...)})
	}

	named, exact, started, misnamed := 0, 0, 0, 0
	for _, d := range corpus {
		for _, sealed := range []bool{true, false} {
			name := d.name + map[bool]string{true: "-sealed", false: "-unsealed"}[sealed]
			cdir := filepath.Join(dir, "cases", name)
			os.MkdirAll(cdir, 0o700)
			if err := os.WriteFile(filepath.Join(cdir, "kiosk.db"), d.file, 0o600); err != nil {
				t.Fatal(err)
			}
			if sealed {
				// The damage happened to the sealed file in place: the
				// seal names this copy's device and inode (a seal does not
				// judge a file moved into its place).
				os.WriteFile(filepath.Join(cdir, "kiosk.db.seal"), sealOf(t, sealRaw, filepath.Join(cdir, "kiosk.db")), 0o600)
			}
			cfg := writeSyncConfig(t, cdir, "", url, tokenFile)
			out, code, ranReady := runDamaged(t, bin, cfg)
			if crashed(out) || code > 1 || code < 0 { // -1: a signal, -2: hung
				t.Fatalf("%s: the kiosk crashed (exit %d):\n%s", name, code, tail(out, 40))
			}
			if ranReady {
				if sealed {
					t.Errorf("%s: a damaged sealed file was used:\n%s", name, tail(out, 20))
				}
				started++
				continue
			}
			// Refused: the log line says what it is and what to do, and
			// names what the server had not acknowledged.
			if !strings.Contains(out, `"msg":"database damaged"`) || !strings.Contains(out, "Restore from the central server") ||
				!strings.Contains(out, `"msg":"cannot start"`) {
				t.Fatalf("%s: refused without saying what to do (exit %d):\n%s", name, code, tail(out, 20))
			}
			ids := namedUnacknowledged(out)
			n := 0
			for _, id := range ids {
				if acked[id] {
					misnamed++
					t.Logf("%s: acknowledged meal %s named as not acknowledged", name, id)
				}
				if unacked[id] {
					n++
				}
			}
			named++
			if n == len(unacked) && len(ids) == len(unacked) {
				exact++
			}
		}
	}
	t.Logf("%d damaged files (%d cases): %d refused with the advice, %d of them naming exactly the %d unacknowledged meals; %d unsealed copies with damage no check can see started; %d acknowledged meals named as not acknowledged",
		len(corpus), 2*len(corpus), named, exact, len(unacked), started, misnamed)
	if exact == 0 {
		t.Error("no refusal named the unacknowledged meals")
	}

	// Nothing the server acknowledged is lost: it holds each acknowledged
	// meal, and a fresh file (the restore) pulls the roster back.
	for id := range acked {
		if _, ok, err := srv.Event(id); err != nil || !ok {
			t.Fatalf("acknowledged meal %s not on the server (%v)", id, err)
		}
	}
	fresh := filepath.Join(dir, "restored")
	os.MkdirAll(fresh, 0o700)
	c := startChild(t, bin, nil, "-headless", "-config", writeSyncConfig(t, fresh, "", url, tokenFile))
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(c.log(), `"msg":"sync"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the restored kiosk never synced:\n%s", c.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	<-c.done
	st := storagetest.OpenPath(t, filepath.Join(fresh, "kiosk.db"), storage.Options{SkipCheck: true})
	cnt, err := st.Count()
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Pupils != len(roster.Pupils) {
		t.Fatalf("restored file holds %d pupils, want %d", cnt.Pupils, len(roster.Pupils))
	}
}

// buildSyncedDB makes a kiosk.db at path as a kiosk does: it pulls the
// roster from the server, records nAcked meals and pushes them, then
// records nUnacked more offline, and closes the file cleanly. It returns
// the event ids of both kinds.
func buildSyncedDB(t *testing.T, path, url, token string, roster app.Roster, nAcked, nUnacked int) (acked, unacked map[string]bool) {
	t.Helper()
	st, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := central.NewClient(central.ClientConfig{BaseURL: url, Token: token, Epoch: st.Epoch()})
	if err != nil {
		t.Fatal(err)
	}
	syncer := app.NewSyncer(st, client, app.SystemClock{}, app.SyncConfig{KioskID: "kiosk-test"}, nil)
	if err := syncer.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	day := app.DayOf(time.Now(), time.Local)
	record := func(i int) string {
		p := roster.Pupils[i]
		id, err := app.NewEventID()
		if err != nil {
			t.Fatal(err)
		}
		m := &app.Meal{EventID: id, KioskID: "kiosk-test", PupilID: p.ID, AccountID: p.AccountID, Day: day,
			Service: app.ServiceLunch, Price: p.MealPrice, At: time.Now().UTC(), Via: "badge"}
		if err := st.Update(func(tx app.CanteenTx) error { return tx.RecordMeal(m) }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	acked, unacked = map[string]bool{}, map[string]bool{}
	for i := range nAcked {
		acked[record(i)] = true
	}
	if err := syncer.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ss, _ := st.SyncState(); ss.Waiting != 0 || ss.Acked != uint64(nAcked) {
		t.Fatalf("sync state after the push: %+v", ss)
	}
	for i := range nUnacked {
		unacked[record(nAcked+i)] = true
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return acked, unacked
}

// boltUsed reads the page size and the used length (high-water mark) from
// the newest of a bbolt file's two meta pages.
func boltUsed(t *testing.T, b []byte) (psz, used int) {
	t.Helper()
	psz = int(binary.LittleEndian.Uint32(b[24:]))
	m0, m1 := b[16:], b[psz+16:]
	m := m0
	if binary.LittleEndian.Uint64(m1[48:]) > binary.LittleEndian.Uint64(m0[48:]) {
		m = m1
	}
	used = int(binary.LittleEndian.Uint64(m[40:])) * psz
	if used <= 2*psz || used > len(b) {
		t.Fatalf("used %d of %d", used, len(b))
	}
	return psz, used
}

// runDamaged runs the kiosk until it exits, or until it is ready (then it
// is stopped with SIGTERM). It returns the log, the exit code (-1: killed
// by a signal other than the SIGTERM sent) and whether it got ready.
func runDamaged(t *testing.T, bin, cfg string) (string, int, bool) {
	t.Helper()
	c := startChild(t, bin, nil, "-headless", "-config", cfg)
	ready := false
	select {
	case <-c.ready:
		// The fault of old came right after "ready": give it a moment, and
		// the sync engine a round.
		ready = true
		select {
		case <-c.done:
		case <-time.After(700 * time.Millisecond):
		}
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			// A check looping over a damaged page's overflow count never
			// lets the store close.
			c.cmd.Process.Kill()
			<-c.done
			return c.log() + "\nHUNG: did not stop within 30 s of SIGTERM", -2, true
		}
	case <-c.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("the kiosk neither started nor stopped in 60 s:\n%s", c.log())
	}
	return c.log(), c.cmd.ProcessState.ExitCode(), ready // -1: killed by a signal
}

// crashed reports a Go runtime crash in the log: a fault, a panic, a fatal
// error.
func crashed(log string) bool {
	for _, s := range []string{"SIGSEGV", "unexpected fault address", "panic:", "fatal error:", "goroutine "} {
		if strings.Contains(log, s) {
			return true
		}
	}
	return false
}

// namedUnacknowledged lists the event ids of the "not acknowledged by the
// server" log lines.
func namedUnacknowledged(log string) []string {
	var ids []string
	for _, line := range strings.Split(log, "\n") {
		var l logLine
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "not acknowledged by the server" {
			ids = append(ids, l.EventID)
		}
	}
	return ids
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// sealOf is the seal sealRaw made to name the file at path (its device and
// inode), as if that file had been sealed.
func sealOf(t *testing.T, sealRaw []byte, path string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(sealRaw, &m); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		m["dev"], m["ino"] = uint64(st.Dev), uint64(st.Ino)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
