package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// The family view: the balance with its as-of time on top, tabs for the
// children, the meals (month by month), the bookings, the top-up and the
// notices. Everything pages with buttons; nothing scrolls.

const (
	mealsPerPage    = 4
	bookingsPerPage = 3
	noticesPerPage  = 3
)

func counterPageOf(page, pages int) string {
	return strconv.Itoa(page+1) + " / " + strconv.Itoa(max(pages, 1))
}

func (s *CounterScreen) familyView() fyne.CanvasObject {
	if s.tab == tabMessages {
		s.markShownLocked() // counter_messages.go
	}
	f := s.family
	asOf := f.AsOf.In(s.loc)
	balance := newLabel(SizeNameResultText, true)
	balance.SetText(s.tr.T("counter.balance", FormatCents(f.Account.Balance), FormatDate(asOf), FormatTime(asOf)))
	top := container.NewVBox(counterDense(balance))
	if f.Cached {
		top.Add(newNote(toneAmber, theme.WarningIcon(), s.tr.T("counter.cached", FormatDate(asOf), FormatTime(asOf))).root)
	}
	if s.errText != "" {
		top.Add(counterError(s.errText))
	}
	type tabSpec struct {
		tab familyTab
		key string
		ico fyne.Resource
	}
	specs := []tabSpec{
		{tabChildren, "counter.tab.children", theme.AccountIcon()},
		{tabMeals, "counter.tab.meals", theme.ListIcon()},
		{tabBookings, "counter.tab.bookings", theme.CalendarIcon()},
		{tabTopUp, "counter.tab.topup", theme.ContentAddIcon()},
		{tabNotices, "counter.tab.notices", theme.DocumentIcon()},
		{tabMessages, "counter.tab.messages", theme.MailComposeIcon()},
	}
	if _, ok := s.menuBackend(); ok { // counter_menu.go
		specs = append(specs, tabSpec{tabMenu, "counter.tab.menu", theme.GridIcon()})
	}
	var tabs []counterTabSpec
	for _, t := range specs {
		text := s.tr.T(t.key)
		if t.tab == tabMessages { // counter_messages.go
			if _, ok := s.familyBackend(); !ok {
				continue
			}
			text = s.messagesTabText()
		}
		tabs = append(tabs, counterTabSpec{tab: t.tab, text: text, ico: t.ico})
	}
	// counter_tabrow.go: made once; counter_tabs_fit.go: without their
	// icons where the screen is narrow.
	top.Add(s.tabRowFor(tabs))
	var body fyne.CanvasObject
	switch s.tab {
	case tabMeals:
		body = s.mealsTab()
	case tabBookings:
		body = s.bookingsTab()
		if s.fx.absence { // counter_absence.go
			body = s.absenceForm()
		}
	case tabTopUp:
		body = s.topUpTab()
	case tabNotices:
		body = s.noticesTab()
	case tabMessages:
		body = s.messagesTab() // counter_messages.go
	case tabMenu:
		body = s.menuTab() // counter_menu.go
	default:
		body = s.childrenTab()
	}
	return container.NewBorder(top, nil, nil, nil, body)
}

// childrenTab: one child per page, with the service details.
func (s *CounterScreen) childrenTab() fyne.CanvasObject {
	ps := s.family.Pupils
	if len(ps) == 0 {
		return counterText(s.tr.T("counter.child.none"))
	}
	s.childPage = counterClamp(s.childPage, len(ps))
	p := ps[s.childPage]
	name := newLabel(SizeNameNote, true)
	name.SetText(DisplayName(p))
	days := make([]string, 0, len(p.Weekdays))
	for _, w := range p.Weekdays {
		days = append(days, s.tr.Weekday(w))
	}
	lines := []fyne.CanvasObject{name,
		counterText(s.tr.T("counter.child.school", p.School)),
		counterText(s.tr.T("counter.child.class", p.Class)),
		counterText(s.tr.T("counter.child.days", strings.Join(days, ", "))),
		counterText(s.tr.T("counter.child.fee", p.FeeBand, FormatCents(p.MealPrice)))}
	if p.Diet != nil {
		lines = append(lines, counterText(s.tr.T("counter.child.diet", p.Diet.Name)))
		if len(p.Diet.Allergens) > 0 {
			lines = append(lines, counterText(s.tr.T("counter.child.allergens", strings.Join(p.Diet.Allergens, ", "))))
		}
	} else {
		lines = append(lines, counterText(s.tr.T("counter.child.normal_diet")))
	}
	box := container.NewVBox(counterDense(lines...))
	if len(ps) > 1 {
		box.Add(s.pager(&s.childPage, len(ps)))
	}
	return box
}

// mealsTab: the meals of one month, day by day, paged; a month pager.
func (s *CounterScreen) mealsTab() fyne.CanvasObject {
	now := s.b.Now().In(s.loc)
	months := max(s.b.Config().MonthsBack, 1)
	s.monthBack = max(0, min(s.monthBack, months-1))
	first := time.Date(now.Year(), now.Month()-time.Month(s.monthBack), 1, 12, 0, 0, 0, s.loc)
	prefix := first.Format("2006-01-")
	var ms []app.Meal
	var total app.Cents
	count := 0
	for _, m := range s.family.Meals {
		if strings.HasPrefix(string(m.Day), prefix) {
			ms = append(ms, m)
			if !m.Voided {
				total += m.Price
				count++
			}
		}
	}
	title := newLabel(SizeNameNote, true)
	title.SetText(s.tr.T("counter.meals.month", s.tr.Month(first.Month()), first.Year()))
	older := widget.NewButtonWithIcon(s.tr.T("counter.month.prev"), theme.NavigateBackIcon(), s.act(func() { s.monthBack++; s.mealPage = 0 }))
	newer := widget.NewButtonWithIcon(s.tr.T("counter.month.next"), theme.NavigateNextIcon(), s.act(func() { s.monthBack--; s.mealPage = 0 }))
	if s.monthBack >= months-1 {
		older.Disable()
	}
	if s.monthBack == 0 {
		newer.Disable()
	}
	title.Alignment = fyne.TextAlignCenter
	newer.IconPlacement = widget.ButtonIconTrailingText
	box := container.NewVBox(container.NewBorder(nil, nil, older, newer, title))
	if len(ms) == 0 {
		box.Add(counterText(s.tr.T("counter.meals.none")))
		return box
	}
	// The month's count beside its name: a line less, and the month's
	// page of meals fits a 1280×720 window with the cached-data note.
	title.Wrapping, title.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	title.SetText(title.Text + " · " + s.tr.TN("counter.meals.count", count, FormatCents(total)))
	var lines []fyne.CanvasObject
	pages := (len(ms) + mealsPerPage - 1) / mealsPerPage
	s.mealPage = counterClamp(s.mealPage, pages)
	for _, m := range ms[s.mealPage*mealsPerPage : min(len(ms), (s.mealPage+1)*mealsPerPage)] {
		lines = append(lines, counterText(s.mealRow(m)))
	}
	box.Add(counterDense(lines...))
	if pages > 1 {
		box.Add(s.pager(&s.mealPage, pages))
	}
	return box
}

// mealRow is one meal: day, child, price, how recorded, voided.
func (s *CounterScreen) mealRow(m app.Meal) string {
	day := s.dayText(m.Day)
	who := ""
	if p, ok := s.family.Pupil(m.PupilID); ok {
		who = DisplayName(p)
	}
	via := s.tr.T("counter.meals.via.badge")
	if m.Via == app.ViaManual {
		via = s.tr.T("counter.meals.via.manual")
	}
	row := s.tr.T("counter.meals.row", day, who, FormatCents(m.Price), via)
	if m.Voided {
		row = s.tr.T("counter.meals.voided", row)
	}
	return row
}

// dayText is "lunedì 02/09/2024" for a day.
func (s *CounterScreen) dayText(d app.Day) string {
	t, err := time.ParseInLocation(time.DateOnly, string(d), s.loc)
	if err != nil {
		return string(d)
	}
	return s.tr.Weekday(t.Weekday()) + " " + FormatDate(t)
}

// bookingsTab: the children's coming canteen days with their buttons. One
// pager turns the pages of every child in turn (the child's name is on
// each page): two pagers, one for the child and one for the days, would
// stack two rows of look-alike buttons.
func (s *CounterScreen) bookingsTab() fyne.CanvasObject {
	ps := s.family.Pupils
	if len(ps) == 0 {
		return counterText(s.tr.T("counter.child.none"))
	}
	cutoff := s.family.BookingCutoff
	if cutoff == "" {
		cutoff = app.DefaultBookingCutoff
	}
	online := s.b.Online()
	perPage := bookingsPerPage
	if !online {
		perPage-- // the offline note takes a row's room
	}
	// The pages: each child's days, perPage at a time; a child with no
	// canteen day ahead has one page that says so.
	type bookPage struct {
		p    app.Pupil
		days []app.Day
	}
	var pages []bookPage
	now := s.b.Now().In(s.loc)
	for _, p := range ps {
		var days []app.Day
		for i := range app.BookingDaysAhead + 1 {
			t := time.Date(now.Year(), now.Month(), now.Day()+i, 12, 0, 0, 0, s.loc)
			if p.EatsOn(t.Weekday()) {
				days = append(days, app.DayOf(t, s.loc))
			}
		}
		if len(days) == 0 {
			pages = append(pages, bookPage{p: p})
		}
		for len(days) > 0 {
			n := min(perPage, len(days))
			pages = append(pages, bookPage{p: p, days: days[:n]})
			days = days[n:]
		}
	}
	s.bookPage = counterClamp(s.bookPage, len(pages))
	pg := pages[s.bookPage]
	name := newLabel(SizeNameNote, true)
	name.Wrapping, name.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	name.SetText(DisplayName(pg.p))
	box := container.NewVBox(s.bookingsHead(counterDense(name))) // counter_absence.go
	if online {
		box.Add(counterDense(s.bookingsNote(s.tr.T("counter.booking.cutoff", cutoff))))
	} else {
		box.Add(newNote(toneAmber, theme.WarningIcon(), s.tr.T("counter.booking.offline")).root)
	}
	if len(pg.days) == 0 {
		box.Add(counterText(s.tr.T("counter.booking.none")))
	}
	for _, d := range pg.days {
		box.Add(s.bookingRow(pg.p.ID, d))
	}
	if len(pages) == 1 {
		return box
	}
	return container.NewBorder(nil, s.pager(&s.bookPage, len(pages)), nil, nil, box)
}

// bookingRow is a day, its state and the buttons that change it. While a
// change is on its way the buttons stay where they are, disabled: the row
// keeps its shape, so nothing on screen moves or grows for that moment.
func (s *CounterScreen) bookingRow(p app.PupilID, d app.Day) fyne.CanvasObject {
	if row, closed := s.closedBookingRow(p, d); closed { // counter_menu.go
		return row
	}
	bk := s.family.Booking(p, d)
	state := s.tr.T("counter.booking.present")
	switch {
	case bk.Cancelled:
		state = s.tr.T("counter.booking.cancelled")
	case bk.Bland:
		state = s.tr.T("counter.booking.bland")
	}
	label := counterText(s.dayText(d) + " — " + state)
	label.Wrapping, label.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	closed := !s.b.BookingOpen(d)
	var buttons []fyne.CanvasObject
	if bk.Cancelled || bk.Bland {
		undo := widget.NewButtonWithIcon(s.tr.T("counter.booking.undo"), theme.ContentUndoIcon(), s.act(func() {
			s.bookLocked(app.BookingRequest{PupilID: p, Day: d})
		}))
		buttons = append(buttons, undo)
	}
	if !bk.Cancelled {
		buttons = append(buttons, widget.NewButtonWithIcon(s.tr.T("counter.booking.cancel"), theme.CancelIcon(), s.act(func() {
			s.bookLocked(app.BookingRequest{PupilID: p, Day: d, Cancelled: true})
		})))
	}
	if !bk.Bland && !bk.Cancelled {
		buttons = append(buttons, widget.NewButton(s.tr.T("counter.booking.ask_bland"), s.act(func() {
			s.bookLocked(app.BookingRequest{PupilID: p, Day: d, Bland: true})
		})))
	}
	if closed || s.busy {
		for _, b := range buttons {
			b.(*widget.Button).Disable()
		}
	}
	if closed && s.b.Online() {
		// One line, never wrapped: in the row's box of buttons a wrapping
		// label gets no width and stands one letter per line, hundreds of
		// pixels tall.
		note := counterSmall(s.tr.T("counter.booking.closed"))
		note.Wrapping = fyne.TextWrapOff
		buttons = append(buttons, container.NewCenter(note))
	}
	return container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), label)
}

func (s *CounterScreen) bookLocked(r app.BookingRequest) {
	callLocked(s, func(ctx context.Context) (app.Family, error) { return s.b.Book(ctx, r) }, func(f app.Family) { s.family = f }) // counter_call.go
}

// noticesTab lists the notices issued to the family, newest first.
func (s *CounterScreen) noticesTab() fyne.CanvasObject {
	ns := s.family.Notices
	if len(ns) == 0 {
		if bt := s.certificateButton(); bt != nil { // counter_certificate.go
			return container.NewVBox(counterText(s.tr.T("counter.notices.none")), bt)
		}
		return counterText(s.tr.T("counter.notices.none"))
	}
	pages := (len(ns) + noticesPerPage - 1) / noticesPerPage
	s.noticePage = counterClamp(s.noticePage, pages)
	var lines []fyne.CanvasObject
	for _, n := range ns[s.noticePage*noticesPerPage : min(len(ns), (s.noticePage+1)*noticesPerPage)] {
		when := ""
		if !n.Created.IsZero() {
			when = FormatDate(n.Created.In(s.loc))
		}
		lines = append(lines, s.noticeRow(n, s.tr.T("counter.notices.row", when, pagopa.GroupNoticeCode(n.NoticeCode),
			FormatCents(n.Amount), s.noticeState(n.State)))) // counter_receipt.go
	}
	box := container.NewVBox(lines...)
	// The certificate's button beside the pager: one row for both.
	var pager fyne.CanvasObject = layout.NewSpacer()
	if pages > 1 {
		pager = s.pager(&s.noticePage, pages)
	}
	if bt := s.certificateButton(); bt != nil { // counter_certificate.go
		pager = container.NewBorder(nil, nil, bt, nil, pager)
	}
	box.Add(pager)
	return box
}

var counterNoticeStates = map[app.NoticeState]string{
	app.NoticeValid:   "notice.state.VALID",
	app.NoticePaid:    "notice.state.PAID",
	app.NoticeExpired: "notice.state.EXPIRED",
	app.NoticeInvalid: "notice.state.INVALID",
}

// noticeState names a notice's state; an unknown one shows as it is.
func (s *CounterScreen) noticeState(st app.NoticeState) string {
	if k, ok := counterNoticeStates[st]; ok {
		return s.tr.T(k)
	}
	return string(st)
}
