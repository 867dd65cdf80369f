package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"mensakiosk/app"
)

// todayMenu is a primary school's Monday: five courses, allergens, and the
// gluten-free diet's dishes.
func todayMenu() app.MenuDay {
	return app.MenuDay{Group: "Primarie", Day: "2026-11-23",
		Dishes: []app.Dish{
			{Course: app.CourseFirst, Name: "Pasta al pomodoro e basilico", Allergens: []app.Allergen{app.AllergenGluten}},
			{Course: app.CourseMain, Name: "Frittata al forno con zucchine", Allergens: []app.Allergen{app.AllergenEggs, app.AllergenMilk}},
			{Course: app.CourseSide, Name: "Carote julienne"},
			{Course: app.CourseBread, Name: "Pane comune", Allergens: []app.Allergen{app.AllergenGluten, app.AllergenSesame}},
			{Course: app.CourseFruit, Name: "Mela"},
		},
		Diets: []app.DietDish{
			{Diet: "GLUT", Dish: app.Dish{Course: app.CourseFirst, Name: "Pasta di mais al pomodoro"}},
			{Diet: "GLUT", Dish: app.Dish{Course: app.CourseBread, Name: "Pane senza glutine"}},
		}}
}

func idleWithMenu() app.IdleStatus {
	st := idleStatus()
	st.Menus = []app.MenuDay{todayMenu()}
	st.MenuAsOf = time.Date(2026, 11, 23, 9, 40, 0, 0, rome)
	return st
}

func TestCanteenIdleMenu(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	if s.menu.root.Visible() {
		t.Fatal("the menu board shows with no menu ever pulled")
	}
	s.SetIdle(idleWithMenu())
	if !s.menu.root.Visible() || s.menu.title.Text != "Menù di oggi" {
		t.Fatalf("board visible %v, title %q", s.menu.root.Visible(), s.menu.title.Text)
	}
	if got := s.menu.rows[0].dish.Text; got != "Pasta al pomodoro e basilico" {
		t.Errorf("first dish %q", got)
	}
	if got := s.menu.rows[1].info.Text; got != "Secondo · Allergeni: 3 Uova · 7 Latte" {
		t.Errorf("second dish's line %q", got)
	}
	if got := s.menu.rows[2].info.Text; got != "Contorno · Senza allergeni" {
		t.Errorf("a dish without allergens: %q", got)
	}
	if s.menu.rows[5].box.Visible() {
		t.Error("a sixth row shows for five dishes")
	}
	if got := s.menu.asOf.Text; got != "Menù aggiornato al 23/11/2026 alle 09:40" {
		t.Errorf("as-of %q", got)
	}
	assertMarkup(t, "idle_menu", w)
	// A substitution pulled later replaces the dish on screen.
	st := idleWithMenu()
	st.Menus[0].Dishes[0].Name = "Risotto alla zucca"
	st.MenuAsOf = st.MenuAsOf.Add(2 * time.Hour)
	s.SetIdle(st)
	if got := s.menu.rows[0].dish.Text; got != "Risotto alla zucca" {
		t.Errorf("after a substitution: %q", got)
	}
	// English.
	e, _ := newTestScreen(t, "en", time.Hour)
	e.SetIdle(idleWithMenu())
	if e.menu.title.Text != "Today's menu" || e.menu.rows[0].info.Text != "First course · Allergens: 1 Gluten" {
		t.Errorf("English: %q %q", e.menu.title.Text, e.menu.rows[0].info.Text)
	}
}

func TestCanteenClosedDay(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	st := idleWithMenu()
	st.Closed = &app.ClosedDay{Day: st.Day, Reason: app.ClosedStrike, Note: "Sciopero del personale"}
	s.SetIdle(st)
	if !s.menu.closed.root.Visible() || s.menu.closed.title.Text() != "Servizio non previsto oggi" ||
		s.menu.closed.lines[0].Text() != "Sciopero — Sciopero del personale" {
		t.Errorf("closed idle: visible %v %q %q", s.menu.closed.root.Visible(), s.menu.closed.title.Text(), s.menu.closed.lines[0].Text())
	}
	p := marco
	s.ShowResult(app.TapResult{Outcome: app.OutcomeClosedDay, Badge: "1A00A10025", At: noon, Pupil: &p, Closed: st.Closed, Balance: 1620})
	if !s.amber.root.Visible() || s.amber.title.Text() != "Servizio non previsto oggi" || s.green.root.Visible() || s.banner.root.Visible() {
		t.Errorf("closed result: amber %v %q, green %v", s.amber.root.Visible(), s.amber.title.Text(), s.green.root.Visible())
	}
	if got := s.amber.lines[2].Text(); got != "Nessun pasto registrato" {
		t.Errorf("closed result's last line %q", got)
	}
	assertMarkup(t, "closed_day", w)
	// Staff opened the day: the menu again, with a note.
	st.ClosedOverride = true
	s.SetIdle(st)
	if s.menu.closed.root.Visible() || s.menu.more.Text != "Giornata chiusa: servizio aperto dal personale" {
		t.Errorf("override: closed panel %v, note %q", s.menu.closed.root.Visible(), s.menu.more.Text)
	}
	e, _ := newTestScreen(t, "en", time.Hour)
	e.ShowResult(app.TapResult{Outcome: app.OutcomeClosedDay, Pupil: &p, Closed: &app.ClosedDay{Reason: app.ClosedHoliday, Note: "Immacolata Concezione", National: true}})
	if e.amber.title.Text() != "No canteen service today" || e.amber.lines[0].Text() != "Holiday — Immacolata Concezione" {
		t.Errorf("English closed result: %q %q", e.amber.title.Text(), e.amber.lines[0].Text())
	}
}

func TestBannerDietDishes(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	p := marco
	p.Diet = &celiac
	r := served(p)
	r.DietDishes = todayMenu().Substitutions("GLUT")
	s.ShowResult(r)
	lines := []string{}
	for _, l := range s.banner.lines {
		lines = append(lines, l.Text())
	}
	if !s.banner.root.Visible() || lines[2] != "Primo: Pasta di mais al pomodoro" || lines[3] != "Pane: Pane senza glutine" {
		t.Errorf("banner lines %q", lines)
	}
	if got := s.banner.small.Text(); got != "Al posto di: Pasta al pomodoro e basilico, Pane comune" {
		t.Errorf("banner's instead line %q", got)
	}
	assertMarkup(t, "banner_diet_dishes", w)
	for _, sc := range fitScreens {
		sz := sc.size()
		fitCheck(t, "banner with diet dishes "+sc.String(), w, s.Content(), sz.Width, sz.Height)
	}
	// Without a menu the banner is as before: the diet and its allergens.
	s.ShowResult(served(p))
	if s.banner.lines[2].Visible() || s.banner.small.Visible() {
		t.Error("diet dish lines shown without a menu")
	}
}

func TestCanteenMenuViewsFit(t *testing.T) {
	st := idleWithMenu()
	// The longest day: every course, long names.
	st.Menus[0].Dishes = append(st.Menus[0].Dishes,
		app.Dish{Course: app.CourseStarter, Name: "Bruschetta al pomodoro fresco, origano e olio extravergine d'oliva", Allergens: app.Allergens},
		app.Dish{Course: app.CourseDessert, Name: "Torta di mele della nonna con crema pasticcera", Allergens: []app.Allergen{app.AllergenGluten, app.AllergenEggs, app.AllergenMilk}},
		app.Dish{Course: app.CourseSnack, Name: "Yogurt"})
	st.Menus = append(st.Menus, app.MenuDay{Group: "Infanzia", Day: st.Day})
	closed := idleWithMenu()
	closed.Closed = &app.ClosedDay{Reason: app.ClosedTrip, Note: strings.Repeat("Gita d'istruzione al museo ", 4)}
	for name, idle := range map[string]app.IdleStatus{"menu": st, "closed": closed} {
		s, w := newTestScreen(t, "it", time.Hour)
		s.SetIdle(idle)
		for _, sc := range fitScreens {
			sz := sc.size()
			fitCheck(t, "canteen idle "+name+" "+sc.String(), w, s.Content(), sz.Width, sz.Height)
		}
		fitCheck(t, "canteen demo idle "+name, w, s.Content(), fitDemoW, fitDemoH)
	}
}

// TestCanteenPromptWordsBesideMenu: beside today's menu the prompt keeps
// every word whole, also where the screen is narrowed (the demo's reader
// panel leaves the canteen about 990 px of a 1280 px display, and the
// board at its full width broke "Avvicina" inside the word).
func TestCanteenPromptWordsBesideMenu(t *testing.T) {
	s, w := newTestScreen(t, "it", time.Hour)
	s.SetIdle(idleWithMenu())
	for _, width := range []float32{990, 1100, 1280} {
		w.Resize(fyne.NewSize(width, 720))
		s.Content().Resize(fyne.NewSize(width, 720))
		if !s.menu.root.Visible() {
			t.Fatal("no menu board beside the prompt")
		}
		style := s.prompt.TextStyle
		size := theme.SizeForWidget(SizeNamePrompt, s.prompt)
		room := s.prompt.Size().Width - 2*theme.InnerPadding()
		for _, word := range strings.Fields(s.prompt.Text) {
			if ww := fyne.MeasureText(word, size, style).Width; ww > room {
				t.Errorf("at %.0f px the prompt is %.0f px wide inside: %q needs %.0f, cut inside the word", width, room, word, ww)
			}
		}
	}
}
