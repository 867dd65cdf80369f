package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"mensakiosk/app"
)

// bigRoster is a large Comune: n pupils in families (about 0.7 accounts a
// pupil), one badge each, and a cancelled booking for one pupil in five.
func bigRoster(n int) ImportData { return comuneRoster(n, n*7/10) }

// comuneRoster is bigRoster with nAcc family accounts.
func comuneRoster(n, nAcc int) ImportData {
	var d ImportData
	d.FeeBands = []app.FeeBand{{Code: "A", Name: "Fascia A", MealPrice: 150}, {Code: "B", Name: "Fascia B", MealPrice: 320}, {Code: "C", Name: "Fascia C", MealPrice: 480}}
	d.Diets = []app.Diet{{Code: "GLU", Name: "Senza glutine", Allergens: []string{"glutine"}}}
	for i := range nAcc {
		d.Accounts = append(d.Accounts, app.Account{ID: app.AccountID(fmt.Sprintf("ACC%06d", i)), Holder: fmt.Sprintf("Genitore %d", i), Balance: 5000})
	}
	wd := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	for i := range n {
		p := app.Pupil{ID: app.PupilID(fmt.Sprintf("PUP%06d", i)), AccountID: app.AccountID(fmt.Sprintf("ACC%06d", i%nAcc)),
			FirstName: "Nome", LastName: fmt.Sprintf("Cognome%d", i), School: "Primaria G. Rodari", Class: fmt.Sprintf("%dA", i%5+1),
			Weekdays: wd, FeeBand: []string{"A", "B", "C"}[i%3]}
		if i%40 == 0 {
			p.Diet = &app.Diet{Code: "GLU"}
		}
		d.Pupils = append(d.Pupils, p)
		d.Badges = append(d.Badges, app.Badge{ID: app.BadgeID(fmt.Sprintf("01%08X", i)), PupilID: p.ID})
		if i%5 == 0 {
			d.Bookings = append(d.Bookings, app.Booking{PupilID: p.ID, Day: testDay, Cancelled: true})
		}
	}
	return d
}

// BenchmarkPullFirst50k: a new kiosk's first pull of a 50,000-pupil
// Comune, every page over HTTP on loopback, decoded as the kiosk does; on
// bbolt and on PostgreSQL (bench_stores_test.go).
func BenchmarkPullFirst50k(b *testing.B) {
	p := newBenchPair(b)
	boltTok, pgTok := p.importBoth(b, 50_000)
	tok := func(bolt bool) string {
		if bolt {
			return boltTok
		}
		return pgTok
	}
	for _, limit := range []int{5000, 10_000} {
		b.Run(fmt.Sprint("limit", limit), func(b *testing.B) {
			p.compare(b, 50_000, "pupils", func(e *env, bolt bool) {
				all, _ := e.pullAll(tok(bolt), "", limit)
				if len(all.Pupils) != 50_000 {
					b.Fatalf("%d pupils", len(all.Pupils))
				}
			})
		})
	}
	// The server's share alone: pages built, not sent or decoded.
	b.Run("server-only", func(b *testing.B) {
		p.compare(b, 50_000, "pupils", func(e *env, _ bool) {
			cursor := ""
			for {
				body, err := e.s.Pull("bench", cursor, 10_000, "")
				if err != nil {
					b.Fatal(err)
				}
				var tail struct {
					Cursor string `json:"cursor"`
					More   bool   `json:"more"`
				}
				// The tail is at the end; decode just it.
				if err := json.Unmarshal(append([]byte("{"), body[bytes.LastIndex(body, []byte(`"cursor":`)):]...), &tail); err != nil {
					b.Fatal(err)
				}
				if cursor = tail.Cursor; !tail.More {
					break
				}
			}
		})
	})
}

// BenchmarkPullEmpty: the delta pull a synced kiosk makes every few
// seconds: nothing changed (the most frequent request); on bbolt and on
// PostgreSQL.
func BenchmarkPullEmpty(b *testing.B) {
	p := newBenchPair(b)
	boltTok, pgTok := p.importBoth(b, 50_000)
	paths := map[bool]string{}
	for bolt, e := range map[bool]*env{true: p.bolt, false: p.pg} {
		tok := map[bool]string{true: boltTok, false: pgTok}[bolt]
		all, _ := e.pullAll(tok, "", 10_000)
		paths[bolt] = pullPath(all.Cursor, 5000, "E1")
	}
	p.compare(b, 0, "", func(e *env, bolt bool) {
		tok := pgTok
		if bolt {
			tok = boltTok
		}
		code, body, _ := e.do(http.MethodGet, paths[bolt], tok, nil)
		if code != 200 || len(body) > 1000 {
			b.Fatalf("%d %d bytes", code, len(body))
		}
	})
}

// BenchmarkPush10k: 10,000 meals in batches of 1,000 over HTTP, each
// batch one durable commit; on bbolt and on PostgreSQL.
func BenchmarkPush10k(b *testing.B) {
	p := newBenchPair(b)
	boltTok, pgTok := p.importBoth(b, 20_000)
	seqs := map[bool]uint64{}
	iters := map[bool]int{}
	p.compare(b, 10_000, "events", func(e *env, bolt bool) {
		tok := pgTok
		if bolt {
			tok = boltTok
		}
		i := iters[bolt]
		iters[bolt]++
		seq := seqs[bolt]
		day := testNow.AddDate(0, 0, -1-i)
		for batch := range 10 {
			pb := app.PushBatch{Epoch: "BENCH"}
			for j := range 1000 {
				seq++
				n := batch*1000 + j
				m := app.Meal{EventID: fmt.Sprintf("ev-%d-%d", i, n), Seq: seq, KioskID: "bench", PupilID: app.PupilID(fmt.Sprintf("PUP%06d", n)),
					AccountID: app.AccountID(fmt.Sprintf("ACC%06d", n%14_000)), Day: app.DayOf(day, time.UTC), Service: app.ServiceLunch,
					Price: 320, At: day, Via: app.ViaBadge}
				pb.Events = append(pb.Events, mealEvent(m))
			}
			r := e.push(tok, pb)
			if r.Kiosk.AckedSeq != seq || r.Results[999].Status != app.EventAccepted {
				b.Fatalf("acked %d, want %d; %+v", r.Kiosk.AckedSeq, seq, r.Results[999])
			}
		}
		seqs[bolt] = seq
	})
}
