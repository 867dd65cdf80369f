package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// rejectedMeal is a meal the server rejects: the pupil is not the
// account's (a pupil moved to another family while the kiosk was offline).
func rejectedMeal(id string, seq uint64) app.OutboxEvent {
	m := app.Meal{EventID: id, Seq: seq, KioskID: "k1", PupilID: "P1", AccountID: "A2", Day: testDay,
		Service: app.ServiceLunch, Price: 450, At: testNow.Add(-time.Minute), Via: app.ViaBadge}
	return mealEvent(m)
}

// TestRejectedEventsMakeOneAlarm: 10,000 rejected events from one kiosk
// (99 pushes of 100, then 100 pushes of one) make one rejected_events
// alarm for the day with the count, not one per push;
// the kiosk's reply stays small; another kiosk's reply carries none of it.
func TestRejectedEventsMakeOneAlarm(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	other := e.token("k2")
	mustImport(t, e.s, fixture())
	seq := uint64(0)
	// 9,900 in batches of 100 (in-process, the same Push the handler
	// calls), then 100 one per push over HTTP, as a kiosk retrying would.
	for range 99 {
		b := app.PushBatch{Epoch: "E1"}
		for range 100 {
			seq++
			b.Events = append(b.Events, rejectedMeal(fmt.Sprintf("r%d", seq), seq))
		}
		if _, err := e.s.Push("k1", b); err != nil {
			t.Fatal(err)
		}
	}
	var last []byte
	for range 100 {
		seq++
		body, _ := json.Marshal(app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{rejectedMeal(fmt.Sprintf("r%d", seq), seq)}})
		code, data := e.pushRaw(tok, body)
		if code != http.StatusOK {
			t.Fatalf("push: %d %s", code, data)
		}
		last = data
	}
	alarms, err := e.s.Alarms()
	if err != nil {
		t.Fatal(err)
	}
	if len(alarms) != 1 || alarms[0].Code != app.AlarmRejected || alarms[0].Count != 10_000 || alarms[0].KioskID != "k1" {
		t.Fatalf("%d alarms, want one rejected_events with count 10000: %+v", len(alarms), alarms[:min(3, len(alarms))])
	}
	if alarms[0].Message != "kiosk k1: 1 events rejected, kept aside for review" || alarms[0].Day != testDay || !alarms[0].First.Equal(testNow) {
		t.Fatalf("the aggregate's latest example: %+v", alarms[0])
	}
	var r app.PushReply
	if err := json.Unmarshal(last, &r); err != nil {
		t.Fatal(err)
	}
	// A one-event reply: its result, the stream, one alarm. Bounded
	// whatever the day's count (it was 300 KB after 2,000 pushes).
	if len(last) > 2048 || len(r.Alarms) != 1 || r.Alarms[0].Count != 10_000 {
		t.Fatalf("reply of %d bytes with %d alarms: %s", len(last), len(r.Alarms), last[:min(len(last), 600)])
	}
	if c := e.counts(); c.Alarms != 1 || c.Review != 10_000 {
		t.Fatalf("counts %+v", c)
	}
	// Another kiosk's push carries none of k1's alarms.
	r2 := e.push(other, app.PushBatch{Epoch: "F1", Events: []app.OutboxEvent{meal("m1", 1, "k2", "P3")}})
	if len(r2.Alarms) != 0 {
		t.Fatalf("k2's reply carries %v", alarmCodes(r2.Alarms))
	}
	// The next day, a new aggregate; yesterday's stays in the reply for
	// a day (a kiosk that missed it learns it), then drops out.
	e.clock.Set(testNow.Add(24 * time.Hour))
	next := rejectedMeal("r-next", seq+1)
	next.At = testNow.Add(24 * time.Hour)
	r = e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{next}})
	if len(r.Alarms) != 2 || r.Alarms[1].Count != 1 || r.Alarms[0].Count != 10_000 {
		t.Fatalf("next day's reply: %+v", r.Alarms)
	}
	e.clock.Set(testNow.Add(49 * time.Hour))
	r = e.push(tok, app.PushBatch{Epoch: "E1"})
	if len(r.Alarms) != 0 {
		t.Fatalf("two days later: %+v", r.Alarms)
	}
}

// TestReplyAlarmsBounded: however many kinds of alarm a kiosk has in a
// day, a reply carries at most central.MaxReplyAlarms, the newest.
func TestReplyAlarmsBounded(t *testing.T) {
	e := newEnv(t)
	tok := e.token("k1")
	mustImport(t, e.s, fixture())
	err := e.s.db.Update(func(tx kv.Tx) error {
		for i := range 40 {
			a := app.Alarm{Code: fmt.Sprintf("code_%02d", i), KioskID: "k1", At: testNow.Add(time.Duration(i-40) * time.Minute), Message: strings.Repeat("x", 5000)}
			if _, err := raiseKioskAlarm(tx, testDay, a, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := e.push(tok, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1")}})
	if len(r.Alarms) != central.MaxReplyAlarms || r.Alarms[len(r.Alarms)-1].Code != "code_39" {
		t.Fatalf("%d alarms in the reply, the last %s", len(r.Alarms), r.Alarms[len(r.Alarms)-1].Code)
	}
	for _, a := range r.Alarms {
		if len(a.Message) > maxAlarmMessage {
			t.Fatalf("a message of %d bytes", len(a.Message))
		}
	}
}
