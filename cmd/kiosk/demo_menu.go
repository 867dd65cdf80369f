//go:build demo

package main

import (
	"time"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/central/server"
)

// demoMenuImport adds to the demo server's import the demo Comune's diets,
// a month of menu with allergens and diet alternatives, and a few closed
// days around now (assets/demo/menu.go).
func demoMenuImport(data *server.ImportData, now time.Time) {
	day := app.DayOf(now, time.Local)
	data.Diets = append(data.Diets, demo.Diets()...)
	data.MenuGroups = append(data.MenuGroups, demo.MenuGroups()...)
	for _, r := range demo.Menu(day) {
		al := make([]string, len(r.Al))
		for i, a := range r.Al {
			al[i] = string(a)
		}
		data.Menu = append(data.Menu, server.ImportMenuDish{Day: r.Day, School: r.Group, Course: string(r.Course), Dish: r.Dish, Allergens: al, Diet: r.Diet})
	}
	for _, c := range demo.Closed(day) {
		data.Calendar = append(data.Calendar, server.ImportClosedDay{Day: c.Day, School: c.School, Reason: c.Reason, Note: c.Note})
	}
}
