package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/internal/pgtest"
)

// TestServeManyComuniOnPostgresTwoServers: a service of two Comuni on one
// PostgreSQL database, served by two real `central serve` processes, with
// every administration command run as an operator does (-config and
// -comune CODE) while they serve, and each Comune's kiosks syncing with the
// kiosk's own client through either server. Each Comune sees only its own
// roster, meals, balances and alarms; Comune A's tokens are refused on B's
// ids (and under B's prefix) and leave B's data as it was; revoking A's
// kiosk k1 leaves B's kiosk k1 working.
func TestServeManyComuniOnPostgresTwoServers(t *testing.T) {
	bin := binary(t)
	dsn := pgtest.NewDB(t)
	dirA, dirB, files := t.TempDir(), t.TempDir(), t.TempDir()
	creditor := func(name, seg string) *server.PagoPAConfig {
		return &server.PagoPAConfig{Creditor: app.Creditor{FiscalCode: server.TestCreditorCF, Name: name}, SegregationCode: seg}
	}
	config := writeJSONFile(t, files, "central.json", map[string]any{
		"addr": "127.0.0.1:0", "data": dirA, "log_level": "info",
		"store": map[string]string{"postgres": dsn},
		"comuni": map[string]ComuneConfig{
			"A001": {Name: "Alfa", PagoPA: creditor("Comune di Alfa", "01")},
			"B002": {Name: "Beta", PagoPA: creditor("Comune di Beta", "02")},
		}})
	// The same ids in both Comuni, and one account only B has.
	rosterB := comuneRoster("Beta")
	rosterB.Accounts = append(rosterB.Accounts, app.Account{ID: "B-ONLY", Holder: "Beta Verdi", Balance: 700})
	rosterB.Pupils = append(rosterB.Pupils, app.Pupil{ID: "PB", AccountID: "B-ONLY", FirstName: "BetaLuca", LastName: "Verdi", MealPrice: 300})
	rosters := map[string]string{
		"A001": writeJSONFile(t, files, "a.json", comuneRoster("Alfa")),
		"B002": writeJSONFile(t, files, "b.json", rosterB),
	}
	cmd := func(args ...string) string {
		t.Helper()
		out, errOut, err := runCmd(t, bin, withConfig(args, config)...)
		if err != nil {
			t.Fatalf("central %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	for code, roster := range rosters {
		if out := cmd("import", "-comune", code, roster); !strings.Contains(out, "inserted") {
			t.Fatalf("import into %s: %s", code, out)
		}
	}
	if _, errOut, err := runCmd(t, bin, "status", "-config", config); err == nil || !strings.Contains(errOut, "A001, B002") {
		t.Fatalf("a command without -comune in a service of two: %v %s", err, errOut)
	}
	token := func(code, kiosk, role string) string {
		t.Helper()
		tok := strings.TrimSpace(cmd("token", "-comune", code, "-kiosk", kiosk, "-role", role))
		if !strings.HasPrefix(tok, code+".") {
			t.Fatalf("token of %s in %s: %q", kiosk, code, tok)
		}
		return tok
	}
	canteen := map[string]string{"A001": token("A001", "k1", "canteen"), "B002": token("B002", "k1", "canteen")}
	counterA := token("A001", "c1", "counter")

	// The second server: its own data directory (admin sockets), the
	// Comuni's access-code keys copied from the first (docs/central.md).
	for _, code := range []string{"A001", "B002"} {
		if err := os.MkdirAll(comuneDataDir(dirB, code), 0o700); err != nil {
			t.Fatal(err)
		}
		key, err := os.ReadFile(filepath.Join(comuneDataDir(dirA, code), server.AccessKeyFile))
		if errors.Is(err, os.ErrNotExist) {
			continue // made at the first import of access codes
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(comuneDataDir(dirB, code), server.AccessKeyFile), key, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srvA := start(t, bin, dirA, "-config", config)
	srvB := start(t, bin, dirB, "-config", config)
	addrs := []string{srvA.Addr, srvB.Addr}
	client := func(tok string, i int) *central.Client {
		t.Helper()
		c, err := central.NewClient(central.ClientConfig{BaseURL: "http://" + addrs[i%2], Token: tok, Epoch: "EPOCH1",
			Timeout: 10 * time.Second, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	status := func(code string) (c server.Counts) {
		t.Helper()
		if err := json.Unmarshal([]byte(cmd("status", "-comune", code)), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// What of B's store A's kiosks, counters and commands must not change.
	bState := func() string {
		c := status("B002")
		return fmt.Sprintf("revision %d, %d accounts, %d pupils, %d events, %d charged, %d alarms, %d tokens, %d in review",
			c.Revision, c.Accounts, c.Pupils, c.Events, c.MealsCharged, c.Alarms, c.Tokens, c.Review)
	}
	day, day2 := app.DayOf(time.Now().AddDate(0, 0, -1), time.UTC), app.DayOf(time.Now().AddDate(0, 0, -2), time.UTC)
	meal := func(seq uint64, day app.Day, pupil app.PupilID, acc app.AccountID) app.OutboxEvent {
		at, _ := time.Parse(time.DateOnly, string(day))
		at = at.Add(12 * time.Hour)
		m := app.Meal{EventID: fmt.Sprintf("ev-%d", seq), Seq: seq, KioskID: "k1", PupilID: pupil, AccountID: acc,
			Day: day, Service: app.ServiceLunch, Price: 300, At: at, Via: app.ViaBadge}
		p, _ := json.Marshal(m)
		return app.OutboxEvent{ID: m.EventID, Seq: seq, Kind: app.EventMealRecorded, At: at, Payload: p}
	}
	push := func(code string, i int, ev app.OutboxEvent) {
		t.Helper()
		rep, err := client(canteen[code], i).Push(ctx, app.PushBatch{Epoch: "EPOCH1", Events: []app.OutboxEvent{ev}})
		if err != nil || len(rep.Results) != 1 || rep.Results[0].Status != app.EventAccepted {
			t.Fatalf("push %s into %s through server %d: %+v %v", ev.ID, code, i%2, rep, err)
		}
	}
	// B: one meal. A, afterwards: the same event id and two more, through
	// the two servers in turn, the last after a gap in the sequence (an
	// alarm, A's only).
	push("B002", 1, meal(1, day, "P2", "A2"))
	b0 := bState()
	push("A001", 0, meal(1, day, "P1", "A1"))
	push("A001", 1, meal(2, day, "P2", "A2"))
	push("A001", 0, meal(4, day2, "P1", "A1"))
	if got := bState(); got != b0 {
		t.Fatalf("B's store changed by A's pushes:\n%s\n%s", b0, got)
	}

	// Pulls through the other server: each Comune's roster and balances.
	want := map[string]map[app.AccountID]app.Cents{
		"A001": {"A1": 1000 - 600, "A2": 500 - 300},
		"B002": {"A1": 1000, "A2": 500 - 300, "B-ONLY": 700},
	}
	names := map[string]string{"A001": "Alfa", "B002": "Beta"}
	for i, code := range []string{"A001", "B002"} {
		p, err := client(canteen[code], i+1).Pull(ctx, "", 0)
		if err != nil {
			t.Fatalf("pull of %s: %v", code, err)
		}
		if len(p.Accounts) != len(want[code]) || len(p.Pupils) != len(want[code]) {
			t.Errorf("pull of %s: %d accounts, %d pupils", code, len(p.Accounts), len(p.Pupils))
		}
		for _, a := range p.Accounts {
			if !strings.HasPrefix(a.Holder, names[code]) || a.Balance != want[code][a.ID] {
				t.Errorf("pull of %s: account %+v, want the balance %d", code, a, want[code][a.ID])
			}
		}
	}

	// A's counter token on B's own account: unknown (A's store has none);
	// on an id both have: A's family.
	for i := range 2 {
		if _, err := client(counterA, i).Family(ctx, "B-ONLY", day, day); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("A's counter on B's account through server %d: %v", i, err)
		}
		v, err := client(counterA, i).Family(ctx, "A2", day, day)
		if err != nil || !strings.HasPrefix(v.Account.Holder, "Alfa") || v.Account.Balance != 200 {
			t.Errorf("A's counter on A2 through server %d: %+v %v", i, v.Account, err)
		}
		// A's token under B's prefix is no token of B's.
		_, rest, _ := strings.Cut(counterA, ".")
		if _, err := client("B002."+rest, i).Pull(ctx, "", 0); !errors.Is(err, app.ErrUnauthorized) {
			t.Errorf("A's token under B's prefix through server %d: %v", i, err)
		}
	}

	// The commands, both servers running: each Comune its own figures.
	stA, stB := status("A001"), status("B002")
	if stA.Events != 3 || stA.MealsCharged != 3 || stA.Alarms != 1 || stB.Events != 1 || stB.MealsCharged != 1 || stB.Alarms != 0 ||
		stA.Accounts != 2 || stB.Accounts != 3 {
		t.Errorf("status: A %+v, B %+v", stA, stB)
	}
	if out := cmd("alarms", "-comune", "A001"); !strings.Contains(out, app.AlarmSeqGap) || !strings.Contains(out, "1 alarms") {
		t.Errorf("A's alarms:\n%s", out)
	}
	if out := cmd("alarms", "-comune", "B002"); !strings.Contains(out, "0 alarms") {
		t.Errorf("B's alarms:\n%s", out)
	}
	for code, served := range map[string]string{"A001": "2", "B002": "1"} {
		out := cmd("report", "-comune", code, "-day", string(day))
		var total []string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && f[0] == "TOTAL" {
				total = f
			}
		}
		if len(total) < 3 || total[2] != served {
			t.Errorf("%s's report: TOTAL %q, want %s served\n%s", code, total, served, out)
		}
	}
	if out := cmd("kiosks", "-comune", "B002", "-json"); strings.Contains(out, `"kiosk":"c1"`) || !strings.Contains(out, `"kiosk":"k1"`) {
		t.Errorf("B's kiosks (c1 is A's only):\n%s", out)
	}

	// A's kiosk charging B's pupil: refused, written nowhere in B.
	rep, err := client(canteen["A001"], 1).Push(ctx, app.PushBatch{Epoch: "EPOCH1", Events: []app.OutboxEvent{meal(5, day, "PB", "B-ONLY")}})
	if err != nil || len(rep.Results) != 1 || rep.Results[0].Status != app.EventRejected {
		t.Errorf("A's kiosk charging B's pupil: %+v %v", rep, err)
	}

	// Revoked in A: A's k1 refused by both servers, B's k1 goes on.
	if out := cmd("revoke", "-comune", "A001", "-kiosk", "k1"); !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %s", out)
	}
	for i := range 2 {
		if _, err := client(canteen["A001"], i).Pull(ctx, "", 0); !errors.Is(err, app.ErrUnauthorized) {
			t.Errorf("A's revoked k1 through server %d: %v", i, err)
		}
		if _, err := client(canteen["B002"], i).Pull(ctx, "", 0); err != nil {
			t.Errorf("B's k1 through server %d after A revoked its k1: %v", i, err)
		}
	}
	if got := bState(); got != b0 {
		t.Errorf("B's store changed by A's counter, commands and revocation:\n%s\n%s", b0, got)
	}
	srvA.Terminate(t)
	srvB.Terminate(t)
	// Without -config a Comune's directory is refused (store_marker.go),
	// not opened as an empty bbolt file.
	if _, errOut, err := runCmd(t, bin, "status", "-data", dirB, "-comune", "A001"); err == nil || !strings.Contains(errOut, "-config FILE") {
		t.Errorf("status without -config: %v %s", err, errOut)
	}
}
