package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The manual meal (a forgotten badge) and the void of a meal recorded by
// mistake.

// searchRows is the number of pupils a page of the search lists, beside
// the keyboard; searchLimit the most it pages through before asking for
// more letters.
const (
	searchRows  = 7
	searchLimit = 5 * searchRows
)

// keyboardRows are catalogue keys: a language may lay its keyboard out its
// own way (QWERTY in Italian and English).
var keyboardRows = []string{"staff.keyboard.row1", "staff.keyboard.row2", "staff.keyboard.row3"}

func (s *StaffScreen) showManual() {
	s.query = ""
	s.renderManual()
}

// renderManual shows the on-screen keyboard with the letters typed above
// it and, beside it, a page of the pupils whose surname starts with them.
func (s *StaffScreen) renderManual() {
	s.renderManualPage(0)
}

func (s *StaffScreen) renderManualPage(page int) {
	// The letters typed, big, or the hint in their place: one slot as
	// tall as a line of the big letters either way, so that the keyboard
	// under it does not move at the first letter.
	typed := newLabel(SizeNamePrompt, true)
	typed.Wrapping, typed.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	typed.SetText(s.tr.T("staff.manual.title")) // one line of any text: its height
	reserve := canvas.NewRectangle(colorTransparent)
	reserve.SetMinSize(fyne.NewSize(0, typed.MinSize().Height))
	var shown fyne.CanvasObject = typed
	typed.SetText(s.query)
	if s.query == "" {
		shown = message(s.tr.T("staff.manual.prompt"))
	}
	slot := container.NewStack(reserve, shown)
	// The rows share the height left under the typed letters: big keys,
	// in the same place whether pupils are listed beside them or not.
	keys := container.NewGridWithRows(len(keyboardRows) + 1)
	for _, row := range keyboardRows {
		line := container.NewGridWithColumns(10)
		for _, r := range s.tr.T(row) {
			ch := string(r)
			line.Add(s.button(ch, nil, func() {
				if len(s.query) < 20 {
					s.query += ch
				}
				s.renderManual()
			}))
		}
		keys.Add(line)
	}
	del := s.button(s.tr.T("staff.manual.delete"), theme.ContentUndoIcon(), func() {
		if s.query != "" {
			s.query = s.query[:len(s.query)-1]
		}
		s.renderManual()
	})
	clear := s.button(s.tr.T("staff.pin.clear"), theme.ContentClearIcon(), func() { s.query = ""; s.renderManual() })
	keys.Add(container.NewGridWithColumns(3, del, clear, s.backTo(s.showMenu)))

	var results fyne.CanvasObject = layout.NewSpacer()
	if s.query != "" {
		results = s.searchResults(page)
	}
	left := container.NewBorder(slot, nil, nil, nil, keys)
	s.show("staff.manual.title", container.New(splitLayout{ratio: manualKeyboardShare}, left, results))
}

// manualKeyboardShare is the part of the page's width the manual meal's
// keyboard takes; the pupils found are listed in the rest.
const manualKeyboardShare = 0.58

// splitLayout puts its first object at the left, ratio of the width (or
// its minimum width, if more, leaving the second its own), and the second
// in the rest, both the full height.
type splitLayout struct{ ratio float32 }

func (l splitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) != 2 {
		return
	}
	gap := theme.Padding()
	lw := max(objs[0].MinSize().Width, (size.Width-gap)*l.ratio)
	lw = min(lw, size.Width-gap-objs[1].MinSize().Width)
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(lw, size.Height))
	objs[1].Move(fyne.NewPos(lw+gap, 0))
	objs[1].Resize(fyne.NewSize(size.Width-lw-gap, size.Height))
}

func (l splitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) != 2 {
		return fyne.Size{}
	}
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(a.Width+theme.Padding()+b.Width, max(a.Height, b.Height))
}

// searchResults is a page of the pupils found, as rows, with the pager
// when they are more than a page.
func (s *StaffScreen) searchResults(page int) fyne.CanvasObject {
	hits, err := s.b.SearchPupils(s.query, searchLimit+1)
	switch {
	case err != nil:
		return container.NewVBox(message(s.tr.T("staff.error", err.Error())))
	case len(hits) == 0:
		return container.NewVBox(message(s.tr.T("staff.manual.none")))
	}
	list := container.NewVBox()
	more := len(hits) > searchLimit
	hits = hits[:min(len(hits), searchLimit)]
	page = clampPage(page, len(hits), searchRows)
	for _, h := range hits[page*searchRows : min((page+1)*searchRows, len(hits))] {
		list.Add(s.hitRow(h))
	}
	bottom := container.NewVBox()
	if more {
		bottom.Add(staffOneLine(s.tr.T("staff.manual.more")))
	}
	if len(hits) > searchRows {
		bottom.Add(s.pageNavWith("staff.page.short", page, len(hits), searchRows, s.renderManualPage))
	}
	return container.NewBorder(nil, bottom, nil, nil, list)
}

// hitRow tells namesakes apart without a photo: first name and initial,
// class, school; below, whether already served today and a diet mark.
func (s *StaffScreen) hitRow(h app.PupilHit) *staffRow {
	p := h.Pupil
	var marks []string // served first: a long diet's name is cut
	if h.ServedToday {
		marks = append(marks, s.tr.T("staff.manual.served_mark"))
	}
	if p.Diet != nil {
		marks = append(marks, s.tr.T("staff.manual.diet_mark", p.Diet.Name))
	}
	return s.row(nil, func() { s.confirmManual(h) }, strings.Join([]string{staffName(p), p.Class, p.School}, " · "), strings.Join(marks, " · "))
}

func (s *StaffScreen) confirmManual(h app.PupilHit) {
	p := h.Pupil
	lines := container.NewVBox(
		message(p.FirstName+" "+p.LastName),
		message(s.tr.T("staff.manual.class_school", p.Class, p.School)),
	)
	if p.Diet != nil {
		lines.Add(message(s.tr.T("staff.manual.diet_mark", p.Diet.Name)))
	}
	ok := s.button(s.tr.T("staff.manual.confirm"), theme.ConfirmIcon(), func() { s.serveManual(p.ID) })
	ok.Importance = widget.HighImportance
	s.show("staff.manual.confirm_title", container.NewVBox(lines, container.NewGridWithColumns(2, ok, s.backTo(s.renderManual))))
}

func (s *StaffScreen) serveManual(id app.PupilID) {
	r, err := s.b.ServeManual(id)
	if err != nil {
		s.show("staff.manual.title", container.NewVBox(message(s.tr.T("staff.error", err.Error())), s.backTo(s.showMenu)))
		return
	}
	s.show("staff.manual.result_title", container.NewVBox(s.resultView(r),
		container.NewGridWithColumns(2, s.button(s.tr.T("staff.manual.another"), theme.ContentAddIcon(), s.showManual), s.backTo(s.showMenu))))
}

// resultView shows a manual meal's outcome as the canteen screen shows a
// tap's: the outcome, the unmissable diet or bland banner, the balance.
func (s *StaffScreen) resultView(r app.TapResult) fyne.CanvasObject {
	name := ""
	if r.Pupil != nil {
		name = staffName(*r.Pupil) + " — " + r.Pupil.Class
	}
	box := container.NewVBox()
	balance := s.tr.T("result.projected_balance", FormatCents(r.Balance))
	nothing := s.tr.T("result.nothing_charged")
	var main *panel
	switch r.Outcome {
	case app.OutcomeServed:
		main = newPanel(toneGreen, 96, SizeNameResultText, SizeNameNote, 3)
		main.set(theme.ConfirmIcon(), name, []string{s.tr.T("result.served.ok"), balance}, "")
	case app.OutcomeAlreadyServed:
		title := s.tr.T("result.already.title_today")
		if r.Meal != nil && !r.Meal.At.IsZero() {
			title = s.tr.T("result.already.title", FormatTime(r.Meal.At.In(s.loc)))
		}
		main = newPanel(toneAmber, 96, SizeNameResultText, SizeNameNote, 3)
		main.set(theme.WarningIcon(), title, []string{name, nothing}, "")
	case app.OutcomeOutsideWindow:
		main = newPanel(toneAmber, 96, SizeNameResultText, SizeNameNote, 3)
		main.set(theme.HistoryIcon(), s.tr.T("result.outside.title"), []string{name, nothing}, "")
	case app.OutcomeClosedDay: // staff_closed.go opens the day
		why := ""
		if r.Closed != nil {
			why = closedText(s.tr, *r.Closed)
		}
		main = newPanel(toneAmber, 96, SizeNameResultText, SizeNameNote, 3)
		main.set(theme.WarningIcon(), s.tr.T("closed.title"), []string{why, name, nothing}, "")
	default: // refused by the floor
		main = newPanel(toneRed, 96, SizeNameResultText, SizeNameNote, 3)
		main.set(theme.ErrorIcon(), s.tr.T("result.refused.title"), []string{name, s.tr.T("result.refused.hint"), s.tr.T("result.balance", FormatCents(r.Balance))}, "")
	}
	box.Add(main.root)
	if r.Banner() {
		title, lines := bannerText(s.tr, r)
		b := newPanel(toneBanner, 96, SizeNameBannerTitle, SizeNameBannerText, 2)
		b.set(theme.WarningIcon(), title, lines, "")
		box.Add(b.root)
	}
	if r.Outcome == app.OutcomeServed {
		switch {
		case r.CancelledToday:
			box.Add(newNote(toneAmber, theme.WarningIcon(), s.tr.T("note.cancelled")).root)
		}
		switch {
		case r.BelowZero:
			box.Add(newNote(toneRed, theme.ErrorIcon(), s.tr.T("note.below_zero")).root)
		case r.LowBalance:
			box.Add(newNote(toneAmber, theme.WarningIcon(), s.tr.T("note.low_balance")).root)
		}
	}
	return box
}

// --- void

// voidRows is the number of meals a page of the void list shows.
const voidRows = 6

func (s *StaffScreen) showVoidList(page int) {
	meals, err := s.b.TodayMeals()
	if err != nil {
		s.show("staff.void.title", container.NewVBox(message(s.tr.T("staff.error", err.Error())), s.backTo(s.showMenu)))
		return
	}
	list := container.NewVBox()
	if len(meals) == 0 {
		list.Add(message(s.tr.T("staff.void.none")))
	}
	page = clampPage(page, len(meals), voidRows)
	for _, e := range meals[min(page*voidRows, len(meals)):min((page+1)*voidRows, len(meals))] {
		text := FormatTime(e.Meal.At.In(s.loc)) + " · " + staffName(e.Pupil) + " · " + e.Pupil.Class
		school := e.Pupil.School
		if e.Pupil.ID == "" {
			text, school = FormatTime(e.Meal.At.In(s.loc))+" · "+string(e.Meal.PupilID), ""
		}
		list.Add(s.row(nil, func() { s.chooseReason(e) }, text, school))
	}
	bottom := container.NewVBox(s.pageNav(page, len(meals), voidRows, s.showVoidList), s.backTo(s.showMenu))
	s.show("staff.void.title", container.NewBorder(nil, bottom, nil, nil, list))
}

func (s *StaffScreen) mealWho(e app.MealEntry) string {
	if e.Pupil.ID == "" {
		return string(e.Meal.PupilID)
	}
	return staffName(e.Pupil) + " · " + e.Pupil.Class + " · " + e.Pupil.School
}

// voidReasonKeys translate app.VoidReasons.
var voidReasonKeys = map[string]string{
	app.VoidWrongPupil: "staff.void.reason.wrong_pupil",
	app.VoidDuplicate:  "staff.void.reason.duplicate",
	app.VoidNotEaten:   "staff.void.reason.not_eaten",
	app.VoidTest:       "staff.void.reason.test",
}

func (s *StaffScreen) chooseReason(e app.MealEntry) {
	box := container.NewVBox(message(s.mealWho(e)), message(s.tr.T("staff.void.reason_prompt")))
	for _, r := range app.VoidReasons {
		box.Add(s.button(s.tr.T(voidReasonKeys[r]), nil, func() { s.confirmVoid(e, r) }))
	}
	box.Add(s.backTo(func() { s.showVoidList(0) }))
	s.show("staff.void.title", box)
}

func (s *StaffScreen) confirmVoid(e app.MealEntry, reason string) {
	ok := s.button(s.tr.T("staff.void.confirm"), theme.DeleteIcon(), func() {
		_, err := s.b.Void(e.Meal.EventID, reason)
		text := s.tr.T("staff.void.done", s.mealWho(e), FormatCents(e.Meal.Price))
		if err != nil {
			text = s.tr.T("staff.error", err.Error())
		}
		s.show("staff.void.title", container.NewVBox(message(text), s.backTo(func() { s.showVoidList(0) })))
	})
	ok.Importance = widget.DangerImportance
	s.show("staff.void.confirm_title", container.NewVBox(
		message(s.mealWho(e)), message(s.tr.T(voidReasonKeys[reason])),
		container.NewGridWithColumns(2, ok, s.backTo(func() { s.chooseReason(e) }))))
}

// staffName is how staff lists name a pupil: surname first, in full, as on
// a class register. Staff must tell two Rossi apart; the public screens
// show only the first name and the surname's initial (DisplayName).
func staffName(p app.Pupil) string {
	return strings.TrimSpace(p.LastName + " " + p.FirstName)
}
