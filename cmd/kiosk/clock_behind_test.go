package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/storage"
	"mensakiosk/ui"
)

// visibleTexts lists the texts of the labels shown under o.
func visibleTexts(o fyne.CanvasObject) []string {
	if o == nil || !o.Visible() {
		return nil
	}
	switch x := o.(type) {
	case *fyne.Container:
		var out []string
		for _, c := range x.Objects {
			out = append(out, visibleTexts(c)...)
		}
		return out
	case *container.ThemeOverride:
		return visibleTexts(x.Content)
	case *widget.Label:
		return []string{x.Text}
	case *widget.RichText:
		return []string{x.String()}
	case fyne.Widget: // a screen's own widget (a panel's words): what it draws
		var out []string
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, visibleTexts(c)...)
		}
		return out
	}
	return nil
}

// TestClockBehindWarned starts the kiosk's window wiring (Fyne's test
// driver) on a store whose newest meal is from today, with a clock three
// days earlier, as a board without a battery boots: the canteen screen and
// the counter screen, where staff look, say so in Italian, and the log
// says so once. With the right clock, nothing is said.
func TestClockBehindWarned(t *testing.T) {
	newest := time.Date(2026, 3, 12, 12, 31, 0, 0, time.UTC)
	for _, tc := range []struct {
		role  string
		clock time.Time
		warn  bool
	}{
		{RoleCanteen, newest.Add(-72 * time.Hour), true},
		{RoleCounter, newest.Add(-72 * time.Hour), true},
		{RoleCanteen, newest.Add(time.Hour), false},
		{RoleCanteen, newest.Add(-30 * time.Second), false}, // within the skew allowed
	} {
		dir := t.TempDir()
		roster, _ := testRoster(4, "")
		path := seedDB(t, dir, roster)
		st, err := storage.Open(path, storage.Options{SkipCheck: true})
		if err != nil {
			t.Fatal(err)
		}
		p := roster.Pupils[0]
		m := &app.Meal{EventID: "0123456789abcdef0123456789abcdef", KioskID: "k", PupilID: p.ID, AccountID: p.AccountID,
			Day: app.DayOf(newest, time.UTC), Service: app.ServiceLunch, Price: 450, At: newest, Via: "badge"}
		if err := st.Update(func(tx app.CanteenTx) error { return tx.RecordMeal(m) }); err != nil {
			t.Fatal(err)
		}
		st.Close()

		cfg := DefaultConfig()
		cfg.DataDir, cfg.Role = dir, tc.role
		cfg.Canteen.WindowStart, cfg.Canteen.WindowEnd = "00:00", "24:00"
		cc, err := cfg.Validate()
		if err != nil {
			t.Fatal(err)
		}
		var logBuf apptest.LogBuffer
		a := test.NewTempApp(t)
		ctx, cancel := context.WithCancel(context.Background())
		k := newKioskWindow(ctx, a, cfg, ui.MustCatalogue("it"), false, slog.New(slog.NewJSONHandler(&logBuf, nil)))
		k.noRefreshLoop = true
		k.clock = apptest.NewClock(tc.clock)
		k.start(cfg, cc)
		r := k.cur.Load()
		if r.core == nil {
			t.Fatalf("%s: the core did not start:\n%s", tc.role, logBuf.Bytes())
		}
		if tc.role == RoleCounter {
			r.counter.SetSync(r.core.syncStatus()) // what the refresher posts
		}
		shown := strings.Join(visibleTexts(k.w.Content()), "\n")
		const it = "L'orologio del chiosco segna 09/03/2026"
		logged := bytes.Count(logBuf.Bytes(), []byte(`"msg":"the clock is behind the newest stored event`))
		if tc.warn {
			if !strings.Contains(shown, it) || !strings.Contains(shown, "12/03/2026") || !strings.Contains(shown, "correggere data e ora") && !strings.Contains(shown, "Correggere data e ora") {
				t.Errorf("%s, clock %s: no warning on screen; it shows:\n%s", tc.role, tc.clock, shown)
			}
			if logged != 1 {
				t.Errorf("%s: %d log lines about the clock, want 1:\n%s", tc.role, logged, logBuf.Bytes())
			}
		} else if strings.Contains(shown, "L'orologio del chiosco segna") || logged != 0 {
			t.Errorf("%s, clock %s: a warning with a sound clock:\n%s\n%s", tc.role, tc.clock, shown, logBuf.Bytes())
		}
		k.stop()
		cancel()
	}
}
