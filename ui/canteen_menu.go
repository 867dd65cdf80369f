package ui

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The menu on the canteen's idle screen: today's dishes, large, each with
// its course and its allergens (the Annex II number and the short name,
// never colour alone), beside the prompt; on a closed day, a panel that
// says so instead. And the words the canteen and the counter share for
// courses, allergens and closed days.

// menuRows is how many dishes the idle board shows (a day has five or
// six; more would not fit 1280×800).
const menuRows = 7

// menuBoard is the idle screen's menu.
type menuBoard struct {
	tr     *Catalogue
	root   *fyne.Container
	title  *widget.Label
	rows   []*menuRow
	none   *widget.Label
	more   *widget.Label
	asOf   *widget.Label
	closed *panel
	// lines holds each label of the board in its holder (boardLine): the
	// list lays out the holders.
	lines map[*widget.Label]*fyne.Container
	list  *fyne.Container
	fit   *fitVBox
	shown string // what is on screen, to redraw only on a change
	// size is the board's width, set by the idle view's layout.
	size *boardLayout
}

type menuRow struct {
	box        *fyne.Container
	dish, info *widget.Label
}

// menuInset is the space the board leaves around each line's text (the
// kiosk theme's inner padding, sized for buttons, would double each
// line's height). The board's labels sit in newInset holders, with no
// theme override: Fyne 2.7 parses every font again for each override's
// scope (cmd/kiosk/fontcache.go), megabytes kept as long as the board is
// on screen.
const menuInset = 4

// boardLine holds one of the board's labels at menuInset.
func boardLine(l *widget.Label) *fyne.Container { return newInset(l, menuInset) }

func newMenuBoard(tr *Catalogue) *menuBoard {
	m := &menuBoard{tr: tr}
	m.title = newLabel(SizeNameResultText, true)
	m.title.Wrapping, m.title.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	m.more = newLabel(SizeNameSmall, false)
	m.more.Wrapping, m.more.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	m.lines = map[*widget.Label]*fyne.Container{}
	line := func(l *widget.Label) *fyne.Container {
		h := boardLine(l)
		m.lines[l] = h
		return h
	}
	objs := []fyne.CanvasObject{line(m.title), line(m.more)}
	for range menuRows {
		r := &menuRow{dish: newLabel(SizeNameResultText, true), info: newLabel(SizeNameSmall, false)}
		r.dish.Wrapping, r.dish.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
		r.info.Wrapping, r.info.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
		r.box = container.New(layout.NewCustomPaddedVBoxLayout(0), boardLine(r.dish), boardLine(r.info))
		m.rows = append(m.rows, r)
		objs = append(objs, r.box)
	}
	m.none = newLabel(SizeNameNote, false)
	m.asOf = newLabel(SizeNameSmall, false)
	m.asOf.Wrapping, m.asOf.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	objs = append(objs, line(m.none), line(m.asOf))
	m.fit = &fitVBox{want: map[fyne.CanvasObject]bool{}}
	m.list = container.New(m.fit, objs...)
	m.closed = newPanel(toneAmber, 80, SizeNameResultText, SizeNameNote, 2)
	bg := canvas.NewRectangle(colorHeader)
	bg.CornerRadius = 12
	card := container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(8, 8, 16, 16), m.list))
	m.size = &boardLayout{width: boardWidth}
	m.root = container.New(m.size, card, m.closed.root)
	m.root.Hide()
	return m
}

// set shows today's menus (the first one in full, the others' names) or
// the closed day. Called with the screen's lock held.
func (m *menuBoard) set(st app.IdleStatus, loc *time.Location) {
	key := string(st.Day) + "|" + st.MenuAsOf.String() + "|" + strconv.Itoa(len(st.Menus))
	if st.Closed != nil {
		key += "|#|" + st.Closed.Reason + strconv.FormatBool(st.ClosedOverride)
	}
	if key == m.shown {
		return
	}
	m.shown = key
	card := m.root.Objects[0]
	if st.Closed != nil && !st.ClosedOverride {
		// The board is always boardWidth wide: laid out at that width
		// first, the panel's wrapped lines measure their real height.
		m.closed.root.Resize(fyne.NewSize(boardWidth, max(m.root.Size().Height, 300)))
		m.closed.set(theme.WarningIcon(), m.tr.T("closed.title"), []string{closedText(m.tr, *st.Closed)}, "")
		card.Hide()
		m.closed.root.Show()
		m.root.Show()
		relayout(m.root)
		return
	}
	m.closed.root.Hide()
	card.Show()
	if len(st.Menus) == 0 && st.MenuAsOf.IsZero() {
		m.root.Hide() // no menu ever pulled: the prompt alone, as before
		return
	}
	m.root.Show()
	var menu app.MenuDay
	if len(st.Menus) > 0 {
		menu = st.Menus[0]
	}
	want := m.fit.want
	clear(want)
	want[m.lines[m.title]] = true
	if len(st.Menus) > 1 {
		m.title.SetText(m.tr.T("menu.title_group", menu.Group))
		var others []string
		for _, o := range st.Menus[1:] {
			others = append(others, o.Group)
		}
		m.more.SetText(m.tr.T("menu.more_groups", strings.Join(others, ", ")))
		want[m.lines[m.more]] = true
	} else {
		m.title.SetText(m.tr.T("menu.title"))
	}
	dishes := menu.Resolve("")
	for i, r := range m.rows {
		if i >= len(dishes) {
			continue
		}
		d := dishes[i]
		r.dish.SetText(d.Name)
		r.info.SetText(courseName(m.tr, d.Course) + " · " + allergenText(m.tr, d.Allergens))
		want[r.box] = true
	}
	if len(dishes) == 0 {
		m.none.SetText(m.tr.T("menu.none"))
		want[m.lines[m.none]] = true
	}
	if st.ClosedOverride && st.Closed != nil {
		m.more.SetText(m.tr.T("closed.override"))
		want[m.lines[m.more]] = true
	}
	if !st.MenuAsOf.IsZero() {
		t := st.MenuAsOf.In(loc)
		m.asOf.SetText(m.tr.T("menu.as_of", FormatDate(t), FormatTime(t)))
		want[m.lines[m.asOf]] = true
	}
	relayout(m.list)
	relayout(m.root)
}

// boardWidth is the menu board's width beside the prompt: most of a
// 1280-pixel screen, the prompt keeping the rest. promptMinWidth is what
// the prompt keeps at the least, so that its words are never cut inside
// ("Avvicin/a il badge" beside the demo's reader panel): on a narrower
// screen the board is narrower.
const (
	boardWidth     = 700
	promptMinWidth = 460
)

// boardLayout stacks its objects at its width (the idle view's border
// layout gives its right object its minimum width) and the full height.
type boardLayout struct{ width float32 }

func (*boardLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (b *boardLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(b.width, 0)
}

// boardSizer is the idle view's layout: the border layout, after it has
// set the board's width from the view's (boardWidth, less where the
// prompt would keep under promptMinWidth).
type boardSizer struct {
	border fyne.Layout
	board  *boardLayout
}

func (l boardSizer) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.board.width = max(0, min(boardWidth, size.Width-promptMinWidth))
	l.border.Layout(objs, size)
}

func (l boardSizer) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return l.border.MinSize(objs)
}

// fitVBox stacks the objects the board wants shown from the top, the last
// one (the as-of line) at the bottom; those that would not fit between
// are hidden, so the board never makes the screen taller than its window
// (on a small screen the last dishes are left out, never the prompt or
// the footer). An "Altri menù" line comes right after the title, so it is
// never the one left out.
type fitVBox struct {
	want map[fyne.CanvasObject]bool
}

const fitVBoxGap = 2

func (l *fitVBox) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) == 0 {
		return
	}
	last := objs[len(objs)-1]
	bottom := size.Height
	if l.want[last] {
		h := last.MinSize().Height
		bottom -= h
		last.Move(fyne.NewPos(0, bottom))
		last.Resize(fyne.NewSize(size.Width, h))
		last.Show()
	} else {
		last.Hide()
	}
	y, full := float32(0), false
	for _, o := range objs[:len(objs)-1] {
		if !l.want[o] {
			o.Hide()
			continue
		}
		h := o.MinSize().Height
		if full || y+h > bottom {
			full = true
			o.Hide()
			continue
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		o.Show()
		y += h + fitVBoxGap
	}
}

func (l *fitVBox) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for i, o := range objs {
		if !l.want[o] {
			continue
		}
		ms := o.MinSize()
		m.Width = max(m.Width, ms.Width)
		if i == 0 || i == len(objs)-1 {
			m.Height += ms.Height
		}
	}
	return m
}

// courseName is a course's translated name.
func courseName(tr *Catalogue, c app.Course) string {
	if k, ok := courseKeys[c]; ok {
		return tr.T(k)
	}
	return string(c)
}

var courseKeys = map[app.Course]string{
	app.CourseStarter: "course.antipasto", app.CourseFirst: "course.primo", app.CourseMain: "course.secondo",
	app.CourseSide: "course.contorno", app.CourseSingle: "course.piatto_unico", app.CourseBread: "course.pane",
	app.CourseFruit: "course.frutta", app.CourseDessert: "course.dessert", app.CourseSnack: "course.merenda",
}

var allergenKeys = map[app.Allergen]string{
	app.AllergenGluten: "allergen.glutine", app.AllergenCrustaceans: "allergen.crostacei", app.AllergenEggs: "allergen.uova",
	app.AllergenFish: "allergen.pesce", app.AllergenPeanuts: "allergen.arachidi", app.AllergenSoy: "allergen.soia",
	app.AllergenMilk: "allergen.latte", app.AllergenNuts: "allergen.frutta_a_guscio", app.AllergenCelery: "allergen.sedano",
	app.AllergenMustard: "allergen.senape", app.AllergenSesame: "allergen.sesamo", app.AllergenSulphites: "allergen.solfiti",
	app.AllergenLupin: "allergen.lupini", app.AllergenMolluscs: "allergen.molluschi",
}

var closedKeys = map[string]string{
	app.ClosedHoliday: "closed.holiday", app.ClosedClosure: "closed.closure", app.ClosedStrike: "closed.strike", app.ClosedTrip: "closed.trip",
}

// allergenText lists allergens as "1 Glutine · 7 Latte": the Annex II
// number, which Italian menus print, and the short name.
func allergenText(tr *Catalogue, as []app.Allergen) string {
	if len(as) == 0 {
		return tr.T("menu.no_allergens")
	}
	parts := make([]string, len(as))
	for i, a := range as {
		name := string(a)
		if k, ok := allergenKeys[a]; ok {
			name = tr.T(k)
		}
		parts[i] = strconv.Itoa(a.Number()) + " " + name
	}
	return tr.T("menu.allergens", strings.Join(parts, " · "))
}

// closedText is why a day is closed: "Sciopero — note".
func closedText(tr *Catalogue, cd app.ClosedDay) string {
	text := cd.Reason
	if k, ok := closedKeys[cd.Reason]; ok {
		text = tr.T(k)
	}
	if cd.Note != "" {
		text += " — " + cd.Note
	}
	return text
}

// dietDishLines are the banner's lines for the dishes a diet replaces
// today, and the small line naming the standard dishes they replace.
func dietDishLines(tr *Catalogue, ds []app.ServedDish) (lines []string, instead string) {
	var was []string
	for _, d := range ds {
		lines = append(lines, tr.T("banner.dish", courseName(tr, d.Course), d.Name))
		was = append(was, d.Instead)
	}
	if len(was) > 0 {
		instead = tr.T("banner.instead", strings.Join(was, ", "))
	}
	return lines, instead
}
