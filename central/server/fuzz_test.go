package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
)

// The fuzz targets drive the real server (bbolt file, HTTP on loopback).
// Each input must get an answer below 500, and a refused input must leave
// the store as it was.

func FuzzPushBody(f *testing.F) {
	e := newEnv(f)
	tok := e.token("k1")
	mustImport(f, e.s, fixture())
	seed := func(b app.PushBatch) {
		data, _ := json.Marshal(b)
		f.Add(data)
	}
	seed(app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1")}})
	seed(app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m2", 3, "k1", "P3"), voidEvent("v1", 4, "m2")}})
	seed(app.PushBatch{Epoch: "E2", Events: []app.OutboxEvent{{ID: "s", Seq: 1, Kind: app.EventStaffAction, At: testNow, Payload: json.RawMessage(`{"staff_id":"S1","action":"x"}`)}}})
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"epoch":"E","events":null}`, `{"epoch":"E","events":[{"id":"a","seq":1}]}`,
		`{"epoch":"E","events":[{"id":"a","seq":-1}]}`, `{"epoch":"E","events":[]}x`, `{"epoch":"E","events":[{"id":"a","seq":1,"kind":"meal.recorded","payload":{"event_id":"a","price":1e99}}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		before := e.counts()
		code, resp := e.pushRaw(tok, body)
		if code >= 500 {
			t.Fatalf("%d %s", code, resp)
		}
		if code >= 400 {
			if after := e.counts(); after != before {
				t.Fatalf("refused (%d %s) but wrote: %+v → %+v", code, resp, before, after)
			}
			return
		}
		var r app.PushReply
		if err := json.Unmarshal(resp, &r); err != nil {
			t.Fatalf("200 with a body that is not a PushReply: %v %s", err, resp)
		}
	})
}

func FuzzPullQuery(f *testing.F) {
	e := newEnv(f)
	tok := e.token("k1")
	mustImport(f, e.s, fixture())
	cur := e.pull(tok, "", 3, "").Cursor
	for _, q := range []string{"", "limit=2", "cursor=" + cur, "cursor=" + cur + "&limit=1&epoch=E1", "limit=99999999999999999999",
		"cursor=%", "limit=1&limit=1", "epoch=" + string(make([]byte, 300)), "cursor=AAAA", ";;&&=="} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e.t = t
		before := e.counts()
		req, err := http.NewRequest(http.MethodGet, e.base+central.PathPull, nil)
		if err != nil {
			t.Skip()
		}
		req.URL.RawQuery = q
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := e.http.Do(req)
		if err != nil {
			t.Skip() // a query Go's client will not send
		}
		var page app.PullPage
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 500:
			t.Fatalf("%q: %d", q, resp.StatusCode)
		case resp.StatusCode == 200 && (err != nil || page.Cursor == "" || page.ServerTime.IsZero()):
			t.Fatalf("%q: 200 but not a page: %v", q, err)
		}
		if after := e.counts(); after != before {
			t.Fatalf("a pull wrote: %+v → %+v", before, after)
		}
	})
}

func FuzzImportJSON(f *testing.F) {
	s, err := openTest(f, f.TempDir(), Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	fx := fixture()
	fx.Staff = nil // PIN hashing is slow; staff are seeded below with a hash
	seed, _ := json.Marshal(fx)
	f.Add(seed)
	// testdata/import.json minus its plain PIN (hashing one takes long
	// enough to starve the fuzzer).
	if data, err := os.ReadFile("testdata/import.json"); err == nil {
		f.Add(bytes.ReplaceAll(data, []byte(`"pin": "4821"`), []byte(`"pin_hash": "pbkdf2-sha256$1000$c2FsdA$c2FsdA"`)))
	}
	f.Add([]byte(`{"deleted":[{"kind":"badge","id":"0102"}]}`))
	f.Add([]byte(`{"pupils":[{"id":"P9","account_id":"A1","first_name":"A","last_name":"B","weekdays":[1,1]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		before, err := s.Counts()
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseImportJSON("fuzz.json", data)
		if err == nil {
			_, err = s.Import(d)
		}
		if err != nil {
			if after, _ := s.Counts(); after != before {
				t.Fatalf("refused (%v) but wrote: %+v → %+v", err, before, after)
			}
		}
	})
}

func FuzzImportCSV(f *testing.F) {
	s, err := openTest(f, f.TempDir(), Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	files, _ := filepath.Glob("testdata/csv/*.csv")
	for _, path := range files {
		data, _ := os.ReadFile(path)
		for i, sp := range csvSpecs {
			if sp.file == filepath.Base(path) && sp.kind != app.KindStaff {
				f.Add(uint8(i), data)
			}
		}
	}
	f.Add(uint8(3), []byte("id,account_id,first_name,last_name\n\"P\"\"1\",A1,x,y\n"))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		sp := csvSpecs[int(kind)%len(csvSpecs)]
		before, err := s.Counts()
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseCSV(sp.file, data)
		if err == nil {
			_, err = s.Import(d)
		}
		if err != nil {
			if after, _ := s.Counts(); after != before {
				t.Fatalf("refused (%v) but wrote: %+v → %+v", err, before, after)
			}
		}
	})
}
