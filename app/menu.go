package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The menu (PRODUCT.md §8): per school or menu group, per day, the dishes of
// each course, each with the allergens of EU Regulation 1169/2011 (Annex II)
// it contains, and the dish each special diet has instead. The central
// server imports it, the kiosks pull it with the school calendar
// (calendar.go) and keep it for when they are offline.

// Allergen is one of the 14 allergens of Regulation (EU) 1169/2011, Annex
// II, by its canonical code. The codes are the Italian names, as Italian
// menus print them; the screens translate them (key "allergen.<code>").
type Allergen string

// The 14 allergens, in the Annex's order (its number is the index + 1,
// which Italian menus print beside a dish: "(1, 7)").
const (
	AllergenGluten      Allergen = "glutine"
	AllergenCrustaceans Allergen = "crostacei"
	AllergenEggs        Allergen = "uova"
	AllergenFish        Allergen = "pesce"
	AllergenPeanuts     Allergen = "arachidi"
	AllergenSoy         Allergen = "soia"
	AllergenMilk        Allergen = "latte"
	AllergenNuts        Allergen = "frutta_a_guscio"
	AllergenCelery      Allergen = "sedano"
	AllergenMustard     Allergen = "senape"
	AllergenSesame      Allergen = "sesamo"
	AllergenSulphites   Allergen = "solfiti"
	AllergenLupin       Allergen = "lupini"
	AllergenMolluscs    Allergen = "molluschi"
)

// Allergens lists the 14 in the Annex's order.
var Allergens = []Allergen{AllergenGluten, AllergenCrustaceans, AllergenEggs, AllergenFish, AllergenPeanuts,
	AllergenSoy, AllergenMilk, AllergenNuts, AllergenCelery, AllergenMustard, AllergenSesame, AllergenSulphites,
	AllergenLupin, AllergenMolluscs}

// Number is the allergen's number in Annex II (1–14), 0 for an unknown one.
func (a Allergen) Number() int { return slices.Index(Allergens, a) + 1 }

// allergenAliases maps what menus write (Italian and English names, the
// Annex numbers) to the canonical code.
var allergenAliases = func() map[string]Allergen {
	m := map[string]Allergen{}
	for i, a := range Allergens {
		m[string(a)] = a
		m[strconv.Itoa(i+1)] = a
	}
	for alias, a := range map[string]Allergen{
		"cereali contenenti glutine": AllergenGluten, "gluten": AllergenGluten, "cereals containing gluten": AllergenGluten,
		"crostaceo": AllergenCrustaceans, "crustaceans": AllergenCrustaceans,
		"uovo": AllergenEggs, "eggs": AllergenEggs, "egg": AllergenEggs,
		"fish":     AllergenFish,
		"arachide": AllergenPeanuts, "peanuts": AllergenPeanuts, "peanut": AllergenPeanuts,
		"soya": AllergenSoy, "soy": AllergenSoy, "soybeans": AllergenSoy,
		"milk": AllergenMilk, "latte e derivati": AllergenMilk,
		"frutta a guscio": AllergenNuts, "frutta secca a guscio": AllergenNuts, "nuts": AllergenNuts, "tree nuts": AllergenNuts,
		"celery":         AllergenCelery,
		"mustard":        AllergenMustard,
		"semi di sesamo": AllergenSesame, "sesame": AllergenSesame,
		"anidride solforosa e solfiti": AllergenSulphites, "anidride solforosa": AllergenSulphites, "sulphites": AllergenSulphites,
		"sulfites": AllergenSulphites, "sulphur dioxide": AllergenSulphites,
		"lupino": AllergenLupin, "lupin": AllergenLupin,
		"mollusco": AllergenMolluscs, "molluscs": AllergenMolluscs, "mollusks": AllergenMolluscs,
	} {
		m[alias] = a
	}
	return m
}()

// ParseAllergen reads an allergen by its code, its Italian or English
// name or its number in Annex II (case and surrounding space ignored).
func ParseAllergen(s string) (Allergen, error) {
	k := strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(s, "_", " "))), " ")
	if a, ok := allergenAliases[k]; ok {
		return a, nil
	}
	if a, ok := allergenAliases[strings.ReplaceAll(k, " ", "_")]; ok {
		return a, nil
	}
	return "", fmt.Errorf("%q is not one of the 14 allergens of Reg. (EU) 1169/2011 (%s)", s, allergenCodes())
}

func allergenCodes() string { return joinCodes(Allergens) }

// joinCodes lists codes for an error message: "a, b, c".
func joinCodes[S ~string](codes []S) string {
	n := make([]string, len(codes))
	for i, c := range codes {
		n[i] = string(c)
	}
	return strings.Join(n, ", ")
}

// ParseAllergens reads a list (see ParseAllergen) into canonical codes in
// the Annex's order, each once.
func ParseAllergens(list []string) ([]Allergen, error) {
	var out []Allergen
	for _, s := range list {
		if strings.TrimSpace(s) == "" {
			continue
		}
		a, err := ParseAllergen(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y Allergen) int { return x.Number() - y.Number() })
	return out, nil
}

// Course is a course of the menu, by its canonical code; the screens
// translate it (key "course.<code>").
type Course string

// The courses, in serving order.
const (
	CourseStarter Course = "antipasto"
	CourseFirst   Course = "primo"
	CourseMain    Course = "secondo"
	CourseSide    Course = "contorno"
	CourseSingle  Course = "piatto_unico"
	CourseBread   Course = "pane"
	CourseFruit   Course = "frutta"
	CourseDessert Course = "dessert"
	CourseSnack   Course = "merenda"
)

// Courses lists the courses in serving order.
var Courses = []Course{CourseStarter, CourseFirst, CourseMain, CourseSingle, CourseSide, CourseBread, CourseFruit,
	CourseDessert, CourseSnack}

var courseAliases = map[string]Course{
	"primo piatto": CourseFirst, "first": CourseFirst, "first course": CourseFirst,
	"secondo piatto": CourseMain, "main": CourseMain, "main course": CourseMain,
	"side": CourseSide, "side dish": CourseSide,
	"piatto unico": CourseSingle, "one dish": CourseSingle,
	"starter": CourseStarter,
	"bread":   CourseBread,
	"fruit":   CourseFruit,
	"dolce":   CourseDessert,
	"snack":   CourseSnack,
}

// ParseCourse reads a course by its code or a common Italian or English
// name. An empty course is an error: every dish belongs to one.
func ParseCourse(s string) (Course, error) {
	k := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if k == "" {
		return "", fmt.Errorf("the dish has no course (%s)", courseCodes())
	}
	if c := Course(strings.ReplaceAll(k, " ", "_")); slices.Contains(Courses, c) {
		return c, nil
	}
	if c, ok := courseAliases[k]; ok {
		return c, nil
	}
	return "", fmt.Errorf("%q is not a course (%s)", s, courseCodes())
}

func courseCodes() string { return joinCodes(Courses) }

// Order is the course's place in serving order (unknown ones last).
func (c Course) Order() int {
	if i := slices.Index(Courses, c); i >= 0 {
		return i
	}
	return len(Courses)
}

// Dish is one dish of a day's menu.
type Dish struct {
	Course    Course     `json:"course"`
	Name      string     `json:"name"`
	Allergens []Allergen `json:"allergens,omitempty"`
}

// DietDish is the dish a special diet has instead of the standard dish of
// its course.
type DietDish struct {
	Diet string `json:"diet"`
	Dish
}

// MenuDay is one group's menu of one day: the standard dishes in serving
// order and the diets' alternatives.
type MenuDay struct {
	// Group is a menu group or a school (see MenuBook.GroupOf).
	Group  string     `json:"group"`
	Day    Day        `json:"day"`
	Dishes []Dish     `json:"dishes"`
	Diets  []DietDish `json:"diets,omitempty"`
}

// MenuGroup puts a school in a menu group: the schools of a group eat the
// same menu. A school in no group has the menu given under its own name.
type MenuGroup struct {
	School string `json:"school"`
	Group  string `json:"group"`
}

// ServedDish is a dish as one pupil gets it: the diet's dish when the diet
// replaces the standard one (Instead is then the standard dish's name).
type ServedDish struct {
	Dish
	Instead string `json:"instead,omitempty"`
}

// Resolve is the day's menu as a pupil of diet (a diet code, "" for the
// standard menu) gets it, in serving order.
func (m MenuDay) Resolve(diet string) []ServedDish {
	out := make([]ServedDish, 0, len(m.Dishes))
	done := map[Course]bool{}
	for _, d := range m.Dishes {
		sd := ServedDish{Dish: d}
		if diet != "" {
			if i := slices.IndexFunc(m.Diets, func(x DietDish) bool { return x.Diet == diet && x.Course == d.Course }); i >= 0 {
				if done[d.Course] {
					continue // the diet's one dish replaces all the course's
				}
				sd = ServedDish{Dish: m.Diets[i].Dish, Instead: d.Name}
				done[d.Course] = true
			}
		}
		out = append(out, sd)
	}
	// A diet's dish for a course the standard menu lacks is added.
	for _, x := range m.Diets {
		if x.Diet == diet && diet != "" && !slices.ContainsFunc(m.Dishes, func(d Dish) bool { return d.Course == x.Course }) {
			out = append(out, ServedDish{Dish: x.Dish})
		}
	}
	slices.SortStableFunc(out, func(a, b ServedDish) int { return a.Course.Order() - b.Course.Order() })
	return out
}

// Substitutions are the dishes the diet replaces on the day (those with
// Instead set).
func (m MenuDay) Substitutions(diet string) []ServedDish {
	var out []ServedDish
	for _, d := range m.Resolve(diet) {
		if d.Instead != "" {
			out = append(out, d)
		}
	}
	return out
}

// MenuCalendar is what a kiosk pulls and keeps: the menu and the closed
// days of a span of days, with the server's version of them and the time
// they were pulled.
type MenuCalendar struct {
	// Version is the server's menu-and-calendar revision: it changes with
	// every import that changes either.
	Version uint64 `json:"version"`
	// Unchanged: the server answered that the kiosk's Version is current;
	// the other fields are empty.
	Unchanged bool        `json:"unchanged,omitempty"`
	From      Day         `json:"from"`
	To        Day         `json:"to"`
	Groups    []MenuGroup `json:"groups,omitempty"`
	Days      []MenuDay   `json:"days,omitempty"`
	Closed    []ClosedDay `json:"closed,omitempty"`
	// AsOf is the server's time when it answered.
	AsOf time.Time `json:"as_of"`
}

// GroupOf is the menu group of a school: its group, or its own name.
func (c MenuCalendar) GroupOf(school string) string {
	for _, g := range c.Groups {
		if g.School == school {
			return g.Group
		}
	}
	return school
}

// MenuOf is the menu of a school on a day.
func (c MenuCalendar) MenuOf(school string, d Day) (MenuDay, bool) {
	g := c.GroupOf(school)
	for _, m := range c.Days {
		if m.Day == d && m.Group == g {
			return m, true
		}
	}
	return MenuDay{}, false
}

// ClosedOn says whether the school has no canteen service on d: a closed
// day of its calendar, of every school's, or a national holiday.
func (c MenuCalendar) ClosedOn(school string, d Day) (ClosedDay, bool) {
	for _, x := range c.Closed {
		if x.Day == d && (x.School == "" || x.School == school) {
			return x, true
		}
	}
	if name, ok := NationalHoliday(d); ok {
		return ClosedDay{Day: d, Reason: ClosedHoliday, Note: name, National: true}, true
	}
	return ClosedDay{}, false
}

// ClosedSchools returns a function telling whether a school is closed on
// d, worked out once for the day (a report asks it for every pupil).
func (c MenuCalendar) ClosedSchools(d Day) func(school string) bool {
	if _, ok := NationalHoliday(d); ok {
		return func(string) bool { return true }
	}
	schools := map[string]bool{}
	for _, x := range c.Closed {
		if x.Day == d {
			if x.School == "" {
				return func(string) bool { return true }
			}
			schools[x.School] = true
		}
	}
	if len(schools) == 0 {
		return nil
	}
	return func(school string) bool { return schools[school] }
}
