package demo

import (
	"maps"
	"slices"

	"mensakiosk/app"
)

// The demo Comune's menu and school calendar: a four-week rotation (as
// Italian canteens plan it) from a week before the demo's day to four
// weeks after, every dish with its allergens, each special diet's
// alternatives, and a few closed days near the demo's day. The demo runs
// any day of the week, so the menu has every day, weekends included (a
// real Comune's has school days only).

// Menu groups: the primary school and the nursery school eat different
// menus (smaller portions, softer dishes at the nursery).
const (
	groupPrimaria = "Scuole primarie"
	groupInfanzia = "Scuole dell'infanzia"
)

type dish struct {
	course app.Course
	name   string
	al     []app.Allergen
	// alt: the dish each diet has instead of this one.
	alt map[string]dish
}

const (
	a1  = app.AllergenGluten
	a3  = app.AllergenEggs
	a4  = app.AllergenFish
	a7  = app.AllergenMilk
	a8  = app.AllergenNuts
	a9  = app.AllergenCelery
	a11 = app.AllergenSesame
)

func al(as ...app.Allergen) []app.Allergen { return as }

var (
	breadDish  = dish{app.CourseBread, "Pane comune", al(a1), map[string]dish{"GLUT": {app.CourseBread, "Pane senza glutine", nil, nil}}}
	glutenFree = func(name string) map[string]dish {
		return map[string]dish{"GLUT": {app.CourseFirst, name, nil, nil}}
	}
)

// rotation is four weeks of five school days (Monday first), three to four
// courses a day; the nursery's days drop the bread.
var rotation = [4][5][]dish{
	{ // week 1
		{{app.CourseFirst, "Pasta al pomodoro e basilico", al(a1), glutenFree("Pasta di mais al pomodoro")},
			{app.CourseMain, "Frittata al forno con zucchine", al(a3, a7), map[string]dish{"EGG": {app.CourseMain, "Petto di pollo alla piastra", nil, nil}, "LATT": {app.CourseMain, "Frittata senza formaggio", al(a3), nil}}},
			{app.CourseSide, "Carote julienne", nil, nil}, breadDish, {app.CourseFruit, "Mela", nil, nil}},
		{{app.CourseFirst, "Risotto alla parmigiana", al(a7, a9), map[string]dish{"LATT": {app.CourseFirst, "Risotto all'olio e zafferano", al(a9), nil}}},
			{app.CourseMain, "Polpette di manzo al sugo", al(a1, a3), map[string]dish{"GLUT": {app.CourseMain, "Polpette di manzo senza pane", al(a3), nil}, "VEG": {app.CourseMain, "Polpette di lenticchie", al(a1), nil}, "EGG": {app.CourseMain, "Hamburger di manzo", nil, nil}}},
			{app.CourseSide, "Piselli al vapore", nil, nil}, breadDish, {app.CourseFruit, "Pera", nil, nil}},
		{{app.CourseSingle, "Pizza margherita", al(a1, a7), map[string]dish{"GLUT": {app.CourseSingle, "Pizza senza glutine", al(a7), nil}, "LATT": {app.CourseSingle, "Pizza marinara", al(a1), nil}}},
			{app.CourseSide, "Insalata verde", nil, nil}, {app.CourseDessert, "Budino alla vaniglia", al(a7), map[string]dish{"LATT": {app.CourseDessert, "Budino di soia", al(app.AllergenSoy), nil}}}},
		{{app.CourseFirst, "Passato di verdure con crostini", al(a1, a9), glutenFree("Passato di verdure con riso")},
			{app.CourseMain, "Merluzzo gratinato", al(a1, a4), map[string]dish{"GLUT": {app.CourseMain, "Merluzzo al vapore", al(a4), nil}, "VEG": {app.CourseMain, "Uova sode", al(a3), nil}}},
			{app.CourseSide, "Patate al forno", nil, nil}, breadDish, {app.CourseFruit, "Banana", nil, nil}},
		{{app.CourseFirst, "Pasta al ragù", al(a1, a9), map[string]dish{"GLUT": {app.CourseFirst, "Pasta di mais al ragù", al(a9), nil}, "VEG": {app.CourseFirst, "Pasta al ragù di verdure", al(a1, a9), nil}}},
			{app.CourseMain, "Prosciutto cotto", nil, map[string]dish{"NOPORK": {app.CourseMain, "Fesa di tacchino", nil, nil}, "VEG": {app.CourseMain, "Mozzarella", al(a7), nil}}},
			{app.CourseSide, "Fagiolini", nil, nil}, breadDish, {app.CourseDessert, "Torta di mele", al(a1, a3, a7, a8), map[string]dish{"NUTS": {app.CourseDessert, "Yogurt alla frutta", al(a7), nil}, "GLUT": {app.CourseDessert, "Yogurt alla frutta", al(a7), nil}}}},
	},
	{ // week 2
		{{app.CourseFirst, "Pasta e fagioli", al(a1, a9), glutenFree("Riso e fagioli")},
			{app.CourseMain, "Formaggio Asiago", al(a7), map[string]dish{"LATT": {app.CourseMain, "Bresaola", nil, nil}}},
			{app.CourseSide, "Finocchi in insalata", nil, nil}, breadDish, {app.CourseFruit, "Mandarini", nil, nil}},
		{{app.CourseFirst, "Gnocchi al pomodoro", al(a1, a3), map[string]dish{"GLUT": {app.CourseFirst, "Gnocchi senza glutine al pomodoro", al(a3), nil}, "EGG": {app.CourseFirst, "Pasta al pomodoro", al(a1), nil}}},
			{app.CourseMain, "Arrosto di tacchino", nil, map[string]dish{"VEG": {app.CourseMain, "Crocchette di ceci", al(a1, a11), nil}}},
			{app.CourseSide, "Spinaci all'olio", nil, nil}, breadDish, {app.CourseFruit, "Mela", nil, nil}},
		{{app.CourseFirst, "Crema di zucca con riso", al(a7), map[string]dish{"LATT": {app.CourseFirst, "Crema di zucca all'olio", nil, nil}}},
			{app.CourseMain, "Bastoncini di pesce al forno", al(a1, a4), map[string]dish{"GLUT": {app.CourseMain, "Filetto di platessa al forno", al(a4), nil}, "VEG": {app.CourseMain, "Frittata di verdure", al(a3, a7), nil}}},
			{app.CourseSide, "Insalata mista", nil, nil}, breadDish, {app.CourseFruit, "Arancia", nil, nil}},
		{{app.CourseSingle, "Lasagne alla bolognese", al(a1, a3, a7, a9), map[string]dish{"GLUT": {app.CourseSingle, "Lasagne senza glutine", al(a3, a7, a9), nil}, "LATT": {app.CourseSingle, "Pasta al ragù", al(a1, a9), nil}, "VEG": {app.CourseSingle, "Lasagne alle verdure", al(a1, a3, a7, a9), nil}}},
			{app.CourseSide, "Carote al vapore", nil, nil}, {app.CourseFruit, "Kiwi", nil, nil}},
		{{app.CourseFirst, "Pasta al pesto", al(a1, a7, a8), map[string]dish{"GLUT": {app.CourseFirst, "Pasta di mais al pomodoro", nil, nil}, "NUTS": {app.CourseFirst, "Pasta all'olio e parmigiano", al(a1, a7), nil}, "LATT": {app.CourseFirst, "Pasta all'olio", al(a1), nil}}},
			{app.CourseMain, "Cosce di pollo al forno", nil, map[string]dish{"VEG": {app.CourseMain, "Hummus di ceci", al(a11), nil}}},
			{app.CourseSide, "Zucchine trifolate", nil, nil}, breadDish, {app.CourseFruit, "Pera", nil, nil}},
	},
}

func init() {
	// Weeks 3 and 4 repeat 1 and 2 with the days turned: a rotation of
	// four weeks without writing it all twice.
	for w := 2; w < 4; w++ {
		for d := range 5 {
			rotation[w][d] = rotation[w-2][(d+2)%5]
		}
	}
}

// Diets is the demo Comune's list of special diets (the import's diets).
func Diets() []app.Diet { return append([]app.Diet(nil), diets...) }

// MenuGroups puts the demo's schools in their menu groups.
func MenuGroups() []app.MenuGroup {
	return []app.MenuGroup{{School: classes[0].school, Group: groupPrimaria}, {School: classes[len(classes)-1].school, Group: groupInfanzia}}
}

// MenuRow is a row of the demo's menu import: a dish of a group's day,
// or a diet's alternative to the course's dish.
type MenuRow struct {
	Day    app.Day
	Group  string
	Course app.Course
	Dish   string
	Al     []app.Allergen
	Diet   string
}

// Menu returns the demo's menu from a week before day to four weeks
// after: each dish, then each diet's alternative.
func Menu(day app.Day) []MenuRow {
	var rows []MenuRow
	for i := -7; i <= 28; i++ {
		d := day.AddDays(i)
		// The rotation by ISO week, so the same date has the same menu
		// whenever the demo starts.
		wd := (int(d.Weekday()) + 6) % 7 // Monday 0
		week := weekIndex(d)
		dishes := rotation[week%4][min(wd, 4)]
		if wd >= 5 { // the weekend: the demo shows Friday's menu
			dishes = rotation[week%4][4-(wd-5)]
		}
		for _, g := range []string{groupPrimaria, groupInfanzia} {
			for _, x := range dishes {
				if g == groupInfanzia && x.course == app.CourseBread {
					continue
				}
				rows = append(rows, MenuRow{Day: d, Group: g, Course: x.course, Dish: x.name, Al: x.al})
				for _, diet := range slices.Sorted(maps.Keys(x.alt)) {
					alt := x.alt[diet]
					rows = append(rows, MenuRow{Day: d, Group: g, Course: x.course, Dish: alt.name, Al: alt.al, Diet: diet})
				}
			}
		}
	}
	return rows
}

// weekIndex counts weeks from a fixed Monday.
func weekIndex(d app.Day) int {
	const epoch = app.Day("2024-09-02") // a Monday
	n := 0
	for x := epoch; x < d; x = x.AddDays(7) {
		n++
	}
	return n
}

// Closed returns the demo's closed days near day: a strike of the
// canteen staff in every school on the coming Wednesday, and the
// nursery's trip on the Friday after it (national holidays come by
// themselves).
func Closed(day app.Day) []app.ClosedDay {
	wd := (int(day.Weekday()) + 6) % 7
	ahead := (2 - wd + 7) % 7
	if ahead == 0 {
		ahead = 7
	}
	wed := day.AddDays(ahead)
	return []app.ClosedDay{
		{Day: wed, Reason: app.ClosedStrike, Note: "Sciopero del personale della ristorazione"},
		{School: classes[len(classes)-1].school, Day: wed.AddDays(2), Reason: app.ClosedTrip, Note: "Gita alla fattoria didattica"},
	}
}
