package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
)

// Two servers on one store, as two server processes behind a balancer on
// one PostgreSQL database (on bbolt, two Servers on the one open file: the
// same rules, one process). A kiosk reaches either on each request.

// besideFixture: n families of one pupil each, 100,00 € each, meals at
// 4,50 € (fee band B), every holder with a codice fiscale (top-ups).
func besideFixture(n int) ImportData {
	wd := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	d := ImportData{FeeBands: []app.FeeBand{{Code: "B", Name: "Fascia B", MealPrice: 450}}}
	for i := range n {
		acc := app.AccountID(fmt.Sprintf("A%03d", i))
		d.Accounts = append(d.Accounts, app.Account{ID: acc, Holder: fmt.Sprintf("Famiglia %d", i), HolderFiscalCode: holderCF, Balance: 10000})
		d.Pupils = append(d.Pupils, app.Pupil{ID: app.PupilID(fmt.Sprintf("P%03d", i)), AccountID: acc, FirstName: "Nome",
			LastName: fmt.Sprintf("Cognome%d", i), School: "Rodari", Class: "3A", Weekdays: wd, FeeBand: "B"})
	}
	return d
}

// besideMeal is pupil i's meal on testDay, recorded by kiosk at seq.
func besideMeal(kiosk string, seq uint64, i int) app.OutboxEvent {
	return mealEvent(app.Meal{EventID: fmt.Sprintf("%s-m%d", kiosk, seq), Seq: seq, KioskID: kiosk,
		PupilID: app.PupilID(fmt.Sprintf("P%03d", i)), AccountID: app.AccountID(fmt.Sprintf("A%03d", i)), Day: testDay,
		Service: app.ServiceLunch, Price: 450, At: testNow.Add(-time.Minute), Via: app.ViaBadge})
}

// pushTo posts a batch to base; for goroutines (no t.Fatal).
func pushTo(hc *http.Client, base, token string, b app.PushBatch) (app.PushReply, error) {
	var r app.PushReply
	body, err := json.Marshal(b)
	if err != nil {
		return r, err
	}
	req, err := http.NewRequest(http.MethodPost, base+central.PathEvents, bytes.NewReader(body))
	if err != nil {
		return r, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return r, fmt.Errorf("push to %s: %d %s", base, resp.StatusCode, buf.Bytes())
	}
	return r, json.NewDecoder(resp.Body).Decode(&r)
}

// TestServersBesideServeKiosksAlternately: kiosks push and pull through
// either of two servers on one store, in turn and at once. Cursors one
// hands out are deltas at the other; every event is stored once, even when
// the same batch reaches both at the same moment; the acknowledged
// sequence follows the stream whichever server answers; balances are
// exact; no alarm.
func TestServersBesideServeKiosksAlternately(t *testing.T) {
	a := newEnv(t)
	const families = 44
	mustImport(t, a.s, besideFixture(families))
	b := newEnvBeside(a)
	servers := []*env{a, b}
	charged := map[int]int{} // pupil → meals charged

	// In turn: each batch through one server, then again (a retry whose
	// answer was lost) through the other.
	kiosks := []string{"k0", "k1", "k2"}
	tokens := map[string]string{}
	for i, k := range kiosks {
		tokens[k] = servers[i%2].token(k) // a token made through either works at both
	}
	pupil := 0
	for round := range 4 {
		for ki, k := range kiosks {
			seq := uint64(2*round + 1)
			batch := app.PushBatch{Epoch: "E-" + k, Events: []app.OutboxEvent{besideMeal(k, seq, pupil), besideMeal(k, seq+1, pupil+1)}}
			charged[pupil]++
			charged[pupil+1]++
			pupil += 2
			first, second := servers[(round+ki)%2], servers[(round+ki+1)%2]
			r := first.push(tokens[k], batch)
			for _, res := range r.Results {
				if res.Status != app.EventAccepted {
					t.Fatalf("%s round %d: %s %s, want accepted", k, round, res.ID, res.Status)
				}
			}
			if r.Kiosk.AckedSeq != seq+1 {
				t.Fatalf("%s round %d: acked %d, want %d (the stream so far, through both servers)", k, round, r.Kiosk.AckedSeq, seq+1)
			}
			again := second.push(tokens[k], batch)
			for _, res := range again.Results {
				if res.Status != app.EventDuplicate {
					t.Fatalf("%s round %d: the retry through the other server: %s %s, want duplicate", k, round, res.ID, res.Status)
				}
			}
		}
	}

	// Pulls page by page, each page through the other server.
	tok := tokens["k0"]
	var all app.PullPage
	cursor := ""
	for i := 0; ; i++ {
		p := servers[i%2].pull(tok, cursor, 7, "")
		if i > 0 && p.Reset != all.Reset {
			t.Fatalf("page %d: reset %v after %v: the cursor of one server read as foreign at the other", i, p.Reset, all.Reset)
		}
		all.Reset = p.Reset
		all.Accounts = append(all.Accounts, p.Accounts...)
		all.Pupils = append(all.Pupils, p.Pupils...)
		cursor = p.Cursor
		if !p.More {
			break
		}
	}
	if !all.Reset || len(all.Accounts) != families || len(all.Pupils) != families {
		t.Fatalf("first pull through both: reset %v, %d accounts, %d pupils; want a reset with %d of each", all.Reset, len(all.Accounts), len(all.Pupils), families)
	}
	// A change made through b is the whole delta of a's cursor, and the
	// reverse.
	for i, via := range servers {
		d := besideFixture(families)
		d.Accounts = []app.Account{d.Accounts[i]}
		d.Accounts[0].Holder += " (nuovo titolare)"
		d.Pupils = nil
		mustImport(t, via.s, d)
		p := servers[1-i].pull(tok, cursor, 100, "")
		if p.Reset || p.Len() != 1 || len(p.Accounts) != 1 || p.Accounts[0].Holder != d.Accounts[0].Holder {
			t.Fatalf("delta through the other server after a change through %d: reset %v, %d records %+v", i, p.Reset, p.Len(), p.Accounts)
		}
		cursor = p.Cursor
	}

	// At once: each kiosk's batches go to both servers at the same moment
	// (a balancer retrying on the other while the first still works).
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for ki, k := range []string{"k3", "k4", "k5", "k6"} {
		tok := a.token(k)
		start := pupil + ki*5
		for i := range 5 {
			charged[start+i]++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				batch := app.PushBatch{Epoch: "E-" + k, Events: []app.OutboxEvent{besideMeal(k, uint64(i+1), start+i)}}
				var replies [2]app.PushReply
				var both sync.WaitGroup
				for si, s := range servers {
					both.Add(1)
					go func() {
						defer both.Done()
						r, err := pushTo(s.http, s.base, tok, batch)
						if err != nil {
							errs <- err
						}
						replies[si] = r
					}()
				}
				both.Wait()
				var st []app.EventStatus
				for _, r := range replies {
					for _, res := range r.Results {
						st = append(st, res.Status)
					}
				}
				accepted := 0
				for _, s := range st {
					if s == app.EventAccepted {
						accepted++
					}
				}
				if accepted != 1 || len(st) != 2 {
					errs <- fmt.Errorf("%s seq %d pushed through both at once: answers %v, want one accepted and one duplicate", k, i+1, st)
				}
				for _, r := range replies {
					if r.Kiosk.AckedSeq != uint64(i+1) {
						errs <- fmt.Errorf("%s seq %d: acked %d", k, i+1, r.Kiosk.AckedSeq)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	meals := 0
	for i := range families {
		meals += charged[i]
		want := app.Cents(10000 - 450*charged[i])
		for _, s := range servers {
			if got := s.balance(app.AccountID(fmt.Sprintf("A%03d", i))); got != want {
				t.Errorf("balance of A%03d: %d, want %d", i, got, want)
			}
		}
	}
	for si, s := range servers {
		c := s.counts()
		if c.Events != meals || c.MealsCharged != meals || c.Alarms != 0 || c.Review != 0 {
			t.Errorf("server %d: %d events, %d charged, %d alarms, %d to review; want %d, %d, 0, 0", si, c.Events, c.MealsCharged, c.Alarms, c.Review, meals, meals)
		}
	}
}

// TestServersBesideNoticeCodesNeverRepeat: top-ups made at once through
// two servers on one store get distinct notice codes (each one the next
// IUV base, taken in the top-up's serializable transaction), and one
// idempotency key sent to both at once makes one notice.
func TestServersBesideNoticeCodesNeverRepeat(t *testing.T) {
	a := newEnv(t)
	mustImport(t, a.s, besideFixture(4))
	b := newEnvBeside(a)
	const each = 12
	var mu sync.Mutex
	codes := map[string]string{} // notice code → idempotency key
	var wg sync.WaitGroup
	for si, s := range []*Server{a.s, b.s} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := fmt.Sprintf("s%d-k%d", si, i)
				n, created, err := s.CreateTopUp("counter-1", app.TopUpRequest{AccountID: app.AccountID(fmt.Sprintf("A%03d", i%4)), Amount: 1000, IdempotencyKey: k})
				if err != nil || !created {
					t.Errorf("top-up %s through server %d: created %v, %v", k, si, created, err)
					return
				}
				mu.Lock()
				if other, dup := codes[n.NoticeCode]; dup {
					t.Errorf("notice code %s given to %s and %s", n.NoticeCode, other, k)
				}
				codes[n.NoticeCode] = k
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(codes) != 2*each {
		t.Fatalf("%d distinct notice codes, want %d", len(codes), 2*each)
	}
	// One key through both at once: one notice, the same answer.
	var got [2]app.Notice
	var made [2]bool
	for si, s := range []*Server{a.s, b.s} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, created, err := s.CreateTopUp("counter-1", app.TopUpRequest{AccountID: "A000", Amount: 700, IdempotencyKey: "same-key"})
			if err != nil {
				t.Errorf("server %d: %v", si, err)
			}
			got[si], made[si] = n, created
		}()
	}
	wg.Wait()
	if got[0].NoticeCode != got[1].NoticeCode || made[0] == made[1] {
		t.Fatalf("one key through both: notices %s and %s, created %v", got[0].NoticeCode, got[1].NoticeCode, made)
	}
}

// TestServersBesideSeeTheDatabaseRestored: `central restored` run through
// one server (or beside them) gives the database a new id; a cursor and a
// menu version handed out before are foreign at every server, not only at
// the one that ran it.
func TestServersBesideSeeTheDatabaseRestored(t *testing.T) {
	a := newEnv(t)
	tok := a.token("k1")
	mustImport(t, a.s, fixture())
	b := newEnvBeside(a)
	p := b.pull(tok, "", 1000, "")
	if again := b.pull(tok, p.Cursor, 1000, ""); again.Reset || again.Len() != 0 {
		t.Fatalf("delta before restore: reset %v, %d records", again.Reset, again.Len())
	}
	menuBefore, err := b.s.MenuCalendar(testDay, testDay)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.s.MarkRestored(); err != nil {
		t.Fatal(err)
	}
	if after := b.pull(tok, p.Cursor, 1000, ""); !after.Reset || after.Len() != p.Len() {
		t.Fatalf("pull through the other server after the restore: reset %v, %d records; want a reset with all %d", after.Reset, after.Len(), p.Len())
	}
	menuAfter, err := b.s.MenuCalendar(testDay, testDay)
	if err != nil {
		t.Fatal(err)
	}
	if menuAfter.Version == menuBefore.Version {
		t.Fatalf("menu version %d at the other server after the restore: the same as before", menuAfter.Version)
	}
}

// TestServersBesideTellGPDOnce: two servers on one store both run the GPD
// worker over the one outbox; each position is created on GPD once, by
// whichever server took its lease, never by both (no create answered 409,
// no read-back), and every notice ends payable. Payments both read back at
// once are credited once.
func TestServersBesideTellGPDOnce(t *testing.T) {
	g := newGPDEnv(t)
	b := openBeside(t, g.s, Options{Clock: g.clock, PagoPA: &g.cfg, Log: slog.New(slog.NewJSONHandler(g.logs, nil))})
	const n = 6
	// GPD unavailable at the top-ups: they wait in the outbox.
	g.sim.FailNext("create", n, http.StatusServiceUnavailable, 0)
	var codes []string
	for i := range n {
		nt, _, err := g.s.CreateTopUp("counter-1", app.TopUpRequest{AccountID: "F1", Amount: 1000, IdempotencyKey: fmt.Sprintf("k%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if nt.Publication == "" {
			t.Fatalf("notice %s payable while GPD fails", nt.NoticeCode)
		}
		codes = append(codes, nt.NoticeCode)
	}
	// GPD back, slow: both workers' rounds overlap.
	g.sim.SetDelay(50 * time.Millisecond)
	g.clock.Set(g.clock.Now().Add(time.Minute))
	var wg sync.WaitGroup
	for _, s := range []*Server{g.s, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.GPDFlush(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	created, statuses := g.creates()
	if created != 2*n {
		t.Errorf("%d creates sent to GPD (%v), want %d: %d refused while GPD was down, then one per position", created, statuses, 2*n, n)
	}
	for _, st := range statuses {
		if st == http.StatusConflict {
			t.Errorf("a create answered 409: both servers told GPD about one position (%v)", statuses)
			break
		}
	}
	for _, c := range codes {
		nt, err := b.Notice(c)
		if err != nil {
			t.Fatal(err)
		}
		if nt.Publication != "" {
			t.Errorf("notice %s: %q after both rounds, want payable", c, nt.Publication)
		}
	}
	if c, err := b.Counts(); err != nil || c.GPDPending != 0 {
		t.Errorf("outbox after both rounds: %d pending (%v)", c.GPDPending, err)
	}
	// Two notices paid on pagoPA, read back by both servers at once:
	// each credited once.
	for i, c := range codes[:2] {
		if err := g.sim.Pay(TestCreditorCF, c, "Banca Esempio", fmt.Sprintf("RCPT-%d", i), g.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	var credited [2]int
	for si, s := range []*Server{g.s, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.GPDRound(context.Background())
			if err != nil {
				t.Error(err)
			}
			credited[si] = n
		}()
	}
	wg.Wait()
	if credited[0]+credited[1] != 2 {
		t.Errorf("credited %v by the two servers, want 2 in all", credited)
	}
	if bal, err := b.Balance("F1"); err != nil || bal != 1000+2*1000 {
		t.Errorf("balance of F1 %d (%v), want %d: each payment credited once", bal, err, 1000+2*1000)
	}
}
