package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
)

// menuImport is a week of menu for Primaria Dante and a strike on
// Wednesday 25 November 2026.
func menuImport(first string) []server.ImportFile {
	menu := "day;school;course;dish;allergens;diet\n" +
		"2026-11-23;Primaria Dante;primo;" + first + ";glutine;\n" +
		"2026-11-23;Primaria Dante;primo;Pasta di mais al pomodoro;;GF\n" +
		"2026-11-23;Primaria Dante;secondo;Frittata;uova|latte;\n"
	cal := "day;school;reason;note\n2026-11-25;Primaria Dante;sciopero;Sciopero\n"
	return []server.ImportFile{{Name: "menu.csv", Data: []byte(menu)}, {Name: "calendar.csv", Data: []byte(cal)}}
}

// TestMenuPulledAndClosedDayAtCounter: the real server imports a menu and
// a closed day; the kiosk's sync engine pulls them into its bbolt store
// and the menu book; a substitution reaches the kiosk at the next sync;
// the counter refuses a booking on the closed day, and so does the server
// when the kiosk does not know.
func TestMenuPulledAndClosedDayAtCounter(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	if _, err := e.srv.Import(server.ImportData{Diets: []app.Diet{{Code: "GF", Name: "Senza glutine"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.ImportFiles(menuImport("Pasta al pomodoro")); err != nil {
		t.Fatal(err)
	}
	client := e.cl
	book := &app.MenuBook{}
	sy := app.NewSyncer(e.store, client, e.clk, app.SyncConfig{KioskID: "counter-1"}, nil)
	sy.SetMenu(e.store, book, rome)
	ctx := context.Background()
	if err := sy.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	m, ok := book.MenuOf("Primaria Dante", "2026-11-23")
	if !ok || m.Dishes[0].Name != "Pasta al pomodoro" {
		t.Fatalf("menu after the first sync: %+v %v", m, ok)
	}
	held, ok, err := e.store.MenuCalendar()
	if err != nil || !ok || held.Version == 0 || held.AsOf.IsZero() {
		t.Fatalf("stored menu: %+v %v %v", held, ok, err)
	}
	// A substitution during the day.
	if _, err := e.srv.ImportFiles(menuImport("Risotto alla zucca")); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Minute)
	if err := sy.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _ := book.MenuOf("Primaria Dante", "2026-11-23"); m.Dishes[0].Name != "Risotto alla zucca" {
		t.Errorf("after the substitution: %+v", m.Dishes)
	}
	// Nothing changed: the server answers unchanged, the kiosk keeps its
	// menu; the as-of time on screen moves on, the store is not rewritten.
	stored, _, _ := e.store.MenuCalendar()
	e.clk.Add(time.Minute)
	if err := sy.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := e.store.MenuCalendar(); !again.AsOf.Equal(stored.AsOf) {
		t.Errorf("an unchanged menu was written again (as of %v, was %v)", again.AsOf, stored.AsOf)
	}
	if cal, _ := book.Get(); !cal.AsOf.After(stored.AsOf) {
		t.Errorf("the as-of time on screen did not move on: %v", cal.AsOf)
	}
	if m, ok := book.MenuOf("Primaria Dante", "2026-11-23"); !ok || m.Dishes[0].Name != "Risotto alla zucca" {
		t.Errorf("after an unchanged sync: %+v %v", m, ok)
	}

	// The counter: the strike is a closed day for Marco.
	e.c.SetMenuBook(book)
	e.identify(t, "0A00000001")
	wed := app.Day("2026-11-25")
	if _, closed := e.c.ClosedOn("P1", wed); !closed {
		t.Fatal("the strike is not a closed day at the counter")
	}
	if _, err := e.c.Book(ctx, app.BookingRequest{PupilID: "P1", Day: wed, Cancelled: true}); !errors.Is(err, app.ErrClosedDay) {
		t.Errorf("booking on the closed day: %v", err)
	}
	week, asOf := e.c.MenuWeek("P2", 0)
	if len(week) != 5 || week[2].Closed == nil || !week[0].HasMenu || asOf.IsZero() {
		t.Errorf("Sara's week: %+v", week)
	}
	// At the weekend "this week" is the coming one.
	e.clk.Set(at("2026-11-29", "10:00:00")) // a Sunday
	if week, _ := e.c.MenuWeek("P2", 0); len(week) != 5 || week[0].Day != "2026-11-30" {
		t.Errorf("on Sunday the week starts %v, want Monday 30 November", week)
	}
	e.clk.Set(at("2026-11-23", "08:00:00"))
	// A counter that has not pulled the calendar: the server refuses.
	e.c.SetMenuBook(&app.MenuBook{})
	_, err = e.c.Book(ctx, app.BookingRequest{PupilID: "P1", Day: wed, Cancelled: true})
	var ce *central.Error
	if !errors.Is(err, app.ErrClosedDay) || !errors.As(err, &ce) || ce.Code != central.CodeClosedDay {
		t.Errorf("the server's refusal: %v", err)
	}
}
