package central

import (
	"encoding/json"
	"errors"
	"testing"

	"mensakiosk/app"
)

func FuzzDecodePushReply(f *testing.F) {
	b := batch("ep1", 0, 2)
	good, _ := json.Marshal(app.PushReply{ServerTime: t0, Results: []app.EventAck{
		{ID: b.Events[0].ID, Seq: b.Events[0].Seq, Status: app.EventAccepted},
		{ID: b.Events[1].ID, Seq: b.Events[1].Seq, Status: app.EventRejected, Reason: "x", Flags: []string{app.FlagBelowZero}},
	}})
	for _, s := range []string{string(good), "", "null", "{}", "[]", `{"results":null}`, string(good[:len(good)/2]),
		`{"results":[{"id":"ev-000000","seq":1,"status":"accepted"}],"server_time":"2025-03-10T12:00:00Z"}`} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, body []byte, n uint8) {
		bb := b
		if int(n) < len(b.Events) {
			bb.Events = b.Events[:n]
		}
		rep, err := decodePushReply(bb, body)
		if err != nil {
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("error %v does not wrap ErrMalformedReply", err)
			}
			return
		}
		if len(rep.Results) != len(bb.Events) || rep.ServerTime.IsZero() {
			t.Fatalf("accepted reply %+v for %d events", rep, len(bb.Events))
		}
		for i, r := range rep.Results {
			if r.ID != bb.Events[i].ID || r.Seq != bb.Events[i].Seq {
				t.Fatalf("result %d %+v", i, r)
			}
			switch r.Status {
			case app.EventAccepted, app.EventDuplicate, app.EventRejected:
			default:
				t.Fatalf("status %q accepted", r.Status)
			}
		}
	})
}

func FuzzDecodePullPage(f *testing.F) {
	good, _ := json.Marshal(app.PullPage{Cursor: "c1", More: true, ServerTime: t0, Total: 3, Done: 1,
		Delta: app.Delta{Pupils: []app.Pupil{{ID: "P1"}}, Deleted: []app.Ref{{Kind: app.KindBadge, ID: "B1"}}}})
	for _, s := range []string{string(good), "", "null", "{}", `{"cursor":""}`, string(good[:len(good)-1]),
		`{"cursor":"c","server_time":"2025-03-10T12:00:00Z","done":-5}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodePullPage(body)
		if err != nil {
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("error %v does not wrap ErrMalformedReply", err)
			}
			return
		}
		if p.Cursor == "" || p.ServerTime.IsZero() || p.Done < 0 || p.Total < 0 {
			t.Fatalf("accepted page %+v", p)
		}
		for _, pu := range p.Pupils {
			if pu.ID == "" {
				t.Fatal("pupil without id accepted")
			}
		}
	})
}

func FuzzDecodeHealth(f *testing.F) {
	for _, s := range []string{`{"status":"ok","server_time":"2025-03-10T12:00:00Z"}`, "", "{}", "ok"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := decodeHealth(body)
		if err != nil {
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("error %v does not wrap ErrMalformedReply", err)
			}
			return
		}
		if h.Status == "" || h.ServerTime.IsZero() {
			t.Fatalf("accepted %+v", h)
		}
	})
}
