package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"mensakiosk/app"
	"mensakiosk/central/server"
)

// TestAlarmsPrintSafely: `central alarms` (table and -json) never prints a
// control or bidi character raw, and shows a kiosk's aggregate with its
// count.
func TestAlarmsPrintSafely(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	alarms := []app.Alarm{
		{Code: "receipt_unknown_notice", Message: "receipt R\u202e1\x1b[2J (psp \u2066X\u2069) for notice 3011", At: at},
		{Code: app.AlarmRejected, KioskID: "k1", Message: "kiosk k1: 1 events rejected", At: at.Add(time.Hour), First: at, Count: 10000, Day: "2026-03-02"},
	}
	var table bytes.Buffer
	printAlarms(&table, alarms)
	var js bytes.Buffer
	if err := jsonLines(&js, alarms); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"table": table.String(), "json": js.String()} {
		for _, r := range out {
			if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
				t.Errorf("%s output holds %U raw:\n%s", name, r, out)
			}
		}
	}
	if !strings.Contains(table.String(), `\u202e`) || !strings.Contains(table.String(), "×10000 since") {
		t.Fatalf("table:\n%s", table.String())
	}
	// The JSON lines are still the same values.
	for i, line := range strings.Split(strings.TrimSpace(js.String()), "\n") {
		var a app.Alarm
		if err := json.Unmarshal([]byte(line), &a); err != nil || a.Message != alarms[i].Message || a.Count != alarms[i].Count {
			t.Fatalf("line %d decodes to %+v (%v)", i, a, err)
		}
	}
}

// TestAuditPrintsSafely: an action or detail a kiosk sent with a bidi
// override or an escape sequence is printed escaped.
func TestAuditPrintsSafely(t *testing.T) {
	var out bytes.Buffer
	e := server.AuditEntry{KioskID: "k1", EventID: "e1", Seq: 1, At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		StaffAction: app.StaffAction{StaffID: "S1", Action: "login\u202e", Detail: "\x1b[2Jx\u2066"}}
	if err := writeAudit(&out, []server.AuditEntry{e}); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.String() {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) {
			t.Fatalf("audit output holds %U raw:\n%s", r, out.String())
		}
	}
	if !strings.Contains(out.String(), `login\u202e`) {
		t.Fatalf("audit output:\n%s", out.String())
	}
}
