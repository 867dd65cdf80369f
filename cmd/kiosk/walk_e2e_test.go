//go:build e2e

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
)

// TestEndToEndWalk walks the real binary under Xvfb through every screen of
// both roles, by clicks where the widgets are (the demo panel plays the
// badges), and after each step checks the screenshot (not blank: colours
// and foreground in the main area) and the window's size from the X
// server (it must keep its configured 1600x900: a view that grows the
// window pushes its footer off a real screen). The screenshots are kept
// (the directory is printed). Steps that fail name the screen; the walk
// goes on where it can, so one run shows every defect.
func TestEndToEndWalk(t *testing.T) {
	display := startXvfb(t)
	const W, H = 1600, 900
	for _, role := range []string{"canteen", "counter"} {
		t.Run(role, func(t *testing.T) {
			x := startDemoWindow(t, display, role, W, H, func(cfg *Config) {
				cfg.Counter.IdleSeconds = app.MinIdleSeconds
				cfg.Staff.IdleSeconds = 120
			})
			c := x.c
			step := 0
			shot := func(name string) {
				t.Helper()
				step++
				x.shot(role+"-"+twoDigits(step)+"-"+name, W, H)
			}
			if role == "canteen" {
				walkCanteen(t, x, shot)
			} else {
				walkCounter(t, x, shot)
			}
			walkStaff(t, x, shot, role)
			// Quit from staff mode: the process ends within 2 s.
			x.staffLogin(nil)
			x.tap("Esci dal chiosco")
			shot("staff-quit")
			x.tap("Sì, esci dal chiosco")
			select {
			case <-c.done:
			case <-time.After(2 * time.Second):
				t.Fatalf("the kiosk still ran 2 s after quitting:\n%s", c.log())
			}
			checkJSONLog(t, c)
		})
	}
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10%10), byte('0' + n%10)}) }

// panelBadge plays a demo badge by its panel button (the panel is the
// window's right quarter), paging the panel until the button is there.
func (x *xkiosk) panelBadge(prefix string) {
	x.t.Helper()
	panel := func(s hookScr, text string, prefix bool) (hookObj, bool) {
		var side hookScr
		for _, o := range s.Objects {
			if o.X > s.Width*3/4 {
				side.Objects = append(side.Objects, o)
			}
		}
		return side.find(text, prefix)
	}
	press := func(o hookObj) {
		x.clickAt(o.X+o.W/2, o.Y+o.H/2)
		time.Sleep(150 * time.Millisecond)
	}
	// Back to the panel's first page, then forward.
	for _, turn := range []string{"Indietro", "Avanti"} {
		for range 40 {
			s := x.screen()
			if o, ok := panel(s, prefix, true); ok {
				press(o)
				return
			}
			o, ok := panel(s, turn, false)
			if !ok || o.Disabled {
				break
			}
			press(o)
		}
	}
	x.t.Fatalf("no demo badge %q on the panel: %s", prefix, x.screen().texts())
}

// panelIdentify plays a demo badge by its panel button (label) at the
// counter and waits (10 s at most) for the family to be identified.
func (x *xkiosk) panelIdentify(label string) {
	x.t.Helper()
	const identified = `"msg":"counter: family identified"`
	n := strings.Count(x.c.log(), identified)
	x.panelBadge(label)
	waitCount(x.t, x.c, identified, n+1, 10*time.Second)
}

// print taps a print button and waits (20 s at most) for the log line
// msg that says the sheet was printed.
func (x *xkiosk) print(button, msg string) {
	x.t.Helper()
	x.tap(button)
	waitCount(x.t, x.c, `"msg":"`+msg+`"`, 1, 20*time.Second)
}

func walkCanteen(t *testing.T, x *xkiosk, shot func(string)) {
	shot("idle")
	if !x.screen().has("Menù di oggi") { // the demo has a menu every day
		t.Errorf("idle: no menu of the day: %s", x.screen().texts())
	}
	_, badges := demo.Build(app.DayOf(time.Now(), time.Local), time.Now())
	tags := map[string]func(demo.Badge) bool{
		"diet":      func(b demo.Badge) bool { return b.Diet && !b.Blocked && !b.Negative && !b.Cancelled },
		"bland":     func(b demo.Badge) bool { return b.Bland && !b.Blocked && !b.Negative && !b.Cancelled },
		"blocked":   func(b demo.Badge) bool { return b.Blocked },
		"cancelled": func(b demo.Badge) bool { return b.Cancelled && !b.Blocked },
	}
	for _, name := range []string{"diet", "bland", "blocked", "cancelled"} {
		for _, b := range badges {
			if tags[name](b) {
				n := len(x.c.log())
				x.panelBadge(b.FirstName + " ")
				deadline := time.Now().Add(5 * time.Second)
				for len(x.c.log()) == n && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
				}
				shot("tap-" + name)
				break
			}
		}
	}
	x.panelBadge("badge sconosciuto")
	shot("tap-unknown")
	x.panelBadge("scollega il lettore")
	time.Sleep(time.Second)
	shot("reader-unplugged")
	x.panelBadge("ricollega il lettore")
	x.panelBadge("taglia la rete")
	time.Sleep(time.Second)
	shot("network-cut")
	x.panelBadge("ripristina la rete")
}

func walkCounter(t *testing.T, x *xkiosk, shot func(string)) {
	shot("home")
	// A document's link, taken home as a QR code (counter_messages.go).
	x.tap("Porta a casa")
	x.waitText("Porta a casa questo collegamento", 5*time.Second)
	shot("document-qr")
	x.tap("Indietro")
	_, badges := demo.Build(app.DayOf(time.Now(), time.Local), time.Now())
	var pick demo.Badge
	for _, b := range badges {
		if !b.Blocked && !b.Negative && !b.Cancelled {
			pick = b
			break
		}
	}
	identify := func() {
		x.panelIdentify(pick.FirstName + " ")
		time.Sleep(500 * time.Millisecond)
	}
	identify()
	shot("family")
	// The demo's first family has unread messages: it lands on them, and a
	// message with a link is taken home.
	if !x.screen().has("Nuova") {
		t.Errorf("no unread message after identification: %s", x.screen().texts())
	}
	for range 6 {
		if x.screen().has("Porta a casa") {
			break
		}
		x.tap("Successivo")
	}
	shot("message")
	x.tap("Porta a casa")
	x.waitText("Porta a casa questo collegamento", 5*time.Second)
	shot("message-qr")
	x.print("Stampa", "take-home sheet printed")
	shot("message-qr-printed")
	x.tap("Indietro")
	for _, tab := range []string{"Figli", "Pasti", "Prenotazioni", "Ricarica", "Avvisi"} {
		x.tap(tab)
		shot("tab-" + strings.ToLower(tab))
	}
	x.tap("Menù")
	x.waitText("Menù della settimana dal", 5*time.Second)
	shot("tab-menu")
	// Each booking action, on the first day that offers it.
	x.tap("Prenotazioni")
	for _, action := range []string{"Disdici pasto", "Annulla modifica", "Pasto in bianco", "Annulla modifica"} {
		if !x.screen().has(action) {
			t.Errorf("Prenotazioni: no %q on screen: %s", action, x.screen().texts())
			continue
		}
		x.tap(action)
		time.Sleep(time.Second) // the server answers, the list is drawn again
		shot("booking-" + strings.ReplaceAll(strings.ToLower(action), " ", "-"))
	}
	// An absence of all the children over the first open day and the next.
	x.tap("Assenza di più giorni")
	shot("absence-form")
	x.tap("Conferma assenza")
	waitCount(t, x.c, `"msg":"counter: absence"`, 1, 10*time.Second)
	time.Sleep(time.Second)
	shot("absence-done")
	// Top-up: an amount, the avviso, printed, then paid from the demo panel.
	x.tap("Ricarica")
	x.tap("20,00 €")
	shot("topup-amount")
	n := strings.Count(x.c.log(), `"msg":"counter: notice issued"`)
	x.tap("Crea l'avviso di pagamento")
	waitCount(t, x.c, `"msg":"counter: notice issued"`, n+1, 10*time.Second)
	// Published on the demo's pagoPA (the GPD simulator) before it is shown.
	waitCount(t, x.c, `"msg":"pagoPA GPD: position published"`, n+1, 10*time.Second)
	x.waitText("Inquadra il codice QR", 10*time.Second)
	shot("avviso")
	x.print("Stampa avviso", "notice printed")
	shot("avviso-printed")
	x.panelBadge("segna pagato")
	// Paid on the demo's pagoPA: the server's GPD poll reads it back and
	// credits it, the counter's poll sees it.
	waitCount(t, x.c, `"msg":"pagoPA GPD: payments credited"`, 1, 15*time.Second)
	x.waitText("Pagamento ricevuto", 15*time.Second)
	const demoGPDKey = "demo-subscription-key" // demo_gpd.go's (a demo-tag file)
	if strings.Contains(x.c.log(), demoGPDKey) {
		t.Error("the log holds the GPD subscription key")
	}
	// Nor any file of the kiosk's (the embedded server's directory aside,
	// where the demo keeps the key file as a Comune's server does).
	_ = filepath.WalkDir(x.dataDir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && d.Name() == "demo-central":
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() { // the demo reader's pty and the hook's socket block
			return nil
		}
		if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), demoGPDKey) {
			t.Errorf("the kiosk's file %s holds the GPD subscription key", path)
		}
		return nil
	})
	shot("avviso-paid")
	// Paid: the receipt in its place (issue 15), printed; then the
	// notice reopened from the Avvisi tab, and the yearly certificate.
	x.waitText("Ricevuta di pagamento", 10*time.Second)
	for _, want := range []string{"Importo pagato", "20,00 €", "Banca Demo", "Pagamento ricevuto"} {
		if !x.screen().has(want) {
			t.Errorf("receipt: no %q on screen: %s", want, x.screen().texts())
		}
	}
	x.print("Stampa ricevuta", "receipt printed")
	shot("receipt-printed")
	x.tap("Indietro")
	x.waitText("Vedi ricevuta", 10*time.Second)
	shot("notices-after-payment")
	x.tap("Vedi ricevuta")
	x.waitText("Ricevuta di pagamento", 10*time.Second)
	shot("receipt-reopened")
	x.tap("Indietro")
	x.waitText("Attestazione 730", 10*time.Second)
	x.tap("Attestazione 730")
	x.waitText("Pagato dalla famiglia nell'anno", 10*time.Second)
	shot("certificate")
	x.print("Stampa attestazione", "certificate printed")
	shot("certificate-printed")
	x.tap("Esci")
	x.waitText("Sportello mensa scolastica", 10*time.Second)
	shot("signed-out")
	// Idle wipe: a family left on screen goes after the idle time.
	identify()
	time.Sleep(time.Duration(app.MinIdleSeconds+3) * time.Second)
	s := x.screen()
	if s.has("Saldo ") || s.has("Figli") {
		t.Errorf("the family is still on screen %d s after the last touch", app.MinIdleSeconds+3)
	}
	shot("idle-wiped")
	// Offline, a family never shown here: its messages come from the
	// kiosk's copy, with the copy's time.
	for _, b := range badges {
		if !b.Blocked && b.AccessCode != pick.AccessCode {
			x.panelBadge("taglia la rete")
			x.panelIdentify(b.FirstName + " ")
			x.waitText("Comunicazioni dalla copia del chiosco", 60*time.Second)
			shot("offline-messages-copy")
			x.tap("Esci")
			x.panelBadge("ripristina la rete")
			time.Sleep(2 * time.Second)
			break
		}
	}
	// A family is on screen when staff arrive: after staff mode the next
	// parent must not find it (checked in walkStaff).
	identify()
}

// walkStaff opens staff mode, visits each of its pages, leaves it, and
// then changes a setting by touch.
func walkStaff(t *testing.T, x *xkiosk, shot func(string), role string) {
	x.staffLogin(nil)
	shot("staff-menu")
	for _, page := range []string{"Pasto manuale", "Annulla pasto", "Report", "Invii in attesa", "Lettore"} {
		x.tap(page)
		shot("staff-" + strings.ReplaceAll(strings.ToLower(page), " ", "-"))
		x.tap("Indietro")
	}
	x.tap("Esci da modalità personale")
	shot("staff-left")
	if role == "counter" && !x.screen().has("Sportello mensa scolastica") {
		t.Errorf("after staff mode the counter is not at its home screen: %s", x.screen().texts())
	}
	x.staffLogin(nil)
	x.tap("Impostazioni")
	shot("staff-impostazioni")
	walkSettings(t, x, shot)
}

// walkSettings changes a setting by touch only: a touch on a field brings
// up an on-screen keyboard (the kiosk has no physical one), the new value
// is typed on it, and "Applica" restarts the kiosk with a confirmation.
func walkSettings(t *testing.T, x *xkiosk, shot func(string)) {
	s := x.screen()
	var field *hookObj
	for _, o := range s.Objects {
		if o.Kind == "widget.Entry" && !o.Disabled && strings.HasPrefix(o.Text, "10,00") {
			field = &o
			break
		}
	}
	if field == nil {
		t.Errorf("Impostazioni: no low-balance field showing 10,00: %s", s.texts())
		return
	}
	x.clickAt(field.X+field.W/2, field.Y+field.H/2)
	time.Sleep(500 * time.Millisecond)
	shot("staff-settings-keyboard")
	keys := 0
	for _, o := range x.screen().Objects {
		if o.Tappable && len([]rune(o.Text)) == 1 {
			keys++
		}
	}
	if keys < 10 {
		t.Errorf("Impostazioni: touching a field shows no on-screen keyboard (%d one-character keys on screen)", keys)
		return
	}
	x.tap("Azzera")
	for _, k := range []string{"1", "2", ",", "5", "0"} {
		x.tap(k)
	}
	x.tap("OK")
	x.waitText("12,50", 5*time.Second)
	shot("staff-settings-typed")
	// The door's sounds' volume: a drop-down, by touch (settings_sound_test.go).
	x.tap("Medio")
	x.waitText("Spento", 5*time.Second)
	shot("staff-settings-volume-list")
	x.tap("Spento")
	if o, ok := x.screen().find("Spento", false); !ok || o.Kind != "widget.Select" {
		t.Errorf("Impostazioni: the volume does not show Spento after the touch: %s", x.screen().texts())
	}
	n := strings.Count(x.c.log(), `"msg":"settings changed by staff`)
	x.tap("Applica")
	waitCount(t, x.c, `"msg":"settings changed by staff`, n+1, 10*time.Second)
	x.waitText("Impostazioni salvate e applicate", 10*time.Second)
	shot("staff-settings-applied")
	b, err := os.ReadFile(filepath.Join(x.dataDir, "settings.json"))
	if err != nil || !strings.Contains(string(b), "1250") {
		t.Errorf("the low-balance threshold typed by touch is not in the saved settings (%v): %s", err, b)
	}
	if !strings.Contains(string(b), `"sound_volume": 0`) {
		t.Errorf("the volume chosen by touch (Spento) is not in the saved settings: %s", b)
	}
}
