package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/storage"
)

// benchCalendar is a large Comune's menu span: 30 menu groups (every
// pupil's school in one of them), 42 days of six dishes with three diets'
// alternatives each, and 60 closed days of other schools.
func benchCalendar(today app.Day) app.MenuCalendar {
	cal := app.MenuCalendar{Version: 1, From: today.AddDays(-7), To: today.AddDays(35), AsOf: time.Now()}
	cal.Groups = append(cal.Groups, app.MenuGroup{School: "Scuola", Group: "G00"})
	for g := range 30 {
		group := fmt.Sprintf("G%02d", g)
		for d := -7; d < 35; d++ {
			m := app.MenuDay{Group: group, Day: today.AddDays(d)}
			for _, c := range []app.Course{app.CourseFirst, app.CourseMain, app.CourseSide, app.CourseBread, app.CourseFruit, app.CourseDessert} {
				m.Dishes = append(m.Dishes, app.Dish{Course: c, Name: "Piatto " + string(c), Allergens: []app.Allergen{app.AllergenGluten, app.AllergenMilk}})
			}
			for _, diet := range []string{"GLUT", "LATT", "EGG"} {
				m.Diets = append(m.Diets, app.DietDish{Diet: diet, Dish: app.Dish{Course: app.CourseFirst, Name: "Alternativa " + diet}})
			}
			cal.Days = append(cal.Days, m)
		}
		cal.Closed = append(cal.Closed, app.ClosedDay{School: fmt.Sprintf("Altra %d", g), Day: today.AddDays(g % 20), Reason: app.ClosedTrip},
			app.ClosedDay{School: fmt.Sprintf("Altra %d", g), Day: today.AddDays(1 + g%20), Reason: app.ClosedStrike})
	}
	return cal
}

// BenchmarkTapWithMenu times taps through the canteen rules and the commit
// with a large menu and calendar loaded (the closed-day rule and the diet's
// dishes on every tap) against taps without one, interleaved on the same
// file in the same run: the ratio is what the menu costs a tap.
func BenchmarkTapWithMenu(b *testing.B) {
	dir := b.TempDir()
	const pupils, rounds, per = 2000, 4, 200
	roster, badges := testRoster(pupils, "")
	path := seedDB(b, dir, roster)
	runtime.GC()
	perm := rand.New(rand.NewPCG(16, 16)).Perm(len(badges))
	cc := app.CanteenConfig{KioskID: "kiosk-bench", Location: time.Local, Window: app.ServiceWindow{Start: 0, End: 24 * 60}, Debounce: time.Second}
	// A school Wednesday, whatever day the bench runs on (on a national
	// holiday every tap would be refused).
	clock := apptest.NewClock(time.Date(2026, time.March, 11, 12, 30, 0, 0, time.Local))
	book := &app.MenuBook{}
	book.Set(benchCalendar(app.DayOf(clock.Now(), time.Local)))
	var with, without []time.Duration
	next := 0
	for range rounds {
		for _, menu := range []bool{false, true} {
			s, err := storage.Open(path, storage.Options{SkipCheck: true})
			if err != nil {
				b.Fatal(err)
			}
			ct, err := app.NewCanteen(s, clock, cc, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			if menu {
				ct.SetMenuBook(book)
			}
			for range per {
				t0 := time.Now()
				res, err := ct.Tap(context.Background(), badges[perm[next]])
				next++
				if err != nil || res.Outcome != app.OutcomeServed {
					b.Fatalf("tap: %v %v", res.Outcome, err)
				}
				if menu {
					with = append(with, time.Since(t0))
				} else {
					without = append(without, time.Since(t0))
				}
			}
			s.Close()
		}
	}
	wq, nq := quantilesOf(with), quantilesOf(without)
	b.ReportMetric(float64(wq.median)/float64(nq.median), "median-ratio")
	b.ReportMetric(float64(wq.p99)/float64(nq.p99), "p99-ratio")
	fmt.Printf("taps with a 30-group, 42-day menu: median %s p99 %s; without: median %s p99 %s; ratio median %.2f× p99 %.2f×\n",
		wq.median, wq.p99, nq.median, nq.p99, float64(wq.median)/float64(nq.median), float64(wq.p99)/float64(nq.p99))
}
