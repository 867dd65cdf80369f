package server

import (
	"errors"

	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central"
)

func menuSpan(t *testing.T, s *Server) app.MenuCalendar {
	t.Helper()
	mc, err := s.MenuCalendar("2025-03-01", "2025-04-30")
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

func TestImportMenuCSVAndJSON(t *testing.T) {
	s := openTemp(t)
	if _, err := s.ImportFile("testdata/csv"); err != nil {
		t.Fatal(err)
	}
	st, err := s.ImportFile("testdata/menu")
	if err != nil {
		t.Fatal(err)
	}
	// 2 groups, 4 menu days (Primarie ×2, Infanzia ×1 … on the 10th and 11th), 1+1+5 closed days.
	if st.Inserted != 2+3+7 {
		t.Errorf("stats %+v", st)
	}
	mc := menuSpan(t, s)
	if rev(mc.Version) != 1 || len(mc.Groups) != 2 || len(mc.Days) != 3 || len(mc.Closed) != 7 {
		t.Fatalf("version %d, %d groups, %d days, %d closed", mc.Version, len(mc.Groups), len(mc.Days), len(mc.Closed))
	}
	m, ok := mc.MenuOf("Primaria G. Rodari", "2025-03-10")
	if !ok || len(m.Dishes) != 4 || m.Dishes[0].Name != "Pasta al pomodoro" || len(m.Diets) != 2 {
		t.Fatalf("Rodari's menu of the 10th: %+v", m)
	}
	if got := m.Dishes[1].Allergens; len(got) != 2 || got[0] != app.AllergenEggs || got[1] != app.AllergenMilk {
		t.Errorf("the frittata's allergens: %v", got)
	}
	if sub := m.Substitutions("GLU"); len(sub) != 1 || sub[0].Name != "Pasta di mais al pomodoro" {
		t.Errorf("GLU's substitutions: %+v", sub)
	}
	if _, closed := mc.ClosedOn("Primaria G. Rodari", "2025-03-14"); !closed {
		t.Error("the trip of the 14th is not a closed day")
	}
	if _, closed := mc.ClosedOn("Infanzia Il Girasole", "2025-03-17"); !closed {
		t.Error("the strike of the 17th closes every school")
	}
	if _, closed := mc.ClosedOn("Infanzia Il Girasole", "2025-04-21"); !closed {
		t.Error("the Easter holidays span 18–22 April")
	}
	// The same files again change nothing, and spend no version.
	st, err = s.ImportFile("testdata/menu")
	if err != nil || st.Inserted+st.Updated != 0 || rev(menuSpan(t, s).Version) != 1 {
		t.Fatalf("re-import: %+v %v version %d", st, err, menuSpan(t, s).Version)
	}
	// The JSON form, with a closed day.
	if _, err := s.ImportFile("testdata/menu.json"); err != nil {
		t.Fatal(err)
	}
	mc = menuSpan(t, s)
	if _, ok := mc.MenuOf("Primaria G. Rodari", "2025-03-12"); !ok || rev(mc.Version) != 2 {
		t.Errorf("JSON menu of the 12th missing (version %d)", mc.Version)
	}
	// A substitution during the day: the day's rows again, one dish changed.
	sub := "day;school;course;dish;allergens\n2025-03-10;Infanzia Il Girasole;piatto unico;Pasta e ceci;glutine\n2025-03-10;Infanzia Il Girasole;frutta;Mela;\n"
	if _, err := s.ImportFiles([]ImportFile{{Name: "menu.csv", Data: []byte(sub)}}); err != nil {
		t.Fatal(err)
	}
	mc = menuSpan(t, s)
	m, _ = mc.MenuOf("Infanzia Il Girasole", "2025-03-10")
	if rev(mc.Version) != 3 || len(m.Dishes) != 2 || m.Dishes[0].Name != "Pasta e ceci" || m.Dishes[1].Name != "Mela" {
		t.Errorf("after the substitution (version %d): %+v", mc.Version, m.Dishes)
	}
	// A closed day taken back.
	if _, err := s.ImportFiles([]ImportFile{{Name: "calendar.csv", Data: []byte("day;school;reason\n2025-03-17;*;aperto\n")}}); err != nil {
		t.Fatal(err)
	}
	if _, closed := menuSpan(t, s).ClosedOn("Infanzia Il Girasole", "2025-03-17"); closed {
		t.Error("the strike called off is still a closed day")
	}
}

func TestImportMenuMalformed(t *testing.T) {
	const head = "day;school;course;dish;allergens;diet\n"
	good := "2025-03-10;Primarie;primo;Pasta;glutine;\n"
	for _, c := range []struct {
		name, file, data string
		want             []string
	}{
		{"unknown allergen", "menu.csv", head + good + "2025-03-10;Primarie;secondo;Frittata;uova|kiwi;\n",
			[]string{"menu.csv line 3", "allergens", `"kiwi" is not one of the 14 allergens`}},
		{"dish with no course", "menu.csv", head + good + "2025-03-10;Primarie;;Frittata;uova;\n",
			[]string{"menu.csv line 3", "course", "no course"}},
		{"unknown course", "menu.csv", head + "2025-03-10;Primarie;quarto;Frittata;uova;\n",
			[]string{"menu.csv line 2", "course", `"quarto" is not a course`}},
		{"date out of the school year", "menu.csv", head + good + "2031-03-10;Primarie;primo;Pasta;glutine;\n",
			[]string{"menu.csv line 3", "day", "outside the school year 2024/25"}},
		{"date before the school year", "menu.csv", head + "2024-06-10;Primarie;primo;Pasta;glutine;\n",
			[]string{"menu.csv line 2", "day", "outside the school year"}},
		{"diet that does not exist", "menu.csv", head + good + "2025-03-10;Primarie;primo;Riso;;VEGAN\n",
			[]string{"menu.csv line 3", "diet", `"VEGAN" is not on the roster's diet list`}},
		{"a diet's course twice", "menu.csv", head + "2025-03-10;Primarie;primo;Riso;;GLU\n2025-03-10;Primarie;primo;Mais;;GLU\n",
			[]string{"menu.csv line 3", "diet", "already"}},
		{"no dish", "menu.csv", head + "2025-03-10;Primarie;primo;;glutine;\n", []string{"menu.csv line 2", "dish", "missing"}},
		{"calendar: bad reason", "calendar.csv", "day;school;reason\n2025-03-14;Rodari;festa patronale?\n",
			[]string{"calendar.csv line 2", "reason"}},
		{"calendar: out of the school year", "calendar.csv", "day;school;reason\n2030-03-14;Rodari;gita\n",
			[]string{"calendar.csv line 2", "day", "outside the school year"}},
		{"calendar: to before day", "calendar.csv", "day;to;reason\n2025-03-14;2025-03-10;chiusura\n",
			[]string{"calendar.csv line 2", "to", "before"}},
		{"JSON: unknown allergen", "m.json", `{"menu":[{"day":"2025-03-10","school":"Primarie","course":"primo","dish":"Pasta","allergens":["glutine"]},
			{"day":"2025-03-10","school":"Primarie","course":"secondo","dish":"Pesce","allergens":["pesce","ananas"]}]}`,
			[]string{"menu[1]", "allergens", `"ananas"`}},
		{"JSON: no course", "m.json", `{"menu":[{"day":"2025-03-10","school":"Primarie","dish":"Pasta"}]}`,
			[]string{"menu[0]", "course", "no course"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTemp(t)
			mustImport(t, s, fixture()) // diets: GLU only
			before := menuSpan(t, s)
			// With a roster file in the same import: on error nothing at all is written.
			pupils := "id;account_id;first_name;last_name;school\nP9;A1;Nuovo;Alunno;Rodari\n"
			_, err := s.ImportFiles([]ImportFile{{Name: "pupils.csv", Data: []byte(pupils)}, {Name: c.file, Data: []byte(c.data)}})
			var ie *ImportError
			if err == nil || !errors.As(err, &ie) {
				t.Fatalf("want an ImportError, got %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			after := menuSpan(t, s)
			if after.Version != before.Version || len(after.Days)+len(after.Closed) != 0 {
				t.Errorf("a refused import wrote the menu: %+v", after)
			}
			for _, p := range pullAllDirect(t, s).Pupils {
				if p.ID == "P9" {
					t.Error("a refused import wrote the pupil of the same import")
				}
			}
		})
	}
}

func TestBookingRefusedOnClosedDay(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture()) // pupils of "Rodari", every weekday
	cal := "day;school;reason;note\n2025-03-12;Rodari;gita;Gita\n2026-02-12;Rodari;chiusura;Ponte\n2025-03-13;Altra scuola;sciopero;\n"
	if _, err := e.s.ImportFiles([]ImportFile{{Name: "calendar.csv", Data: []byte(cal)}}); err != nil {
		t.Fatal(err)
	}
	c := e.client(e.roleToken("C1", RoleCounter))
	ctx := t.Context()
	var ce *central.Error
	for _, d := range []app.Day{
		"2025-03-12", // the school's trip
		"2025-04-25", // a national holiday (a Friday)
		"2025-04-21", // Easter Monday 2025, computed
		"2026-02-12", // far ahead, next school year
	} {
		_, err := c.Book(ctx, app.BookingRequest{PupilID: "P1", Day: d, Cancelled: true})
		if !errors.As(err, &ce) || ce.Code != central.CodeClosedDay || !errors.Is(err, app.ErrClosedDay) {
			t.Errorf("booking on closed day %s: %v", d, err)
		}
	}
	// Another school's strike does not close Rodari.
	if b, err := c.Book(ctx, app.BookingRequest{PupilID: "P1", Day: "2025-03-13", Cancelled: true}); err != nil || !b.Cancelled {
		t.Errorf("an open day: %+v %v", b, err)
	}
}

func TestMenuEndpoint(t *testing.T) {
	e := newEnv(t)
	mustImport(t, e.s, fixture())
	if _, err := e.s.ImportFile("testdata/menu.json"); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, role := range []string{RoleCanteen, RoleCounter} {
		c := e.client(e.roleToken("K-"+role, role))
		mc, err := c.Menu(ctx, "2025-03-03", "2025-04-14", 0)
		if err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		if rev(mc.Version) != 1 || len(mc.Days) != 1 || len(mc.Closed) != 1 || mc.AsOf.IsZero() {
			t.Fatalf("%s: %+v", role, mc)
		}
		again, err := c.Menu(ctx, "2025-03-03", "2025-04-14", mc.Version)
		if err != nil || !again.Unchanged || len(again.Days) != 0 {
			t.Errorf("%s: same version: %+v %v", role, again, err)
		}
	}
	if st, _, _ := e.do("GET", central.PathMenu+"?from=2025-03-03&to=2026-03-03", e.roleToken("K3", RoleCanteen), nil); st != 400 {
		t.Errorf("a span over %d days: HTTP %d", central.MaxMenuDays, st)
	}
	if st, _, _ := e.do("GET", central.PathMenu+"?from=2025-03-03&to=2025-03-04", "", nil); st != 401 {
		t.Errorf("no token: HTTP %d", st)
	}
	rtok := e.receiptToken("connector")
	if st, _, _ := e.do("GET", central.PathMenu+"?from=2025-03-03&to=2025-03-04", rtok, nil); st != 403 {
		t.Errorf("the receipts token: HTTP %d, want 403", st)
	}
}

func TestDayReportOnClosedDay(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, fixture())
	open, err := s.DayReport(testDay, "")
	if err != nil || open.Totals.Booked != 3 {
		t.Fatalf("open day: booked %d, %v", open.Totals.Booked, err)
	}
	if _, err := s.ImportFiles([]ImportFile{{Name: "calendar.csv", Data: []byte("day;school;reason\n2025-03-10;Rodari;sciopero\n")}}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.DayReport(testDay, "")
	if err != nil || rep.Totals.Booked != 0 || rep.Totals.Bland != 0 || len(rep.NotEaten) != 0 {
		t.Errorf("closed day: booked %d, bland %d, not eaten %d, %v", rep.Totals.Booked, rep.Totals.Bland, len(rep.NotEaten), err)
	}
	if hol, err := s.DayReport("2025-04-25", ""); err != nil || hol.Totals.Booked != 0 {
		t.Errorf("25 April: booked %d, %v", hol.Totals.Booked, err)
	}
}

// rev is the import revision in a menu version (below the database id).
func rev(v uint64) uint64 { return v & 0xffffffff }

func TestMenuVersionNamesTheDatabase(t *testing.T) {
	a, b := openTemp(t), openTemp(t)
	for _, s := range []*Server{a, b} {
		mustImport(t, s, fixture())
		if _, err := s.ImportFile("testdata/menu.json"); err != nil {
			t.Fatal(err)
		}
	}
	va, vb := menuSpan(t, a).Version, menuSpan(t, b).Version
	if rev(va) != rev(vb) || va == vb {
		t.Errorf("two databases at the same revision give versions %x and %x: a kiosk moved from one to the other would keep a stale menu", va, vb)
	}
}

// An absence over a closed day cancels the open days only: a closed day
// has no meal to cancel (and the report of it stays empty).
func TestAbsenceSkipsClosedDays(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, fixture())
	if _, err := s.ImportFiles([]ImportFile{{Name: "calendar.csv", Data: []byte("day;school;reason\n2025-03-12;Rodari;gita\n")}}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Absence(app.AbsenceRequest{AccountID: "A1", PupilIDs: []app.PupilID{"P1"}, From: "2025-03-11", To: "2025-03-13"})
	if err != nil {
		t.Fatal(err)
	}
	var days []app.Day
	for _, b := range rep.Bookings {
		days = append(days, b.Day)
	}
	if len(days) != 2 || days[0] != "2025-03-11" || days[1] != "2025-03-13" {
		t.Errorf("absence over the closed 12th cancelled %v, want the 11th and the 13th", days)
	}
}
