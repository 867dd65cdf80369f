package synctest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
)

// floodEvents is how many rejected events the misbehaving kiosk pushes,
// one per push (the worst case: every push raises the alarm again).
const floodEvents = 10_000

// BenchmarkPushBesideAFlood: one kiosk pushes 10,000 events the server
// rejects, one per push (a pupil moved to another family while it was
// offline, retried); another kiosk's one-event push must cost what it cost
// before the flood. Both are measured in the same run, over real HTTP with
// fsync on the server, with a bare bbolt commit as the unit:
//
//	before-µs, after-µs   the median push of the other kiosk, before and after
//	after/before          ≈ 1 when a push's cost does not grow with the day's alarms
//	ctl-after/before      the same on a control server no flood hit: the noise
//	after/ctl-after       after the flood, against the control's pushes interleaved with them
//	push/bare             the push after the flood against one bare commit (fsync)
//	bare-drift            the bare commit after the flood against before: the machine's noise
//	flood-reply-B         the size of the flooding kiosk's last reply
func BenchmarkPushBesideAFlood(b *testing.B) {
	const samples = 300
	for b.Loop() {
		// The server the flood hits, and a control server beside it on
		// the same disk that none hits: after the flood, the other
		// kiosk's pushes alternate between them, so the machine's noise
		// (other work, the disk) falls on both alike.
		rs, ctl := startServer(b, ""), startServer(b, "")
		client := func(rs *realServer, id string) *central.Client {
			tok, err := rs.CreateToken(id, server.RoleCanteen)
			if err != nil {
				b.Fatal(err)
			}
			c, err := central.NewClient(central.ClientConfig{BaseURL: rs.URL, Token: tok, Retries: -1})
			if err != nil {
				b.Fatal(err)
			}
			return c
		}
		good, bad, ctlGood := client(rs, "porta-1"), client(rs, "porta-2"), client(ctl, "porta-1")
		ctx := context.Background()
		seqs := map[*central.Client]uint64{}
		// The other kiosk's push: one audit event, accepted.
		push := func(c *central.Client) time.Duration {
			seqs[c]++
			ev, err := app.NewStaffActionEvent("S1", app.ActionSync, "", time.Now())
			if err != nil {
				b.Fatal(err)
			}
			ev.Seq = seqs[c]
			t0 := time.Now()
			r, err := c.Push(ctx, app.PushBatch{Epoch: "e1", Events: []app.OutboxEvent{ev}})
			d := time.Since(t0)
			if err != nil || r.Results[0].Status != app.EventAccepted {
				b.Fatalf("push: %v %+v", err, r)
			}
			return d
		}
		median := func(ds []time.Duration) time.Duration {
			slices.Sort(ds)
			return ds[len(ds)/2]
		}
		bare := bareCommit(b, samples)
		var before, ctlBefore []time.Duration
		for range samples {
			before = append(before, push(good))
			ctlBefore = append(ctlBefore, push(ctlGood))
		}

		// The flood: a staff action without an action is rejected.
		payload, _ := json.Marshal(app.StaffAction{StaffID: "S1"})
		var replyBytes int
		for i := range floodEvents {
			ev := app.OutboxEvent{ID: fmt.Sprintf("bad%05d", i), Seq: uint64(i + 1), Kind: app.EventStaffAction, At: time.Now(), Payload: payload}
			r, err := bad.Push(ctx, app.PushBatch{Epoch: "e2", Events: []app.OutboxEvent{ev}})
			if err != nil || r.Results[0].Status != app.EventRejected {
				b.Fatalf("flood push %d: %v %+v", i, err, r.Results)
			}
			if i == floodEvents-1 {
				data, _ := json.Marshal(r)
				replyBytes = len(data)
			}
		}
		var after, ctlAfter []time.Duration
		for range samples {
			after = append(after, push(good))
			ctlAfter = append(ctlAfter, push(ctlGood))
		}
		bareAfter := bareCommit(b, samples)
		mb, ma, cb, ca := median(before), median(after), median(ctlBefore), median(ctlAfter)
		b.ReportMetric(float64(bare.Microseconds()), "bare-µs")
		b.ReportMetric(float64(bareAfter)/float64(bare), "bare-drift")
		b.ReportMetric(float64(mb.Microseconds()), "before-µs")
		b.ReportMetric(float64(ma.Microseconds()), "after-µs")
		b.ReportMetric(float64(ma)/float64(mb), "after/before")
		b.ReportMetric(float64(ca)/float64(cb), "ctl-after/before")
		b.ReportMetric(float64(ma)/float64(ca), "after/ctl-after")
		b.ReportMetric(float64(ma)/float64(bare), "push/bare")
		b.ReportMetric(float64(replyBytes), "flood-reply-B")
		rs.stop()
		ctl.stop()
	}
}

// bareCommit is the median of n bare bbolt commits (one small put, fsync).
func bareCommit(b *testing.B, n int) time.Duration {
	db := bareDB(b) // bench_test.go
	defer db.Close()
	ds := make([]time.Duration, n)
	for i := range ds {
		t0 := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("b")).Put(fmt.Appendf(nil, "%08d", i), []byte("x"))
		}); err != nil {
			b.Fatal(err)
		}
		ds[i] = time.Since(t0)
	}
	slices.Sort(ds)
	return ds[n/2]
}
