package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
	"mensakiosk/ui/qr"
)

// The family's messages (comunicazioni) and the take-home view: right
// after identification a family with unread messages lands on the
// Messages tab; each message shown is marked read (the backend queues the
// read for the server). A message with a link, and each of the home
// view's documents, opens the take-home view: the link as a QR code for a
// phone, and a button that prints it on an A4 sheet.

// CounterFamilyBackend is what the messages and the absence over several
// days need beyond CounterBackend. *app.Counter satisfies it; with a
// backend that does not, the screen has no Messages tab and no absence.
type CounterFamilyBackend interface {
	// MarkRead records that the family read the messages; it returns the
	// family as it now stands.
	MarkRead(ids ...string) (app.Family, error)
	// Absent cancels the canteen days from..to of the children named
	// (none: all) and returns the family reloaded.
	Absent(ctx context.Context, pupils []app.PupilID, from, to app.Day) (app.Family, error)
}

// TakeHome is a link the parent takes home: a document's or a message's.
type TakeHome struct {
	Title string
	Body  string
	URL   string
}

// Take-home view geometry, in Fyne units (pixels at scale 1). The target
// is a module of at least 1.5 mm, and a symbol at least a tenth of the
// reading distance wide (40 mm at 40 cm): takeHomeModulePx is 10 px, and
// the kiosk runs at scale 1 on a 10.1" 1280×800 panel (KioskScale), about
// 150 DPI, so a module is 1.7 mm and a 60-byte link's symbol (version 4,
// 33 modules) 56 mm. A symbol is drawn at most takeHomeQRMax wide: a long
// link's modules shrink to fit (a 120-byte link, version 7, 9 px), never
// below takeHomeModuleMin.
const (
	takeHomeModulePx  = 10
	takeHomeQRMax     = 480
	takeHomeModuleMin = 5
	messageBodyChars  = 240
)

// familyExtras is the screen's state for the messages, the take-home view
// and the absence form.
type familyExtras struct {
	msgPage int
	// newIDs are the messages unread when the family identified: they keep
	// their "new" tag for the whole visit.
	newIDs map[string]bool
	// The take-home view: what it shows, the view to go back to, what
	// printing did.
	link        *TakeHome
	linkBack    counterView
	linkMsg     string
	linkFailed  bool
	linkPrinted bool
	// The absence form (counter_absence.go).
	absence        bool
	absWho         app.PupilID // "" is all the children
	absFrom, absTo app.Day
	absDone        string
}

func (s *CounterScreen) familyBackend() (CounterFamilyBackend, bool) {
	fb, ok := s.b.(CounterFamilyBackend)
	return fb, ok
}

// openMessagesLocked notes the unread messages of a family just identified
// and shows them first.
func (s *CounterScreen) openMessagesLocked() {
	s.fx = familyExtras{newIDs: map[string]bool{}}
	if _, ok := s.familyBackend(); !ok {
		return
	}
	for _, m := range s.family.Messages {
		if m.Unread() {
			s.fx.newIDs[m.ID] = true
		}
	}
	if len(s.fx.newIDs) > 0 {
		s.tab = tabMessages
	}
}

// unreadCount is the number of the family's unread messages.
func (s *CounterScreen) unreadCount() int {
	n := 0
	for _, m := range s.family.Messages {
		if m.Unread() {
			n++
		}
	}
	return n
}

// messagesTabText is the tab's label: with the unread count when any.
func (s *CounterScreen) messagesTabText() string {
	if n := s.unreadCount(); n > 0 {
		return s.tr.T("counter.tab.messages_unread", n)
	}
	return s.tr.T("counter.tab.messages")
}

// messagePage is one page of the Messages tab: a message and the part
// of its text on that page.
type messagePage struct {
	m    app.Message
	body string
}

// messagePages cuts the family's messages into pages (a long text over
// several), newest first.
func (s *CounterScreen) messagePages() []messagePage {
	chars := messageBodyChars
	switch {
	case s.family.Cached && !s.family.MessagesAsOf.IsZero():
		chars = messageBodyChars / 2 // the cached-data note and the copy's time
	case s.family.Cached:
		chars = messageBodyChars * 2 / 3 // the cached-data note takes a line's room
	}
	var pages []messagePage
	for _, m := range s.family.Messages {
		for _, part := range counterSplitText(m.Body, chars) {
			pages = append(pages, messagePage{m, part})
		}
	}
	return pages
}

// markShownLocked marks read the message the Messages tab is about to
// show; familyView calls it before it draws the tabs, so that the tab's
// count is already without it.
func (s *CounterScreen) markShownLocked() {
	pages := s.messagePages()
	if len(pages) == 0 {
		return
	}
	s.fx.msgPage = counterClamp(s.fx.msgPage, len(pages))
	s.markReadLocked(pages[s.fx.msgPage].m)
}

// messagesTab: one message a page (a long one over several), newest
// first.
func (s *CounterScreen) messagesTab() fyne.CanvasObject {
	pages := s.messagePages()
	if len(pages) == 0 {
		return counterText(s.tr.T("messages.none"))
	}
	s.fx.msgPage = counterClamp(s.fx.msgPage, len(pages))
	pg := pages[s.fx.msgPage]

	title := newLabel(SizeNameNote, true)
	title.Wrapping, title.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	title.SetText(pg.m.Title)
	head := fyne.CanvasObject(title)
	if s.fx.newIDs[pg.m.ID] {
		// A word, not a colour alone; on one line beside the title.
		tag := newLabel(SizeNameNote, true)
		tag.Wrapping, tag.Importance = fyne.TextWrapOff, widget.WarningImportance
		tag.SetText(s.tr.T("messages.new"))
		head = container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(theme.MailComposeIcon()), tag), nil, title)
	}
	sent := pg.m.Sent.In(s.loc)
	lines := []fyne.CanvasObject{
		counterOneLine(s.tr.T("messages.sent", FormatDate(sent), FormatTime(sent)) + " · " + s.audienceText(pg.m.Audience)),
	}
	if f := s.family; f.Cached && !f.MessagesAsOf.IsZero() {
		asOf := f.MessagesAsOf.In(s.loc)
		lines = append(lines, counterOneLine(s.tr.T("messages.copy_as_of", FormatDate(asOf), FormatTime(asOf))))
	}
	if pg.body != "" {
		lines = append(lines, counterText(pg.body))
	}
	box := container.NewVBox(head, counterDense(lines...))
	if pg.m.URL != "" {
		m := pg.m
		take := widget.NewButtonWithIcon(s.tr.T("takehome.button"), theme.DocumentPrintIcon(), s.act(func() {
			s.openTakeHomeLocked(TakeHome{Title: m.Title, Body: m.Body, URL: m.URL})
		}))
		box.Add(container.NewBorder(nil, nil, nil, take, counterOneLine(m.URL)))
	}
	if len(pages) == 1 {
		return box
	}
	return container.NewBorder(nil, s.pager(&s.fx.msgPage, len(pages)), nil, nil, box)
}

// markReadLocked marks a message on screen read, once.
func (s *CounterScreen) markReadLocked(m app.Message) {
	fb, ok := s.familyBackend()
	if !ok || !m.Unread() {
		return
	}
	f, err := fb.MarkRead(m.ID)
	if err != nil {
		// The parent has read it all the same; the next visit shows it
		// again as unread.
		return
	}
	if f.Account.ID == s.family.Account.ID {
		s.family = f
	}
}

// audienceText says whom a message was sent to.
func (s *CounterScreen) audienceText(a app.MessageAudience) string {
	switch a.Kind {
	case app.AudienceFamily:
		return s.tr.T("messages.to_family")
	case app.AudienceClass:
		return s.tr.T("messages.to_class", a.Class, a.School)
	case app.AudienceSchool:
		return s.tr.T("messages.to_school", a.School)
	}
	return s.tr.T("messages.to_all")
}

// openTakeHomeLocked shows the take-home view of a link.
func (s *CounterScreen) openTakeHomeLocked(l TakeHome) {
	s.fx.linkBack = s.view
	s.fx.link = &l
	s.fx.linkMsg, s.fx.linkFailed, s.fx.linkPrinted = "", false, false
	s.view = cvTakeHome
}

// takeHomeView: the link's QR code, large, beside its title, its address
// written out and the buttons to print it and to go back.
func (s *CounterScreen) takeHomeView() fyne.CanvasObject {
	l := s.fx.link
	back := widget.NewButtonWithIcon(s.tr.T("counter.back"), theme.NavigateBackIcon(), s.act(func() {
		s.view, s.fx.link, s.qrImg = s.fx.linkBack, nil, nil
	}))
	if l == nil {
		return back
	}
	heading := newLabel(SizeNameNote, true)
	heading.SetText(s.tr.T("takehome.title"))
	title := newLabel(theme.SizeNameText, true)
	title.SetText(l.Title)
	info := []fyne.CanvasObject{heading, title, counterSmall(l.URL)}

	var code fyne.CanvasObject = widget.NewLabel("")
	s.qrImg = nil
	img, err := qr.LinkImage(l.URL)
	if err == nil {
		n := img.Bounds().Dx()
		module := takeHomeModulePx
		if n*module > takeHomeQRMax {
			module = max(takeHomeModuleMin, takeHomeQRMax/n)
		}
		ci := qrCanvas(img, module) // counter_qr.go
		s.qrImg = ci
		code = container.NewVBox(container.NewCenter(ci))
		info = append(info, counterText(s.tr.T("takehome.hint")))
	} else {
		info = append(info, counterError(s.tr.T("takehome.too_long")))
	}
	printBt := widget.NewButtonWithIcon(s.tr.T("takehome.print"), theme.DocumentPrintIcon(), s.act(func() {
		s.printLinkLocked(*l)
	}))
	if s.OnPrintLink == nil || err != nil || s.busy {
		printBt.Disable()
	}
	buttons := container.NewHBox(back, printBt)
	var bottom []fyne.CanvasObject
	if s.fx.linkMsg != "" {
		tone, icon := toneGreen, theme.ConfirmIcon()
		if s.fx.linkFailed {
			tone, icon = toneRed, theme.ErrorIcon()
		}
		bottom = append(bottom, newNote(tone, icon, s.fx.linkMsg).root)
	}
	bottom = append(bottom, buttons)
	// The buttons under the texts, beside the code: under it they would
	// add their row to the code's height.
	return container.NewBorder(nil, nil,
		container.New(layout.NewCustomPaddedLayout(0, 0, 0, 16), code), nil,
		container.NewBorder(counterDense(info...), container.NewVBox(bottom...), nil, nil))
}

// printLinkLocked prints the take-home sheet through OnPrintLink, on a
// goroutine of its own; the view says what it did.
func (s *CounterScreen) printLinkLocked(l TakeHome) {
	cb, tr := s.OnPrintLink, s.tr
	if cb == nil {
		return
	}
	s.fx.linkMsg = ""
	s.startLocked(func(context.Context) func() {
		res, err := cb(l, tr)
		return func() {
			switch {
			case err != nil:
				s.fx.linkMsg, s.fx.linkFailed = tr.T("takehome.print_failed", errorLine(err)), true
			case res.Printed:
				s.fx.linkMsg, s.fx.linkFailed, s.fx.linkPrinted = tr.T("takehome.printed"), false, true
			default:
				s.fx.linkMsg, s.fx.linkFailed = tr.T("takehome.saved", res.File), false
			}
		}
	})
}

// errorLine is an error's first line, for a note on screen.
func errorLine(err error) string {
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}
