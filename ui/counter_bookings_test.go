package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// heldBooking is the counter use case with its booking calls held until
// the test lets them go: the screen's "saving" moment, made as long as a
// test needs to look at it.
type heldBooking struct {
	*app.Counter
	entered chan struct{}
	release chan struct{}
}

func (h heldBooking) Book(ctx context.Context, r app.BookingRequest) (app.Family, error) {
	h.entered <- struct{}{}
	<-h.release
	return h.Counter.Book(ctx, r)
}

// TestCounterBookingInFlightFits: while a booking change is on its way to
// the server the view keeps its shape and fits the window. It used to show
// "Non più modificabile" in every row's box of buttons as a wrapping
// label, one letter per line: the view asked for ~3,000 px and the real
// window grew to it (issue 10, defect 1).
func TestCounterBookingInFlightFits(t *testing.T) {
	f := newCounterFixture(t, true)
	h := heldBooking{Counter: f.c, entered: make(chan struct{}), release: make(chan struct{})}
	f.s.Close()
	f.s = NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, h, CounterOptions{PollInterval: time.Hour})
	f.s.SetSync(app.SyncStatus{Configured: true, Online: true})
	f.w.SetContent(f.s.Content())
	f.w.Resize(fyne.NewSize(kioskW, kioskH))
	f.s.PostBadge("0A00000001")
	f.tap(t, "Prenotazioni")
	for _, action := range []string{"Disdici pasto", "Annulla modifica", "Pasto in bianco", "Annulla modifica"} {
		b := f.button(t, action)
		test.Tap(b) // returns with the call on its way
		<-h.entered
		f.w.Resize(fyne.NewSize(kioskW, kioskH))
		ms := f.s.Content().MinSize()
		if ms.Height > kioskH || ms.Width > kioskW {
			t.Errorf("%s on its way: the view asks for %.0f × %.0f in a %d × %d window", action, ms.Width, ms.Height, kioskW, kioskH)
		}
		var rows, disabled int
		walk(f.s.Content(), func(o fyne.CanvasObject) {
			if bt, ok := o.(*widget.Button); ok && (bt.Text == "Disdici pasto" || bt.Text == "Pasto in bianco" || bt.Text == "Annulla modifica") {
				rows++
				if bt.Disabled() {
					disabled++
				}
			}
		})
		if rows == 0 || disabled != rows {
			t.Errorf("%s on its way: %d of %d booking buttons disabled", action, disabled, rows)
		}
		if got := f.textsNow(); strings.Contains(got, "Non più modificabile") {
			t.Errorf("%s on its way: the rows say they can no longer change:\n%s", action, got)
		}
		h.release <- struct{}{} // this call goes on
		f.s.wait()
	}
	wantCounterTexts(t, f.texts(), "lunedì 23/11/2026 — Presente")
}

// textsNow is texts without waiting for the calls in flight.
func (f *counterFixture) textsNow() string {
	var b strings.Builder
	walk(f.s.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text != "" {
			b.WriteString(l.Text + "\n")
		} else if it, ok := o.(*inkText); ok && it.Text() != "" {
			b.WriteString(it.Text() + "\n")
		}
	})
	return b.String()
}

// TestCounterBookingsOnePager: with two children the bookings tab has one
// pager, which goes through the first child's days and then the second's.
func TestCounterBookingsOnePager(t *testing.T) {
	f := newCounterFixture(t, true)
	f.s.PostBadge("0A00000001")
	f.tap(t, "Prenotazioni")
	pagers := func() int {
		n := 0
		walk(f.s.Content(), func(o fyne.CanvasObject) {
			if bt, ok := o.(*widget.Button); ok && bt.Text == "Successivo" {
				n++
			}
		})
		return n
	}
	if n := pagers(); n != 1 {
		t.Fatalf("%d pagers on the bookings tab, want 1", n)
	}
	seen := map[string]bool{}
	for range 10 {
		got := f.texts()
		for _, name := range []string{"Marco R.", "Sara R."} {
			if strings.Contains(got, name) {
				seen[name] = true
			}
		}
		if pagers() != 1 {
			t.Fatalf("%d pagers on a later page", pagers())
		}
		if f.button(t, "Successivo").Disabled() {
			break
		}
		f.tap(t, "Successivo")
	}
	if !seen["Marco R."] || !seen["Sara R."] {
		t.Errorf("the pager did not go through both children: %v", seen)
	}
}

// TestWindowContentKeepsWindowSize: the window's content asks for no more
// than a touch target, whatever the screen inside asks for, and lays the
// screen out at the window's size.
func TestWindowContentKeepsWindowSize(t *testing.T) {
	test.NewTempApp(t)
	tall := widget.NewLabel(strings.Repeat("riga\n", 200))
	c := WindowContent(tall)
	w := test.NewTempWindow(t, c)
	w.Resize(fyne.NewSize(1280, 720))
	if ms := c.MinSize(); ms.Width > 1280 || ms.Height > 720 {
		t.Errorf("window content asks for %v", ms)
	}
	if tall.MinSize().Height <= 720 {
		t.Fatalf("the test's content is not taller than the window")
	}
	if got := tall.Size(); got.Height > 720 || got.Width > 1280 {
		t.Errorf("the screen is laid out at %v in a 1280 × 720 window", got)
	}
}

// TestKioskScale: the scale asked for, lowered where the display would
// hold less than the design size, in tenths rounded down.
func TestKioskScale(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want float64
		got  float32
	}{
		{1280, 800, 1, 1}, {1280, 800, 1.25, 1}, {1280, 720, 1.25, 1}, {1920, 1080, 1.25, 1.2}, {1920, 1080, 1.5, 1.5},
		{1600, 1000, 1.25, 1.2}, {1920, 1080, 0, 1}, {1024, 600, 1, 0.8}, {2560, 1440, 2, 2}, {640, 360, 1, 0.5},
	} {
		if got := KioskScale(tc.w, tc.h, tc.want); got != tc.got {
			t.Errorf("KioskScale(%d, %d, %v) = %v, want %v", tc.w, tc.h, tc.want, got, tc.got)
		}
		if sc := KioskScale(tc.w, tc.h, tc.want); sc > 0.5 && (float32(tc.w)/sc < DesignWidth-0.5 || float32(tc.h)/sc < DesignHeight-0.5) {
			t.Errorf("%dx%d at %v holds less than the design size", tc.w, tc.h, sc)
		}
	}
}
