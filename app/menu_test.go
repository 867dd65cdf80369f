package app_test

import (
	"reflect"
	"strings"
	"testing"

	"mensakiosk/app"
)

func TestParseAllergen(t *testing.T) {
	for in, want := range map[string]app.Allergen{
		"glutine": app.AllergenGluten, "Frutta a guscio": app.AllergenNuts, "frutta_a_guscio": app.AllergenNuts,
		"anidride solforosa e solfiti": app.AllergenSulphites, "7": app.AllergenMilk, "Milk": app.AllergenMilk,
		" lupini ": app.AllergenLupin, "14": app.AllergenMolluscs,
	} {
		if got, err := app.ParseAllergen(in); err != nil || got != want {
			t.Errorf("ParseAllergen(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"lattosio", "15", "0", "", "kiwi"} {
		if _, err := app.ParseAllergen(bad); err == nil {
			t.Errorf("ParseAllergen(%q) accepted", bad)
		}
	}
	got, err := app.ParseAllergens([]string{"latte", "glutine", "7"})
	if err != nil || !reflect.DeepEqual(got, []app.Allergen{app.AllergenGluten, app.AllergenMilk}) {
		t.Errorf("ParseAllergens = %v, %v", got, err)
	}
	if len(app.Allergens) != 14 || app.AllergenMolluscs.Number() != 14 || app.AllergenGluten.Number() != 1 {
		t.Error("the Annex lists 14 allergens, glutine 1st and molluschi 14th")
	}
}

func TestParseCourse(t *testing.T) {
	if c, err := app.ParseCourse("Piatto unico"); err != nil || c != app.CourseSingle {
		t.Errorf("ParseCourse = %q, %v", c, err)
	}
	if _, err := app.ParseCourse(" "); err == nil || !strings.Contains(err.Error(), "no course") {
		t.Errorf("an empty course: %v", err)
	}
}

func TestMenuResolveDiet(t *testing.T) {
	m := app.MenuDay{Group: "Primarie", Day: "2026-11-23",
		Dishes: []app.Dish{
			{Course: app.CourseFruit, Name: "Mela"},
			{Course: app.CourseFirst, Name: "Pasta al pomodoro", Allergens: []app.Allergen{app.AllergenGluten}},
			{Course: app.CourseMain, Name: "Frittata", Allergens: []app.Allergen{app.AllergenEggs, app.AllergenMilk}},
		},
		Diets: []app.DietDish{
			{Diet: "GF", Dish: app.Dish{Course: app.CourseFirst, Name: "Pasta di mais al pomodoro"}},
			{Diet: "EGG", Dish: app.Dish{Course: app.CourseMain, Name: "Petto di pollo", Allergens: nil}},
		}}
	std := m.Resolve("")
	if len(std) != 3 || std[0].Name != "Pasta al pomodoro" || std[2].Name != "Mela" {
		t.Fatalf("standard menu in serving order: %+v", std)
	}
	gf := m.Substitutions("GF")
	if len(gf) != 1 || gf[0].Name != "Pasta di mais al pomodoro" || gf[0].Instead != "Pasta al pomodoro" {
		t.Errorf("GF substitutions: %+v", gf)
	}
	if s := m.Substitutions("VEG"); len(s) != 0 {
		t.Errorf("a diet with no alternative today replaces nothing: %+v", s)
	}
	cal := app.MenuCalendar{Groups: []app.MenuGroup{{School: "Primaria Dante", Group: "Primarie"}}, Days: []app.MenuDay{m}}
	if _, ok := cal.MenuOf("Primaria Dante", "2026-11-23"); !ok {
		t.Error("the school's group menu not found")
	}
	if _, ok := cal.MenuOf("Infanzia Rodari", "2026-11-23"); ok {
		t.Error("a school outside the group got its menu")
	}
}
