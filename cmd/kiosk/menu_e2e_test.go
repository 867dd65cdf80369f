//go:build e2e

package main

import (
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
)

// TestEndToEndMenu runs the real binary under Xvfb in demo mode: the canteen's
// idle screen shows today's menu; a pupil whose diet replaces one of
// today's dishes gets the diet's dish in the banner; at the counter the
// family's week menu tab shows the child's school and diet. Screenshots
// are kept in the artifacts directory.
func TestEndToEndMenu(t *testing.T) {
	display := startXvfb(t)
	const W, H = 1600, 900
	now := time.Now()
	day := app.DayOf(now, time.Local)
	roster, badges := demo.Build(day, now)
	// Today's diet substitutions by school group (the demo's rows).
	groups := map[string]string{}
	for _, g := range demo.MenuGroups() {
		groups[g.School] = g.Group
	}
	replaced := map[string]bool{} // group \0 diet
	for _, r := range demo.Menu(day) {
		if r.Day == day && r.Diet != "" {
			replaced[r.Group+"\x00"+r.Diet] = true
		}
	}
	var pick demo.Badge
	for _, b := range badges {
		for _, p := range roster.Pupils {
			if p.ID == b.PupilID && p.Diet != nil && !b.Blocked && !b.Negative && !b.Cancelled && !b.Bland &&
				replaced[groups[p.School]+"\x00"+p.Diet.Code] && pick.ID == "" {
				pick = b
			}
		}
	}
	if pick.ID == "" {
		t.Fatal("no demo pupil whose diet replaces a dish today")
	}
	label := pick.FirstName + " " + pick.Initial + " " + pick.Class
	for _, role := range []string{"canteen", "counter"} {
		t.Run(role, func(t *testing.T) {
			x := startDemoWindow(t, display, role, W, H, nil)
			c := x.c
			if role == "canteen" {
				x.waitText("Menù di oggi", 20*time.Second)
				x.shot("menu-canteen-idle", W, H)
				n := len(c.log())
				x.panelBadge(label)
				deadline := time.Now().Add(5 * time.Second)
				for len(c.log()) == n && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
				}
				x.waitText("Al posto di:", 5*time.Second)
				x.shot("menu-canteen-diet-banner", W, H)
				if s := x.screen(); !s.has("DIETA SPECIALE") {
					t.Errorf("no diet banner: %s", s.texts())
				}
				return
			}
			x.panelIdentify(label)
			time.Sleep(500 * time.Millisecond)
			// The child with the diet may not be the family's first: page
			// the menu tab until the diet line shows.
			x.tap("Menù")
			head := pick.FirstName + " " + pick.Initial + " — "
			for range 8 {
				if x.screen().has(head) {
					break
				}
				x.tap("Successivo")
			}
			x.waitText(head, 5*time.Second)
			x.shot("menu-counter-week", W, H)
			if s := x.screen(); !strings.Contains(s.texts(), "Dieta:") || !s.has("Menù della settimana dal") {
				t.Errorf("the week menu lacks the diet or its title: %s", s.texts())
			}
			checkJSONLog(t, c)
		})
	}
}
