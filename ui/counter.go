package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// CounterBackend is the counter role's use case as the screen needs it.
// *app.Counter satisfies it.
type CounterBackend interface {
	IdentifyBadge(ctx context.Context, id app.BadgeID) (app.Family, error)
	IdentifyFiscalCode(ctx context.Context, cf, accessCode string) (app.Family, error)
	Current() (app.Family, bool)
	Refresh(ctx context.Context) (app.Family, error)
	Forget()
	Touch()
	IdleExpired() bool
	SetOnline(on bool)
	Online() bool
	Book(ctx context.Context, r app.BookingRequest) (app.Family, error)
	BookingOpen(d app.Day) bool
	TopUp(ctx context.Context, amount app.Cents) (app.Notice, error)
	NewTopUp()
	PollNotice(ctx context.Context, code string) (app.Notice, app.Family, error)
	News() ([]app.News, error)
	Documents() ([]app.Document, error)
	Config() app.CounterConfig
	Now() time.Time
	AttemptWait() time.Duration
}

// CounterOptions configure a CounterScreen.
type CounterOptions struct {
	// Location is the kiosk's time zone; nil means the backend's.
	Location *time.Location
	// PollInterval is how often the avviso screen asks whether the notice
	// was paid. Zero means DefaultPollInterval.
	PollInterval time.Duration
	// QRModulePx is the side of one QR module in pixels (at scale 1); zero
	// means DefaultQRModulePx.
	QRModulePx int
	// RequestTimeout bounds each call to the backend; zero means 20 s.
	RequestTimeout time.Duration
	// Language is the kiosk's configured language: the screen starts in
	// it and goes back to it for the next family (after a sign-out, the
	// idle wipe or staff mode). Empty or unknown means Italian.
	Language string
}

// PrintResult is what printing an avviso did: sent it to the printer, or
// only wrote its PDF to File.
type PrintResult struct {
	Printed bool
	File    string
}

// Counter screen defaults.
const (
	DefaultPollInterval = 3 * time.Second
	// DefaultQRModulePx: 41 modules (version 4 with its quiet zone) × 8 =
	// 328 px, sharp and easy to scan, and the avviso fits a 1280×720
	// window.
	DefaultQRModulePx = 8
	counterStaffTaps  = 5
)

// counterView is what the centre of the counter screen shows.
type counterView int

const (
	cvHome counterView = iota
	cvIdentifyCF
	cvIdentifyCode
	cvFamily
	cvNotice
	cvTakeHome // counter_messages.go
	// cvCertificate: counter_certificate.go
	cvCertificate
)

// familyTab is the part of the family view on screen.
type familyTab int

const (
	tabChildren familyTab = iota
	tabMeals
	tabBookings
	tabTopUp
	tabNotices
	tabMessages // counter_messages.go
	tabMenu     // counter_menu.go
)

// CounterScreen is the counter role's screen (sportello): home with news,
// documents and the language choice; identification by badge or by codice
// fiscale and access code on on-screen keyboards; the family view (balance,
// children, meals month by month, bookings, top-up, notices); and the
// avviso with its QR code, polled until paid.
//
// Every view is rebuilt from the screen's state when something changes, so
// that a language switch re-renders every text. Calls to the backend run on
// their own goroutine and come back through fyne.Do; the screen's state is
// guarded by a mutex as CanteenScreen's is.
type CounterScreen struct {
	cats  map[string]*Catalogue
	langs []string
	b     CounterBackend
	opts  CounterOptions
	loc   *time.Location

	// OnPrint is called with the notice on screen when "Stampa avviso" is
	// tapped, and the catalogue of the language on screen; the wiring
	// writes the PDF in that language and prints it. It runs on a
	// goroutine of its own; what it returns is said on the avviso
	// (printed, or where the file is, or that it failed).
	OnPrint func(n app.Notice, tr *Catalogue) (PrintResult, error)
	// OnPrintReceipt and OnPrintCertificate are OnPrint for the receipt
	// of a paid notice and for the yearly certificate
	// (counter_receipt.go, counter_certificate.go).
	OnPrintReceipt     func(n app.Notice, tr *Catalogue) (PrintResult, error)
	OnPrintCertificate func(c app.FamilyCertificate, tr *Catalogue) (PrintResult, error)
	// OnStaffGesture is called when staff tap the title five times within
	// a few seconds.
	OnStaffGesture func()
	// OnPrintLink prints a take-home sheet (a document's or a message's
	// link with its QR code) in the language of the catalogue, like
	// OnPrint (counter_messages.go).
	OnPrintLink func(l TakeHome, tr *Catalogue) (PrintResult, error)

	tasks sync.WaitGroup // backend calls in flight (tests wait on it)
	// resized: the centre changed size while the screen was busy; the
	// home view renders again at the next Tick.
	resized atomic.Bool
	pollers sync.WaitGroup // notice pollers running

	mu        sync.Mutex
	tr        *Catalogue
	home      *Catalogue // the configured language
	view      counterView
	tab       familyTab
	gen       uint64         // bumped when the family is forgotten: stale answers are dropped
	tabRow    *counterTabRow // the family view's tabs, made once (counter_tabrow.go)
	busy      bool
	lastTouch time.Time
	staffTaps []time.Time
	sync      app.SyncStatus
	errText   string

	family app.Family
	hasFam bool
	cf     string
	code   string
	amount string // euros typed on the keypad
	notice *app.Notice
	paid   bool
	// printMsg says what the last "Stampa avviso" did; printFailed when
	// it failed.
	printMsg    string
	printFailed bool
	pollStp     context.CancelFunc

	docFirst, childPage, monthBack, mealPage, bookPage, noticePage int
	// newsAt is where the home's news page starts: a news item and a
	// byte offset in its body (counter_news_place.go).
	newsAt   counterNewsPlace
	menuPage int // counter_menu.go

	fx familyExtras // messages, take-home view, absence: counter_messages.go

	root   *fyne.Container
	title  *widget.Label
	header *fyne.Container
	status *widget.Label
	centre *fyne.Container
	qrImg  *canvas.Image // the avviso's QR code, while shown

	certState counterCertState // counter_certificate.go
}

// NewCounterScreen builds the counter screen on the home view.
// catalogues maps language codes to catalogues; Italian is first on the
// language buttons, and the screen starts in it.
func NewCounterScreen(catalogues map[string]*Catalogue, b CounterBackend, opts CounterOptions) *CounterScreen {
	s := &CounterScreen{cats: map[string]*Catalogue{}, b: b, opts: opts}
	for l, c := range catalogues {
		if c != nil {
			s.cats[l] = c
		}
	}
	if len(s.cats) == 0 {
		s.cats[DefaultLanguage] = MustCatalogue(DefaultLanguage)
	}
	s.langs = counterLangs(s.cats)
	s.home = s.cats[s.langs[0]]
	if c, ok := s.cats[opts.Language]; ok {
		s.home = c
	}
	s.tr = s.home
	if s.opts.PollInterval <= 0 {
		s.opts.PollInterval = DefaultPollInterval
	}
	if s.opts.QRModulePx <= 0 {
		s.opts.QRModulePx = DefaultQRModulePx
	}
	if s.opts.RequestTimeout <= 0 {
		s.opts.RequestTimeout = 20 * time.Second
	}
	s.loc = opts.Location
	if s.loc == nil {
		s.loc = b.Config().Location
	}
	if s.loc == nil {
		s.loc = time.Local
	}
	s.build()
	s.mu.Lock()
	s.renderLocked()
	s.mu.Unlock()
	return s
}

// counterLangs lists the languages with Italian first, then by code.
func counterLangs(m map[string]*Catalogue) []string {
	var out []string
	if _, ok := m[DefaultLanguage]; ok {
		out = append(out, DefaultLanguage)
	}
	for _, l := range Languages() {
		if _, ok := m[l]; ok && l != DefaultLanguage {
			out = append(out, l)
		}
	}
	for l := range m { // languages with no file of their own (tests)
		found := false
		for _, o := range out {
			found = found || o == l
		}
		if !found {
			out = append(out, l)
		}
	}
	return out
}

func (s *CounterScreen) build() {
	s.title = newLabel(SizeNameHeader, true)
	s.title.Wrapping = fyne.TextWrapOff
	s.header = container.NewHBox()
	headerBg := canvas.NewRectangle(colorHeader)
	titleZone := newCounterTapZone(s.title, s.staffTap)
	head := container.NewStack(headerBg, container.NewPadded(container.NewBorder(nil, nil, nil, s.header, titleZone)))
	s.status = newLabel(SizeNameSmall, false)
	footer := container.NewStack(canvas.NewRectangle(colorHeader), container.NewPadded(counterDense(s.status)))
	s.centre = container.New(&counterCentreLayout{s: s})
	bg := canvas.NewRectangle(colorPaper)
	// The app's theme is the kiosk theme (cmd/kiosk sets it): no override
	// of its own, which Fyne would give a theme scope and fonts of its own.
	s.root = container.NewStack(bg, container.NewBorder(head, footer, nil, nil,
		container.New(layout.NewCustomPaddedLayout(8, 8, 16, 16), s.centre)))
}

// Content returns the screen's root object.
func (s *CounterScreen) Content() fyne.CanvasObject { return s.root }

// Close stops the notice polling. Call it when the screen goes away.
func (s *CounterScreen) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopPollLocked()
	s.gen++
}

// wait blocks until the backend calls in flight have come back (tests).
func (s *CounterScreen) wait() { s.tasks.Wait() }

// ShowFamily shows a family identified elsewhere (by the wiring), on the
// UI goroutine.
func (s *CounterScreen) ShowFamily(f app.Family) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.openFamilyLocked(f)
	s.renderLocked()
}

func (s *CounterScreen) openFamilyLocked(f app.Family) {
	s.family, s.hasFam = f, true
	s.view, s.tab = cvFamily, tabChildren
	s.cf, s.code, s.errText = "", "", ""
	s.childPage, s.monthBack, s.mealPage, s.bookPage, s.noticePage = 0, 0, 0, 0, 0
	s.menuPage = 0
	s.lastTouch = s.b.Now()
	s.openMessagesLocked() // counter_messages.go
}

// PostBadge identifies the family of a badge tapped on the counter's
// reader: call it from the reader's goroutine.
func (s *CounterScreen) PostBadge(id app.BadgeID) {
	fyne.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.view == cvNotice {
			return // a parent paying: a stray tap must not change the family
		}
		s.touchLocked()
		s.errText = ""
		s.startLocked(func(ctx context.Context) func() {
			f, err := s.b.IdentifyBadge(ctx, id)
			return func() {
				if err != nil {
					s.forgetLocked()
					s.errText = s.errorText(err)
					return
				}
				s.openFamilyLocked(f)
			}
		})
	})
}

// SetSync updates the link to the central server (from the sync engine's
// status), on the UI goroutine: the footer line, and whether the backend
// takes the server as reachable.
func (s *CounterScreen) SetSync(st app.SyncStatus) {
	s.b.SetOnline(st.Configured && st.Online)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync = st
	s.renderLocked()
}

// PostSync is SetSync for any goroutine.
func (s *CounterScreen) PostSync(st app.SyncStatus) { fyne.Do(func() { s.SetSync(st) }) }

// Tick is called every second by the wiring: after an idle minute the
// screen goes home and the family is forgotten.
func (s *CounterScreen) Tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resized.Swap(false) && s.view == cvHome {
		s.renderLocked()
	}
	if s.view == cvHome && !s.hasFam {
		return
	}
	expired := s.b.IdleExpired()
	if !s.hasFam && s.b.Now().Sub(s.lastTouch) >= s.b.Config().IdleTimeout {
		expired = true // typing a code and walked away
	}
	if expired {
		s.forgetLocked()
		s.renderLocked()
	}
}

// forgetLocked wipes the family from the backend and the screen and goes
// home.
func (s *CounterScreen) forgetLocked() {
	s.stopPollLocked()
	s.b.Forget()
	s.gen++
	clear(s.family.Pupils)
	clear(s.family.Meals)
	clear(s.family.Notices)
	clear(s.family.Bookings)
	clear(s.family.Messages)
	s.fx = familyExtras{}
	s.family, s.hasFam = app.Family{}, false
	s.cf, s.code, s.amount, s.errText = "", "", "", ""
	s.notice, s.paid, s.busy = nil, false, false
	s.printMsg, s.printFailed = "", false
	s.view, s.tab = cvHome, tabChildren
	s.qrImg = nil
	s.certState = counterCertState{}
	// The next family starts in the kiosk's language, on the first news.
	s.tr = s.home
	s.newsAt, s.docFirst = counterNewsPlace{}, 0
}

// Reset forgets the family and anything typed and shows the home view in
// the configured language, on the UI goroutine: the wiring calls it when
// staff mode opens over the counter, so that neither staff nor the next
// parent see the previous family.
func (s *CounterScreen) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forgetLocked()
	s.renderLocked()
}

// touchLocked records an interaction.
func (s *CounterScreen) touchLocked() {
	s.lastTouch = s.b.Now()
	s.b.Touch()
}

// act wraps a button's action: touch, then fn, then render.
func (s *CounterScreen) act(fn func()) func() {
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.touchLocked()
		fn()
		s.renderLocked()
	}
}

// startLocked runs work on its own goroutine; the function it returns is
// applied on the UI goroutine (through fyne.Do), unless the family was
// forgotten meanwhile. The screen shows it is busy until then.
func (s *CounterScreen) startLocked(work func(ctx context.Context) func()) {
	s.busy = true
	gen := s.gen
	s.tasks.Add(1)
	go func() {
		defer s.tasks.Done()
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.RequestTimeout)
		apply := work(ctx)
		cancel()
		fyne.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if gen != s.gen {
				return
			}
			s.busy = false
			apply()
			s.renderLocked()
		})
	}()
	s.renderLocked()
}

// staffTap counts taps on the title: five within three seconds call
// OnStaffGesture.
func (s *CounterScreen) staffTap() {
	s.mu.Lock()
	now := s.b.Now()
	var keep []time.Time
	for _, t := range s.staffTaps {
		if now.Sub(t) < 3*time.Second {
			keep = append(keep, t)
		}
	}
	s.staffTaps = append(keep, now)
	fire := len(s.staffTaps) >= counterStaffTaps
	if fire {
		s.staffTaps = nil
	}
	cb := s.OnStaffGesture
	s.mu.Unlock()
	if fire && cb != nil {
		cb()
	}
}

// errorText says what went wrong, in the parent's language.
func (s *CounterScreen) errorText(err error) string {
	var tm *app.TooManyAttempts
	switch {
	case errors.As(err, &tm):
		return s.tr.T("counter.error.wait", int((tm.Wait+time.Second-1)/time.Second))
	case errors.Is(err, app.ErrUnknownBadge):
		return s.tr.T("counter.error.unknown_badge")
	case errors.Is(err, app.ErrBlockedBadge):
		return s.tr.T("counter.error.blocked_badge")
	case errors.Is(err, app.ErrIdentification):
		return s.tr.T("counter.error.identification")
	case errors.Is(err, app.ErrOffline), errors.Is(err, app.ErrUnreachable):
		return s.tr.T("counter.error.offline")
	case errors.Is(err, app.ErrForbidden):
		return s.tr.T("counter.error.forbidden")
	case errors.Is(err, app.ErrAmountRange):
		cfg := s.b.Config()
		return s.tr.T("counter.topup.range", FormatCents(cfg.TopUpMin), FormatCents(cfg.TopUpMax))
	case errors.Is(err, app.ErrAfterCutoff):
		return s.tr.T("counter.booking.after_cutoff")
	case errors.Is(err, app.ErrNotCanteenDay):
		return s.tr.T("counter.booking.not_canteen_day")
	case errors.Is(err, app.ErrClosedDay):
		return s.tr.T("counter.booking.closed_refused")
	case errors.Is(err, app.ErrBookingRefused):
		return s.tr.T("counter.booking.refused")
	case errors.Is(err, app.ErrAbsenceSpan):
		return s.tr.T("absence.span", app.MaxAbsenceDays)
	case errors.Is(err, app.ErrNotIdentified):
		return s.tr.T("counter.error.not_identified")
	}
	return s.tr.T("counter.error.generic")
}

// renderLocked rebuilds the header, the footer and the current view from
// the state, in the current language. Called with s.mu held.
func (s *CounterScreen) renderLocked() {
	s.title.SetText(s.tr.T("counter.home.title"))
	var head []fyne.CanvasObject
	switch s.view {
	case cvHome:
		for _, l := range s.langs {
			l := l
			bt := widget.NewButton(s.cats[l].T("counter.language"), s.act(func() { s.tr = s.cats[l] }))
			if s.cats[l] == s.tr {
				bt.Importance = widget.HighImportance
			}
			head = append(head, bt)
		}
	case cvFamily, cvNotice, cvCertificate:
		head = append(head, widget.NewButtonWithIcon(s.tr.T("counter.logout"), theme.LogoutIcon(), s.act(s.forgetLocked)))
	case cvTakeHome:
		if s.hasFam {
			head = append(head, widget.NewButtonWithIcon(s.tr.T("counter.logout"), theme.LogoutIcon(), s.act(s.forgetLocked)))
		}
	}
	s.header.Objects = head
	s.header.Refresh()
	// On the avviso, what "Stampa avviso" did takes the footer's whole
	// width (a file's path is long), in place of the server's line.
	s.status.TextStyle.Bold, s.status.Importance = false, widget.MediumImportance
	if (s.view == cvNotice || s.view == cvCertificate) && s.printMsg != "" {
		s.status.TextStyle.Bold, s.status.Importance = true, widget.SuccessImportance
		if s.printFailed {
			s.status.Importance = widget.DangerImportance
		}
		s.status.SetText(s.printMsg)
	} else {
		if s.sync.ClockBehind != nil { // for staff: in red
			s.status.Importance = widget.DangerImportance
		}
		s.status.SetText(s.syncText())
	}

	var body fyne.CanvasObject
	switch s.view {
	case cvIdentifyCF, cvIdentifyCode:
		body = s.identifyView()
	case cvFamily:
		body = s.familyView()
	case cvNotice:
		body = s.noticeView()
	case cvTakeHome:
		body = s.takeHomeView()
	case cvCertificate:
		body = s.certificateView()
	default:
		body = s.homeView()
	}
	if s.busy {
		busy := newLabel(SizeNameNote, true)
		busy.Wrapping = fyne.TextWrapOff // centred: a wrapping label would be squeezed to one letter per line
		busy.SetText(s.tr.T("counter.busy"))
		// Over the view's top, not above it: a row more would make the
		// view taller than the window for that moment.
		pill := canvas.NewRectangle(colorHeader)
		pill.CornerRadius = 8
		pill.StrokeColor, pill.StrokeWidth = colorLine, 1
		body = container.NewStack(body, container.NewVBox(container.NewCenter(container.NewStack(pill, container.NewPadded(busy)))))
	}
	// Lay the new view out at the centre's size before it is shown: a
	// wrapping label measured before it has a width asks for one word per
	// line, and a windowed kiosk would grow to that transient height.
	if sz := s.centre.Size(); sz.Width > 0 && sz.Height > 0 {
		body.Resize(sz)
	}
	s.centre.Objects = []fyne.CanvasObject{body}
	s.centre.Refresh()
}

// syncText is the footer's line about the central server, and the
// warning for staff when the kiosk's clock went backwards.
func (s *CounterScreen) syncText() string {
	if cb := s.sync.ClockBehind; cb != nil {
		return clockBehindText(s.tr, *cb, s.loc) + " · " + s.linkText()
	}
	return s.linkText()
}

func (s *CounterScreen) linkText() string {
	switch {
	case !s.sync.Configured:
		return s.tr.T("sync.standalone")
	case s.sync.Online:
		return s.tr.T("sync.online")
	case !s.sync.OfflineSince.IsZero():
		return s.tr.T("sync.offline_since", formatWhen(s.sync.OfflineSince.In(s.loc), s.b.Now().In(s.loc)))
	}
	return s.tr.T("sync.offline")
}

// homeView: the prompt, the identification button, news and documents.
func (s *CounterScreen) homeView() fyne.CanvasObject {
	// The prompt is big, not the canteen's huge prompt: the home view
	// shares the screen with the news and the documents.
	prompt := newLabel(SizeNameResultText, true)
	prompt.Alignment = fyne.TextAlignCenter
	prompt.SetText(s.tr.T("counter.home.prompt"))
	ident := widget.NewButtonWithIcon(s.tr.T("counter.home.identify"), theme.AccountIcon(), s.act(func() {
		s.view, s.cf, s.code, s.errText = cvIdentifyCF, "", "", ""
	}))
	ident.Importance = widget.HighImportance
	top := []fyne.CanvasObject{counterDense(prompt), container.NewCenter(ident)}
	if s.errText != "" {
		top = append(top, counterError(s.errText))
	}

	topBox := container.NewVBox(top...)
	news, _ := s.b.News()
	docs, _ := s.b.Documents()
	// Each column pages to the height the window leaves it: the prompt
	// takes two lines on a narrow screen, an error line takes one more,
	// and a 1280×720 screen holds less than a 1280×800 one. Before the
	// first frame the centre has no size yet, and the defaults are used;
	// the centre renders again when it gets one (counterCentreLayout).
	newsChars, docsPerPage := counterNewsChars, counterDocsPerPage
	var newsBox, docBox fyne.CanvasObject
	if avail := s.centre.Size(); avail.Width > 0 && avail.Height > 0 {
		pad := theme.Padding()
		topBox.Resize(fyne.NewSize(avail.Width, topBox.MinSize().Height))
		col := fyne.NewSize((avail.Width-pad)/2, avail.Height-topBox.MinSize().Height-pad)
		fits := func(o fyne.CanvasObject) bool {
			o.Resize(col)
			return o.MinSize().Height <= col.Height
		}
		for ; ; newsChars -= counterNewsCharsStep {
			if newsBox = s.newsColumn(news, newsChars); newsChars <= counterNewsCharsMin || fits(newsBox) {
				break
			}
		}
		for ; ; docsPerPage-- {
			if docBox = s.docsColumn(docs, docsPerPage); docsPerPage <= 1 || fits(docBox) {
				break
			}
		}
	} else {
		newsBox, docBox = s.newsColumn(news, newsChars), s.docsColumn(docs, docsPerPage)
	}
	return container.NewBorder(topBox, nil, nil, nil, container.NewGridWithColumns(2, newsBox, docBox))
}

// newsColumn is the home view's news, a page of at most chars of a body
// at a time.
func (s *CounterScreen) newsColumn(news []app.News, chars int) fyne.CanvasObject {
	newsTitle := newLabel(SizeNameNote, true)
	newsTitle.SetText(s.tr.T("counter.home.news"))
	if len(news) == 0 {
		return counterDense(newsTitle, counterText(s.tr.T("counter.home.no_news")))
	}
	// A long body is cut into pages of its own: the pager turns them
	// as it turns the news, so that nothing scrolls and all is read. The
	// place kept is the first character shown, not a page number: the
	// page size changes with the room (a resize, the scale, an error
	// line), and the reader stays on the text being read.
	pg := counterNewsPageAt(news, s.newsAt, chars) // counter_news_place.go
	t := newLabel(theme.SizeNameText, true)
	t.Wrapping = fyne.TextWrapOff
	t.Truncation = fyne.TextTruncateEllipsis
	t.SetText(pg.n.Title)
	lines := []fyne.CanvasObject{newsTitle, t}
	if !pg.n.Published.IsZero() {
		lines = append(lines, counterSmall(FormatDate(pg.n.Published.In(s.loc))))
	}
	lines = append(lines, counterText(pg.body))
	return container.NewBorder(nil, s.newsPager(pg), nil, nil, counterDense(lines...))
}

// docsColumn is the home view's documents, perPage titles with their
// addresses at a time.
func (s *CounterScreen) docsColumn(docs []app.Document, perPage int) fyne.CanvasObject {
	docTitle := newLabel(SizeNameNote, true)
	docTitle.SetText(s.tr.T("counter.home.documents"))
	if len(docs) == 0 {
		return counterDense(docTitle, counterText(s.tr.T("counter.home.no_documents")))
	}
	// s.docFirst is the first document shown, not a page number: the
	// page size changes with the room (an error line comes and goes), and
	// turning the page must show the next document, not skip some.
	s.docFirst = max(0, min(s.docFirst, len(docs)-1))
	lines := []fyne.CanvasObject{counterDense(docTitle)} // level with the news' title
	for _, d := range docs[s.docFirst:min(len(docs), s.docFirst+perPage)] {
		t := newLabel(theme.SizeNameText, true)
		t.Wrapping = fyne.TextWrapOff
		t.Truncation = fyne.TextTruncateEllipsis
		t.SetText(d.Title)
		take := widget.NewButtonWithIcon(s.tr.T("takehome.button"), theme.DocumentPrintIcon(), s.act(func() {
			s.openTakeHomeLocked(TakeHome{Title: d.Title, URL: d.URL})
		}))
		lines = append(lines, container.NewBorder(nil, nil, nil, take, counterDense(t, counterOneLine(d.URL))))
	}
	page, pages := (s.docFirst+perPage-1)/perPage, (s.docFirst+perPage-1)/perPage+(len(docs)-s.docFirst+perPage-1)/perPage
	return container.NewBorder(nil, s.pagerBy(&s.docFirst, perPage, len(docs), counterPageOf(page, pages), counterPageShort(page, pages)), nil, nil, container.NewVBox(lines...))
}

// The home view's paging: a page of news is at most counterNewsChars of
// its body (about seven lines in half the screen), a page of documents
// counterDocsPerPage titles with their addresses; fewer where the window
// leaves less room, down to counterNewsCharsMin and one document.
const (
	counterNewsChars     = 220
	counterNewsCharsStep = 20
	counterNewsCharsMin  = 60
	counterDocsPerPage   = 3
)

// counterCentreLayout stacks the view in the centre, and renders the home
// view again when the centre's size changes (the first frame, a resize):
// its columns page to the height they get.
type counterCentreLayout struct {
	s    *CounterScreen
	last fyne.Size
}

func (l *counterCentreLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	if size == l.last {
		return
	}
	l.last = size
	s := l.s
	// The screen's lock is held when a render lays the centre out (at the
	// size it measured, so no change) or when another goroutine holds it:
	// then the next Tick renders.
	if !s.mu.TryLock() {
		s.resized.Store(true)
		return
	}
	defer s.mu.Unlock()
	s.resized.Store(false)
	if s.view == cvHome {
		s.renderLocked()
	}
}

func (l *counterCentreLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

// counterSplitText cuts text into parts of at most n bytes, at spaces
// where it can; the parts joined with spaces give the text back.
func counterSplitText(text string, n int) []string {
	text = strings.TrimSpace(text)
	var parts []string
	for len(text) > n {
		cut := strings.LastIndexByte(text[:n+1], ' ')
		if cut <= 0 { // one long word: cut it at a rune boundary
			cut = n
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
		}
		parts = append(parts, strings.TrimSpace(text[:cut]))
		text = strings.TrimSpace(text[cut:])
	}
	return append(parts, text)
}

// pager is "2 / 5" between previous/next buttons for a page index. The
// label sits in the middle of a border layout so that it keeps its width
// (in an HBox a wrapping label is squeezed into a column).
func (s *CounterScreen) pager(page *int, pages int) fyne.CanvasObject {
	return s.pagerWithShort(page, pages, counterPageOf(*page, pages), counterPageShort(*page, pages))
}

// pagerWith is pager with its own text between the buttons.
func (s *CounterScreen) pagerWith(page *int, pages int, text string) fyne.CanvasObject {
	return s.pagerBy(page, 1, pages, text, text)
}

// pagerWithShort is pagerWith with a shorter text for a narrow row.
func (s *CounterScreen) pagerWithShort(page *int, pages int, text, short string) fyne.CanvasObject {
	return s.pagerBy(page, 1, pages, text, short)
}

// pagerBy turns *pos by step, within [0, count): a page number (step 1,
// count pages) or the first item shown (step items a page, count items).
// Where the row is narrow the buttons lose their words and the text is
// short (newCounterPager).
func (s *CounterScreen) pagerBy(pos *int, step, count int, text, short string) fyne.CanvasObject {
	var onPrev, onNext func()
	if *pos > 0 {
		onPrev = func() { *pos = max(0, *pos-step) }
	}
	if *pos+step < count {
		onNext = func() { *pos += step }
	}
	return s.pagerTo(onPrev, onNext, text, short)
}

// pagerTo is a pager whose buttons run onPrev and onNext (then render);
// a nil one is disabled.
func (s *CounterScreen) pagerTo(onPrev, onNext func(), text, short string) fyne.CanvasObject {
	prev := widget.NewButtonWithIcon(s.tr.T("counter.prev"), theme.NavigateBackIcon(), s.act(func() {
		if onPrev != nil {
			onPrev()
		}
	}))
	next := widget.NewButtonWithIcon(s.tr.T("counter.next"), theme.NavigateNextIcon(), s.act(func() {
		if onNext != nil {
			onNext()
		}
	}))
	next.IconPlacement = widget.ButtonIconTrailingText
	if onPrev == nil {
		prev.Disable()
	}
	if onNext == nil {
		next.Disable()
	}
	where := counterText(text)
	where.Wrapping = fyne.TextWrapOff
	where.Truncation = fyne.TextTruncateEllipsis
	where.Alignment = fyne.TextAlignCenter
	return newCounterPager(prev, next, where, text, short)
}

// counterDense stacks lines of text close together: a label's own padding
// (the kiosk theme's inner padding, sized for buttons) would make every
// line twice as tall as its text. The text keeps its size; only the space
// around it shrinks. Put no buttons in it: they would lose their height.
// Labels alone are packed without a theme override (newDense); anything
// else still gets counterDenseTheme.
func counterDense(objs ...fyne.CanvasObject) fyne.CanvasObject {
	for _, o := range objs {
		if _, ok := o.(*widget.Label); !ok {
			return container.NewThemeOverride(container.NewVBox(objs...), counterDenseTheme{})
		}
	}
	return newDense(objs...)
}

type counterDenseTheme struct{ kioskTheme }

func (t counterDenseTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameInnerPadding:
		return 3
	case theme.SizeNamePadding:
		return 4
	}
	return t.kioskTheme.Size(n)
}

func counterClamp(p, pages int) int { return max(0, min(p, pages-1)) }

func counterText(text string) *widget.Label {
	l := newLabel(theme.SizeNameText, false)
	l.SetText(text)
	return l
}

// counterOneLine is small text on one line, cut with an ellipsis when too
// long (a document's address).
func counterOneLine(text string) *widget.Label {
	l := counterSmall(text)
	l.Wrapping = fyne.TextWrapOff
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func counterSmall(text string) *widget.Label {
	l := newLabel(SizeNameSmall, false)
	l.SetText(text)
	return l
}

func counterError(text string) fyne.CanvasObject {
	return newNote(toneRed, theme.ErrorIcon(), text).root
}

// counterTapZone makes any object tappable (the title, for the staff gesture).
type counterTapZone struct {
	widget.BaseWidget
	obj   fyne.CanvasObject
	onTap func()
}

func newCounterTapZone(obj fyne.CanvasObject, onTap func()) *counterTapZone {
	z := &counterTapZone{obj: obj, onTap: onTap}
	z.ExtendBaseWidget(z)
	return z
}

func (z *counterTapZone) Tapped(*fyne.PointEvent) { z.onTap() }

func (z *counterTapZone) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(z.obj) }
