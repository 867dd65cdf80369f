package server

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
)

func voidBy(id string, seq uint64, mealID, staff string) app.OutboxEvent {
	return outboxEvent(id, seq, app.EventMealVoided, testNow, app.MealVoid{MealEventID: mealID, Reason: "wrong badge", StaffID: staff})
}

// TestVoidAuthority: a void from another kiosk, in the name of a staff id
// the roster does not know (or no longer knows), or of a staff member
// whose role may not void, is refused with its code, gives nothing back
// and raises a void_refused alarm; the recording kiosk's void by a known
// staff member gives the meal back.
func TestVoidAuthority(t *testing.T) {
	e := newEnv(t)
	d := fixture()
	d.Staff = append(d.Staff, ImportStaff{ID: "S2", Name: "Ugo Bianchi", Role: app.StaffOffice, PIN: "5678"})
	mustImport(t, e.s, d)
	// A staff record of a role this server does not let void (a roster
	// written by a later version).
	if err := e.s.db.Update(func(tx kv.Tx) error {
		data, _ := json.Marshal(app.Staff{ID: "S9", Name: "Ospite", Role: "visitor"})
		_, _, err := putRecord(tx, app.KindStaff, "S9", data)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	k1, k2 := e.roleToken("k1", RoleCanteen), e.roleToken("k2", RoleCanteen)
	e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1")}})
	// S2 leaves the roster.
	d.Deleted = []app.Ref{{Kind: app.KindStaff, ID: "S2"}}
	d.Staff = d.Staff[:1]
	mustImport(t, e.s, d)
	charged := e.balance("A1")

	// Alarms are aggregated per code, kiosk and day: count the refusals.
	refusals := func() int {
		n := 0
		for _, a := range alarmsOf(t, e.s, app.AlarmVoidRefused) {
			n += max(a.Count, 1)
		}
		return n
	}
	for _, c := range []struct {
		name, token, staff, code string
	}{
		{"another kiosk", k2, "S1", app.RejectVoidOtherKiosk},
		{"unknown staff", k1, "NOBODY", app.RejectVoidUnknownStaff},
		{"staff gone from the roster", k1, "S2", app.RejectVoidUnknownStaff},
		{"staff who may not void", k1, "S9", app.RejectVoidNotAllowed},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := refusals()
			id := "v-" + strings.ReplaceAll(c.name, " ", "-")
			epoch := "E1"
			var seq uint64 = 2
			if c.token == k2 {
				epoch, seq = "E2", 1
			}
			if c.code != app.RejectVoidOtherKiosk {
				seq = uint64(refusals() + 2)
			}
			r := e.push(c.token, app.PushBatch{Epoch: epoch, Events: []app.OutboxEvent{voidBy(id, seq, "m1", c.staff)}})
			a := r.Results[0]
			if a.Status != app.EventRejected || a.Code != c.code || !strings.HasPrefix(a.Reason, c.code+": ") {
				t.Fatalf("void answered %+v, want rejected %s", a, c.code)
			}
			if b := e.balance("A1"); b != charged {
				t.Fatalf("a refused void gave back: balance %d, want %d", b, charged)
			}
			if it := storedEvent(t, e.s, "m1"); it.Voided || !it.Charged {
				t.Fatalf("meal after a refused void: %+v", it)
			}
			if n := refusals(); n != before+1 || !slices.Contains(alarmCodes(r.Alarms), app.AlarmVoidRefused) {
				t.Fatalf("void_refused alarms %d → %d (reply %v)", before, n, alarmCodes(r.Alarms))
			}
			// Sent again, it is answered the same, with its code.
			r = e.push(c.token, app.PushBatch{Epoch: epoch, Events: []app.OutboxEvent{voidBy(id, seq, "m1", c.staff)}})
			if a := r.Results[0]; a.Status != app.EventRejected || a.Code != c.code {
				t.Fatalf("re-sent void answered %+v", a)
			}
		})
	}
	// Review lists the refusals with their codes.
	items, err := e.s.Review()
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]int{}
	for _, it := range items {
		codes[it.Code]++
	}
	if codes[app.RejectVoidOtherKiosk] != 1 || codes[app.RejectVoidUnknownStaff] != 2 || codes[app.RejectVoidNotAllowed] != 1 {
		t.Errorf("review codes %v", codes)
	}
	// The recording kiosk, a known staff member: given back.
	r := e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{voidBy("v-ok", 5, "m1", "S1")}})
	if a := r.Results[0]; a.Status != app.EventAccepted {
		t.Fatalf("rightful void: %+v", a)
	}
	if b := e.balance("A1"); b != 1000 {
		t.Errorf("after the rightful void: balance %d, want 1000", b)
	}
}

// TestOfficeVoid: the office voids any kiosk's meal through the admin
// command (here its socket, as `central void` reaches a running server),
// once; the audit trail lists it.
func TestOfficeVoid(t *testing.T) {
	e, client, _ := serveAdmin(t)
	e.clock = apptest.NewClock(testNow)
	mustImport(t, e.s, fixture())
	k1 := e.roleToken("k1", RoleCanteen)
	e.push(k1, app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1"), mealOn("m2", 2, "P3", testDay, 0)}})
	if b := e.balance("A1"); b != 550 {
		t.Fatalf("balance %d", b)
	}
	it, err := client.OfficeVoid("m1", "pasto non consumato", "U. Rossi")
	if err != nil {
		t.Fatal(err)
	}
	if !it.Voided || it.Charged || it.VoidedBy != officeVoidPrefix+"m1" {
		t.Fatalf("voided meal %+v", it)
	}
	if b := e.balance("A1"); b != 1000 {
		t.Errorf("after the office void: balance %d, want 1000", b)
	}
	// Again: nothing more.
	if _, err := client.OfficeVoid("m1", "pasto non consumato", ""); err != nil {
		t.Fatal(err)
	}
	// In-process too, for a meal charged at the server's price.
	if _, err := e.s.OfficeVoid("m2", "errore", ""); err != nil {
		t.Fatal(err)
	}
	if a1, a2 := e.balance("A1"), e.balance("A2"); a1 != 1000 || a2 != 300 {
		t.Errorf("after the office voids: A1 %d A2 %d", a1, a2)
	}
	for _, bad := range [][2]string{{"nope", "x"}, {"m1", ""}} {
		if _, err := client.OfficeVoid(bad[0], bad[1], ""); err == nil {
			t.Errorf("office void %q %q accepted", bad[0], bad[1])
		}
	}
	audit, err := e.s.Audit(AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var office []AuditEntry
	for _, a := range audit {
		if a.KioskID == OfficeKiosk {
			office = append(office, a)
		}
	}
	if len(office) != 2 || office[0].StaffID != "U. Rossi" || office[1].StaffID != "office" {
		t.Errorf("audit of office voids: %+v", office)
	}
}
