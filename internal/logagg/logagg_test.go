package logagg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mensakiosk/app/apptest"
)

// newClock is apptest's settable clock, whose timers run when it is
// moved (Add).
func newClock() *apptest.Clock {
	return apptest.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestFloodWritesOneLinePerInterval(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock()
	a := New(slog.New(slog.NewJSONHandler(&buf, nil)), time.Minute, 3, WithClock(clk), WithMessage("rejected requests"))
	// 10 minutes of 1,000 events a second over three reasons.
	reasons := []string{"bad_token", "bad_json", "bad_id"}
	n := 0
	for sec := 0; sec < 600; sec++ {
		for i := 0; i < 1000; i++ {
			a.Add(reasons[n%3], fmt.Sprintf("/v1/push #%d", n))
			n++
		}
		clk.Add(time.Second)
	}
	a.Close()
	got := lines(t, &buf)
	if len(got) < 10 || len(got) > 11 {
		t.Fatalf("%d lines for 10 minutes of noise at a 1-minute interval, want 10 or 11", len(got))
	}
	var total float64
	for _, l := range got {
		if l["msg"] != "rejected requests" || l["level"] != "WARN" {
			t.Fatalf("line %v", l)
		}
		total += l["count"].(float64)
		if ex := l["examples"].([]any); len(ex) != 3 {
			t.Fatalf("%d examples, want 3: %v", len(ex), ex)
		}
		by := l["by_reason"].(map[string]any)
		var sum float64
		for _, r := range reasons {
			sum += by[r].(float64)
		}
		if sum != l["count"].(float64) {
			t.Fatalf("by_reason %v does not add up to count %v", by, l["count"])
		}
	}
	if int(total) != n {
		t.Fatalf("lines count %v events, %d were added: some were lost", total, n)
	}
	if buf.Len() > 10*1024 {
		t.Fatalf("%d bytes of log for 600,000 events", buf.Len())
	}
}

func TestTimerWritesTheWindowWithoutAnotherAdd(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock()
	a := New(slog.New(slog.NewJSONHandler(&buf, nil)), time.Minute, 2, WithClock(clk))
	a.Add("bad_json", "{")
	a.Add("bad_json", "[")
	a.Add("bad_json", "x")
	clk.Add(59 * time.Second)
	if buf.Len() != 0 {
		t.Fatalf("written before the interval: %s", buf.String())
	}
	clk.Add(time.Second)
	got := lines(t, &buf)
	if len(got) != 1 || got[0]["count"].(float64) != 3 {
		t.Fatalf("after the interval: %v", got)
	}
	if ex := got[0]["examples"].([]any); len(ex) != 2 || ex[0] != "bad_json: {" {
		t.Fatalf("examples %v", ex)
	}
	// Quiet: nothing more.
	clk.Add(10 * time.Minute)
	if n := len(lines(t, &buf)); n != 1 {
		t.Fatalf("%d lines after a quiet period", n)
	}
	// A new event right after a line waits for its own window.
	a.Add("bad_token", "k")
	a.Flush()
	if n := len(lines(t, &buf)); n != 2 {
		t.Fatalf("Flush wrote %d lines in all, want 2", n)
	}
	if a.Pending() != 0 {
		t.Fatal("pending after Flush")
	}
}

func TestManyReasonsAndLongExamplesStayBounded(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock()
	a := New(slog.New(slog.NewJSONHandler(&buf, nil)), time.Minute, 5, WithClock(clk))
	for i := 0; i < 10000; i++ {
		a.Add(fmt.Sprintf("reason-%d", i), strings.Repeat("\u202e\x00é", 1000))
	}
	a.Close()
	got := lines(t, &buf)
	if len(got) != 1 {
		t.Fatalf("%d lines", len(got))
	}
	by := got[0]["by_reason"].(map[string]any)
	if len(by) != MaxReasons+1 || by[OtherReason].(float64) != 10000-MaxReasons {
		t.Fatalf("%d reasons, other=%v", len(by), by[OtherReason])
	}
	if buf.Len() > 4096 {
		t.Fatalf("one line is %d bytes", buf.Len())
	}
	if strings.ContainsRune(buf.String(), '\u202e') {
		t.Fatal("a right-to-left override reached the log raw")
	}
}

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"kiosk-01", "kiosk-01"},
		{"../../é\u202e", `../../é\u202e`},
		{"a\nb\tc", `a\x0ab\x09c`},
		{"\xff\xfe", `\xff\xfe`},
		{`back\slash`, `back\\slash`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{strings.Repeat("a", 30), strings.Repeat("a", 17) + "…"},
		{strings.Repeat("a", 20), strings.Repeat("a", 20)},
		{strings.Repeat("é", 20), strings.Repeat("é", 8) + "…"},
	} {
		if got := Escape(c.in, 20); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
