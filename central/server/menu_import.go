package server

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
)

// Import of the menu and the school calendar (docs/central.md, "Menu and
// school calendar"). One row (CSV) or record (JSON) per dish: the day, the
// school or menu group, the course, the dish, its allergens and, for a
// diet's alternative, the diet's code. The rows of one day and group make
// that day's menu, which replaces the one stored (a substitution during
// the day is a new import of that day). Closed days are one row each, or a
// span (day..to). Everything is checked before anything is written.

// Kinds of the menu's import records (in errors: "menu[3]",
// "menu.csv line 5").
const (
	kindMenu      = "menu"
	kindMenuGroup = "menu_group"
	kindCalendar  = "calendar"
)

// ImportMenuDish is one dish of the menu import.
type ImportMenuDish struct {
	Day app.Day `json:"day"`
	// School is a school (as pupils name it) or a menu group (menu_groups).
	School    string   `json:"school"`
	Course    string   `json:"course"`
	Dish      string   `json:"dish"`
	Allergens []string `json:"allergens,omitempty"`
	// Diet, when set, makes the dish the diet's instead of the course's
	// standard dish; the diet must be on the roster's diet list.
	Diet string `json:"diet,omitempty"`
}

// ImportClosedDay is a day (or the days Day..To) without canteen service
// for a school, or for every school when School is empty or "*". Reason
// "open" (aperto) takes a closed day back.
type ImportClosedDay struct {
	Day    app.Day `json:"day"`
	To     app.Day `json:"to,omitempty"`
	School string  `json:"school,omitempty"`
	Reason string  `json:"reason"`
	Note   string  `json:"note,omitempty"`
}

// Buckets of the menu and calendar (made by the first import of them).
var (
	bMenuDays   = []byte("menu_days")   // day \0 group → app.MenuDay JSON
	bMenuGroups = []byte("menu_groups") // school → group
	bClosedDays = []byte("closed_days") // day \0 school ("" = all) → app.ClosedDay JSON
	kMenuVer    = []byte("menu_version")
)

// MaxClosedSpan bounds one closed-day row's span (day..to).
const MaxClosedSpan = 120

// addMenuRow reads a CSV row of menu.csv, menu_groups.csv or calendar.csv.
func addMenuRow(d *ImportData, kind string, r *row) error {
	switch kind {
	case kindMenu:
		d.Menu = append(d.Menu, ImportMenuDish{Day: app.Day(r.get("day")), School: r.get("school"), Course: r.get("course"),
			Dish: r.get("dish"), Allergens: splitList(r.get("allergens"), ",|+/;"), Diet: r.get("diet")})
	case kindMenuGroup:
		d.MenuGroups = append(d.MenuGroups, app.MenuGroup{School: r.get("school"), Group: r.get("group")})
	case kindCalendar:
		d.Calendar = append(d.Calendar, ImportClosedDay{Day: app.Day(r.get("day")), To: app.Day(r.get("to")),
			School: r.get("school"), Reason: r.get("reason"), Note: r.get("note")})
	}
	return nil
}

// schoolYears is the span an import's days must fall in: the current
// school year (1 September – 31 August) and the next, so the next one's
// menu can be loaded in the summer.
func (im *importer) schoolYears() (first, last app.Day, err error) {
	first, err = app.SchoolYearStart(im.s.localDay(im.now))
	if err != nil {
		return "", "", err
	}
	t, _ := time.Parse(time.DateOnly, string(first))
	return first, app.Day(t.AddDate(2, 0, -1).Format(time.DateOnly)), nil
}

func (im *importer) importDay(kind string, i int, field string, raw app.Day, first, last app.Day) (app.Day, error) {
	d, err := parseDay(strings.TrimSpace(string(raw)))
	if err != nil {
		return "", im.fail(kind, i, field, "%v", err)
	}
	if d < first || d > last {
		return "", im.fail(kind, i, field, "%s is outside the school year %s and the next (%s to %s)", d, app.SchoolYearName(first), first, last)
	}
	return d, nil
}

// menuAndCalendar imports the menu groups, the menu and the closed days.
func (im *importer) menuAndCalendar() error {
	d := im.d
	if len(d.Menu)+len(d.MenuGroups)+len(d.Calendar) == 0 {
		return nil
	}
	first, last, err := im.schoolYears()
	if err != nil {
		return err
	}
	var buckets [3]kv.Bucket
	for i, name := range [][]byte{bMenuDays, bMenuGroups, bClosedDays} {
		if buckets[i], err = im.tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	days, groups, closed := buckets[0], buckets[1], buckets[2]
	changed := false
	put := func(b kv.Bucket, k, v []byte) error {
		old := b.Get(k)
		switch {
		case old == nil:
			im.st.Inserted++
		case bytes.Equal(old, v):
			im.st.Unchanged++
			return nil
		default:
			im.st.Updated++
		}
		changed = true
		return b.Put(k, v)
	}

	schools := seen{}
	for i, g := range d.MenuGroups {
		g.School, g.Group = strings.TrimSpace(g.School), strings.TrimSpace(g.Group)
		switch {
		case g.School == "":
			return im.fail(kindMenuGroup, i, "school", "missing")
		case g.Group == "":
			return im.fail(kindMenuGroup, i, "group", "missing")
		}
		if j, ok := schools[g.School]; ok {
			return im.fail(kindMenuGroup, i, "school", "%q given twice (also at %s)", g.School, d.at(kindMenuGroup, j))
		}
		schools[g.School] = i
		if err := put(groups, []byte(g.School), []byte(g.Group)); err != nil {
			return err
		}
	}

	diets := map[string]bool{}
	for _, x := range d.Diets {
		diets[x.Code] = true
	}
	dietKnown := func(code string) (bool, error) {
		if diets[code] {
			return true, nil
		}
		_, ok, err := getJSON[app.Diet](im.tx, app.KindDiet, code)
		return ok, err
	}
	type dayKey struct {
		day   app.Day
		group string
	}
	menus := map[dayKey]*app.MenuDay{}
	var order []dayKey
	dietCourse := map[string]int{} // day \0 group \0 diet \0 course → row
	for i, r := range d.Menu {
		day, err := im.importDay(kindMenu, i, "day", r.Day, first, last)
		if err != nil {
			return err
		}
		group := strings.TrimSpace(r.School)
		if group == "" {
			return im.fail(kindMenu, i, "school", "missing: the school or menu group the dish is for")
		}
		course, err := app.ParseCourse(r.Course)
		if err != nil {
			return im.fail(kindMenu, i, "course", "%v", err)
		}
		name := strings.TrimSpace(r.Dish)
		if name == "" {
			return im.fail(kindMenu, i, "dish", "missing: the dish's name")
		}
		al, err := app.ParseAllergens(r.Allergens)
		if err != nil {
			return im.fail(kindMenu, i, "allergens", "%v", err)
		}
		k := dayKey{day, group}
		m := menus[k]
		if m == nil {
			m = &app.MenuDay{Group: group, Day: day, Dishes: []app.Dish{}}
			menus[k] = m
			order = append(order, k)
		}
		dish := app.Dish{Course: course, Name: name, Allergens: al}
		diet := strings.TrimSpace(r.Diet)
		if diet == "" {
			m.Dishes = append(m.Dishes, dish)
			continue
		}
		ok, err := dietKnown(diet)
		if err != nil {
			return err
		}
		if !ok {
			return im.fail(kindMenu, i, "diet", "%q is not on the roster's diet list (diets)", diet)
		}
		dk := string(day) + "\x00" + group + "\x00" + diet + "\x00" + string(course)
		if j, ok := dietCourse[dk]; ok {
			return im.fail(kindMenu, i, "diet", "diet %s has a %s dish on %s already (at %s)", diet, course, day, d.at(kindMenu, j))
		}
		dietCourse[dk] = i
		m.Diets = append(m.Diets, app.DietDish{Diet: diet, Dish: dish})
	}
	for _, k := range order {
		m := menus[k]
		slices.SortStableFunc(m.Dishes, func(a, b app.Dish) int { return a.Course.Order() - b.Course.Order() })
		raw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := put(days, key(string(k.day), k.group), raw); err != nil {
			return err
		}
	}

	for i, c := range d.Calendar {
		from, err := im.importDay(kindCalendar, i, "day", c.Day, first, last)
		if err != nil {
			return err
		}
		to := from
		if strings.TrimSpace(string(c.To)) != "" {
			if to, err = im.importDay(kindCalendar, i, "to", c.To, first, last); err != nil {
				return err
			}
			if to < from {
				return im.fail(kindCalendar, i, "to", "%s is before the first day %s", to, from)
			}
			if to > from.AddDays(MaxClosedSpan) {
				return im.fail(kindCalendar, i, "to", "a span of more than %d days", MaxClosedSpan)
			}
		}
		school := strings.TrimSpace(c.School)
		if school == "*" || strings.EqualFold(school, "tutte") || strings.EqualFold(school, "all") {
			school = ""
		}
		reopen := slices.Contains([]string{"open", "aperto", "riapertura"}, strings.ToLower(strings.TrimSpace(c.Reason)))
		reason := ""
		if !reopen {
			if reason, err = app.ParseClosedReason(c.Reason); err != nil {
				return im.fail(kindCalendar, i, "reason", "%v", err)
			}
		}
		for day := from; day <= to; day = day.AddDays(1) {
			k := key(string(day), school)
			if reopen {
				if closed.Get(k) != nil {
					im.st.Deleted++
					changed = true
					if err := closed.Delete(k); err != nil {
						return err
					}
				}
				continue
			}
			raw, err := json.Marshal(app.ClosedDay{School: school, Day: day, Reason: reason, Note: strings.TrimSpace(c.Note)})
			if err != nil {
				return err
			}
			if err := put(closed, k, raw); err != nil {
				return err
			}
		}
	}
	if !changed {
		return nil
	}
	meta := im.tx.Bucket(bMeta)
	return meta.Put(kMenuVer, binary.BigEndian.AppendUint64(nil, menuVersion(im.tx)+1))
}

// menuVersion is the menu and calendar's revision (0: never imported).
func menuVersion(tx kv.Tx) uint64 {
	if v := tx.Bucket(bMeta).Get(kMenuVer); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}
