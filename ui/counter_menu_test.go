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

// weekMenuFixture: Giulia (gluten-free) at Primaria Dante, the week of
// Monday 23 November 2026 with a strike on Wednesday, on the real counter
// over apptest's store and central server, at noon of that Monday.
func weekMenuFixture(t *testing.T) *counterFixture {
	t.Helper()
	giulia := app.Pupil{ID: "P1", AccountID: "F1", FirstName: "Giulia", LastName: "Rossi", School: "Scuola Primaria Dante Alighieri",
		Class: "3B", Weekdays: []time.Weekday{1, 2, 3, 4, 5}, MealPrice: 390, Diet: &celiac}
	var days []app.MenuDay
	for i, d := range []app.Day{"2026-11-23", "2026-11-24", "2026-11-26", "2026-11-27"} {
		md := todayMenu()
		md.Day, md.Group = d, "Primarie"
		md.Dishes[1].Name = []string{"Frittata al forno", "Merluzzo gratinato", "Polpette al sugo", "Formaggio fresco"}[i]
		days = append(days, md)
	}
	f := newCounterBackend(t, true, counterData{
		Accounts: []app.Account{{ID: "F1", Holder: "Rossi Maria", Balance: 3650}},
		Pupils:   []app.Pupil{giulia},
		Badges:   []app.Badge{{ID: "1A00A10025", PupilID: giulia.ID}},
	})
	f.clk.Set(noon)
	book := &app.MenuBook{}
	book.Set(app.MenuCalendar{Version: 3, AsOf: time.Date(2026, 11, 23, 9, 40, 0, 0, rome),
		Groups: []app.MenuGroup{{School: giulia.School, Group: "Primarie"}}, Days: days,
		Closed: []app.ClosedDay{{Day: "2026-11-25", Reason: app.ClosedStrike, Note: "Sciopero del personale"}}})
	f.c.SetMenuBook(book)
	return f
}

func menuScreen(t *testing.T, f *counterFixture, lang string) (*CounterScreen, fyne.Window) {
	t.Helper()
	newKioskApp(t)
	s := NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, f.c,
		CounterOptions{Location: rome, Language: lang, PollInterval: time.Hour})
	t.Cleanup(func() { s.Close(); s.wait(); s.pollers.Wait() })
	s.SetSync(app.SyncStatus{Configured: true, Online: true})
	w := newSizedWindow(t, s.Content(), fyne.NewSize(kioskW, kioskH))
	s.PostBadge("1A00A10025")
	s.wait()
	return s, w
}

func screenTexts(s *CounterScreen) string {
	s.wait()
	var b strings.Builder
	walk(s.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text != "" {
			b.WriteString(l.Text + "\n")
		}
	})
	return b.String()
}

func tapText(t *testing.T, s *CounterScreen, text string) {
	t.Helper()
	s.wait()
	var found *widget.Button
	walk(s.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q on screen:\n%s", text, screenTexts(s))
	}
	test.Tap(found)
	s.wait()
}

func TestCounterWeekMenu(t *testing.T) {
	s, w := menuScreen(t, weekMenuFixture(t), "it")
	tapText(t, s, "Menù")
	got := screenTexts(s)
	for _, want := range []string{
		"Giulia R. — Scuola Primaria Dante Alighieri · Dieta: Senza glutine (celiachia)",
		// The diet's dishes, not the standard ones, with the allergen numbers.
		"Pasta di mais al pomodoro · Frittata al forno (3, 7) · Carote julienne · Pane senza glutine · Mela",
		"Mensa chiusa — Sciopero — Sciopero del personale",
		// Only the allergens of her days' dishes: no gluten.
		"Allergeni: 3 Uova · 7 Latte — Menù aggiornato al 23/11/2026 alle 09:40",
		"Menù della settimana dal 23/11/2026",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("week menu lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Pasta al pomodoro e basilico") {
		t.Error("the standard dish her diet replaces is shown")
	}
	assertCounterMarkup(t, "week_menu", w)
	for _, sc := range fitScreens {
		sz := sc.size()
		fitCheck(t, "counter week menu "+sc.String(), w, s.Content(), sz.Width, sz.Height)
	}
	// Thursday and Friday, then the next week, which has no menu yet.
	tapText(t, s, "Successivo")
	if got := screenTexts(s); !strings.Contains(got, "Formaggio fresco (3, 7)") {
		t.Errorf("Thursday–Friday:\n%s", got)
	}
	tapText(t, s, "Successivo")
	got = screenTexts(s)
	if !strings.Contains(got, "Menù della settimana dal 30/11/2026") || !strings.Contains(got, "Menù non pubblicato") {
		t.Errorf("next week:\n%s", got)
	}
	for _, sc := range fitScreens {
		sz := sc.size()
		fitCheck(t, "counter week menu "+sc.String(), w, s.Content(), sz.Width, sz.Height)
	}
	fitCheck(t, "counter demo week menu", w, s.Content(), fitDemoW, fitDemoH)
}

func TestCounterWeekMenuEnglish(t *testing.T) {
	s, _ := menuScreen(t, weekMenuFixture(t), "en")
	tapText(t, s, "Menu")
	got := screenTexts(s)
	for _, want := range []string{"Diet: Senza glutine (celiachia)", "Canteen closed — Strike — Sciopero del personale", "Allergens: 3 Eggs · 7 Milk"} {
		if !strings.Contains(got, want) {
			t.Errorf("English week menu lacks %q:\n%s", want, got)
		}
	}
}

func TestCounterBookingsClosedDay(t *testing.T) {
	f := weekMenuFixture(t)
	s, _ := menuScreen(t, f, "it")
	tapText(t, s, "Prenotazioni")
	got := screenTexts(s)
	if !strings.Contains(got, "mercoledì 25/11/2026 — mensa chiusa (Sciopero — Sciopero del personale)") {
		t.Fatalf("the strike is not marked closed in the bookings:\n%s", got)
	}
	// Its row offers no button: the page (Monday 23, Tuesday 24, Wednesday
	// 25) has two "Disdici pasto", the open days'.
	buttons := 0
	walk(s.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Disdici pasto" {
			buttons++
		}
	})
	if buttons != 2 {
		t.Errorf("%d cancel buttons on the page with the closed day, want 2", buttons)
	}
	// No booking change was sent: the central server has none.
	v, err := f.central.Family(context.Background(), "F1", "2026-11-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Bookings) != 0 {
		t.Errorf("bookings sent: %+v", v.Bookings)
	}
}

func assertCounterMarkup(t *testing.T, name string, w fyne.Window) {
	t.Helper()
	assertMarkup(t, "../counter_menu/"+name, w)
}
