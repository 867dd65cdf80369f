package server

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// A kiosk's alarms are aggregated: one record per kiosk, civil day and
// code, with the count, the first time and the latest occurrence's message
// and time. A kiosk that has thousands of events rejected in a day (a
// pupil moved to another family while kiosks were offline) makes one
// rejected_events alarm with a count, not thousands: the office's list
// stays readable, and a push reads only its own kiosk's few records of the
// last day, whatever the day's alarm count (each rejected event is kept
// with its reason in the review list).
//
// bKioskAlarms: kiosk \0 day \0 code → app.Alarm JSON. The alarms that
// name no kiosk (receipts, a restored server) stay one record each in
// bAlarms, as before (each asks the office for one action).
var bKioskAlarms = []byte("kiosk_alarms")

// maxAlarmMessage bounds a stored alarm's message (bytes).
const maxAlarmMessage = 1024

// storedAlarm is an aggregate as stored: N is the alarm number it took
// when first raised (the office's alarms are keyed by theirs), so that the
// listing keeps the order alarms were raised in.
type storedAlarm struct {
	app.Alarm
	N uint64 `json:"n"`
}

// raiseKioskAlarm adds n occurrences of a (with KioskID set) to its
// aggregate for day, and returns the aggregate.
func raiseKioskAlarm(tx kv.Tx, day app.Day, a app.Alarm, n int) (app.Alarm, error) {
	a.Message = cutMessage(a.Message)
	b := tx.Bucket(bKioskAlarms)
	k := key(a.KioskID, string(day), a.Code)
	var st storedAlarm
	if v := b.Get(k); v != nil {
		if err := json.Unmarshal(v, &st); err != nil {
			return a, fmt.Errorf("alarm %q: stored: %w", k, err)
		}
	} else {
		meta := tx.Bucket(bMeta)
		st = storedAlarm{Alarm: app.Alarm{Code: a.Code, KioskID: a.KioskID, Day: day, First: a.At}, N: getU64(meta, kAlarmN) + 1}
		if err := meta.Put(kAlarmN, u64(st.N)); err != nil {
			return a, err
		}
	}
	agg := &st.Alarm
	agg.Count += max(n, 1)
	if !a.At.Before(agg.At) {
		agg.At, agg.Message = a.At, a.Message
	}
	if agg.First.IsZero() || a.At.Before(agg.First) {
		agg.First = a.At
	}
	data, err := json.Marshal(st)
	if err != nil {
		return *agg, err
	}
	return *agg, b.Put(k, data)
}

// recentKioskAlarms are a kiosk's aggregates whose latest occurrence is at
// or after since, the newest central.MaxReplyAlarms of them, oldest first.
// It reads only the kiosk's records from since's day on.
func recentKioskAlarms(tx kv.Tx, kiosk string, since time.Time, loc *time.Location) ([]app.Alarm, error) {
	prefix := append([]byte(kiosk), 0)
	// A day starts in loc; the day before since's covers any offset.
	from := key(kiosk, since.In(loc).AddDate(0, 0, -1).Format(time.DateOnly))
	var out []app.Alarm
	c := tx.Bucket(bKioskAlarms).Cursor()
	for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var a app.Alarm
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, fmt.Errorf("alarm %q: stored: %w", k, err)
		}
		if !a.At.Before(since) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(x, y app.Alarm) int { return x.At.Compare(y.At) })
	if len(out) > central.MaxReplyAlarms {
		out = out[len(out)-central.MaxReplyAlarms:]
	}
	return out, nil
}

// cutMessage bounds a message, on a character boundary.
func cutMessage(m string) string {
	if len(m) <= maxAlarmMessage {
		return m
	}
	cut := maxAlarmMessage - len("…")
	for cut > 0 && !utf8.RuneStart(m[cut]) {
		cut--
	}
	return m[:cut] + "…"
}

// Alarms lists the alarms in the order they were first raised: the
// office's (one each) and the kiosks' aggregates (one per kiosk, day and
// code, with its count, first time and latest message).
func (s *Server) Alarms() ([]app.Alarm, error) {
	var all []storedAlarm
	err := s.db.View(func(tx kv.Tx) error {
		all = all[:0]
		err := tx.Bucket(bAlarms).ForEach(func(k, v []byte) error {
			st := storedAlarm{N: binary.BigEndian.Uint64(k)}
			if err := json.Unmarshal(v, &st.Alarm); err != nil {
				return fmt.Errorf("alarm %x: %w", k, err)
			}
			all = append(all, st)
			return nil
		})
		if err != nil {
			return err
		}
		return forEachStored(tx.Bucket(bKioskAlarms), "alarm %q", func(k []byte, st storedAlarm) error {
			all = append(all, st)
			return nil
		})
	})
	slices.SortStableFunc(all, func(x, y storedAlarm) int { return cmp.Compare(x.N, y.N) })
	out := make([]app.Alarm, len(all))
	for i, st := range all {
		out[i] = st.Alarm
	}
	return out, err
}
