package ui

import (
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// DefaultResultTimeout is how long a tap's result stays on screen before
// the canteen screen returns to idle.
const DefaultResultTimeout = 4 * time.Second

// CanteenOptions configure a CanteenScreen.
type CanteenOptions struct {
	// Location is the kiosk's time zone, for the date and the times shown;
	// nil means time.Local.
	Location *time.Location
	// ResultTimeout is how long a result stays before the screen returns to
	// idle; zero means DefaultResultTimeout.
	ResultTimeout time.Duration
}

// view is what the centre of the canteen screen shows.
type view int

const (
	viewIdle view = iota
	viewResult
	viewError
)

// CanteenScreen is the canteen role's screen at the canteen door: an idle
// view that invites the pupil to tap, one result view per tap outcome, and
// an error view; a header with the day and the service and a footer with
// the reader's and the sync's state stay on screen throughout. While a first
// sync downloads the register, the footer shows its progress (taps are still
// answered); the idle view adds notes for staff when the kiosk's clock is
// off the server's, when sync alarms are open and when the server rejected
// events.
//
// It holds its widgets and is fed by the wiring with values of the domain
// (app.TapResult, app.IdleStatus, ...): it knows no store, reader or server.
//
// Threading: the methods ShowResult, SetIdle, SetReader, SetSync, ShowError,
// ShowStartupError, ClearError and SetSidePanel must run on Fyne's UI
// goroutine. From any other goroutine (the reader loop, the sync engine)
// call the Post… variants, which wrap the call in fyne.Do. The screen also
// guards its state with a mutex, so that the test driver (where fyne.Do runs
// the function at once on the calling goroutine) stays free of data races.
type CanteenScreen struct {
	tr      *Catalogue
	loc     *time.Location
	timeout time.Duration

	mu     sync.Mutex
	view   view
	gen    uint64 // bumped by each result: a stale timer does nothing
	timer  *time.Timer
	idle   app.IdleStatus
	reader app.ReaderStatus
	sync   app.SyncStatus

	root *fyne.Container
	side *fyne.Container

	// Header.
	date, clock, service *widget.Label
	// Footer.
	readerIcon, syncIcon *widget.Icon
	readerText, syncText *widget.Label
	served               *widget.Label
	footerBox, mainBox   *fyne.Container
	// The first sync's progress, a footer row shown while pulling.
	pullRow, pullLine *fyne.Container
	pullText          *widget.Label
	pullBar           *widget.ProgressBar

	// Idle view.
	idleView, promptBox       *fyne.Container
	prompt                    *widget.Label
	readerNone, outsideWindow *panel
	// readerDown replaces the prompt while the reader is down: a tap
	// cannot work, and the children in the line must see it at a glance.
	readerDown *panel
	// Notes for staff: clock skew, a clock gone backwards, sync alarms,
	// rejected events.
	skewNote, clockNote, alarmNote, rejectedNote *panel
	idleNotes                                    *fyne.Container
	resultView                                   *fyne.Container
	banner                                       *panel
	green, amber, red                            *panel
	cancelled, lowBalance, belowZero             *panel
	notes                                        *fyne.Container
	errorView                                    *fyne.Container
	errPanel                                     *panel
	dismiss                                      *widget.Button
	centre                                       *fyne.Container
	// menu is today's menu beside the prompt (canteen_menu.go).
	menu *menuBoard
}

// NewCanteenScreen builds the canteen screen, showing idle with no figures
// until SetIdle, SetReader and SetSync are called.
func NewCanteenScreen(tr *Catalogue, opts CanteenOptions) *CanteenScreen {
	if tr == nil {
		tr = MustCatalogue(DefaultLanguage)
	}
	s := &CanteenScreen{tr: tr, loc: opts.Location, timeout: opts.ResultTimeout}
	if s.loc == nil {
		s.loc = time.Local
	}
	if s.timeout <= 0 {
		s.timeout = DefaultResultTimeout
	}
	s.reader.State = app.ReaderNone
	s.build()
	s.mu.Lock()
	s.renderStatus()
	s.showLocked(viewIdle)
	s.mu.Unlock()
	return s
}

// headerInset is the space left around the header's and footer's texts.
const headerInset float32 = 4

func (s *CanteenScreen) build() {
	// Header: the day and the service.
	s.date = newLabel(SizeNameHeader, true)
	s.date.Wrapping = fyne.TextWrapOff
	s.clock = newLabel(SizeNameHeader, true)
	s.clock.Wrapping = fyne.TextWrapOff
	s.clock.Alignment = fyne.TextAlignCenter
	s.service = newLabel(SizeNameHeader, true)
	s.service.Wrapping = fyne.TextWrapOff
	headerBg := canvas.NewRectangle(colorHeader)
	// The header's and footer's lines are read, not touched: their texts
	// keep headerInset around them (newInset, no theme override).
	header := container.NewStack(headerBg, container.NewPadded(container.NewBorder(nil, nil,
		newInset(s.date, headerInset), newInset(s.service, headerInset), newInset(s.clock, headerInset))))
	headerLine := canvas.NewRectangle(colorLine)
	headerLine.SetMinSize(fyne.NewSize(1, 3))

	// Footer: reader, sync, meals served.
	s.readerIcon = widget.NewIcon(theme.WarningIcon())
	s.syncIcon = widget.NewIcon(theme.StorageIcon())
	s.readerText = newLabel(SizeNameSmall, false)
	s.readerText.Wrapping, s.readerText.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	s.syncText = newLabel(SizeNameSmall, false)
	s.syncText.Wrapping, s.syncText.Truncation = fyne.TextWrapOff, fyne.TextTruncateEllipsis
	s.served = newLabel(SizeNameSmall, true)
	s.served.Wrapping = fyne.TextWrapOff
	footerBg := canvas.NewRectangle(colorHeader)
	footerLine := canvas.NewRectangle(colorLine)
	footerLine.SetMinSize(fyne.NewSize(1, 3))
	s.pullText = newLabel(SizeNameSmall, false)
	s.pullText.Wrapping = fyne.TextWrapOff
	// The bar carries no text of its own: its label would be white on the
	// bar's pale unfilled part. The words are beside it, in ink.
	s.pullBar = widget.NewProgressBar()
	s.pullBar.TextFormatter = func() string { return "" }
	s.pullLine = container.NewBorder(nil, nil, newInset(s.pullText, headerInset), nil,
		container.New(layout.NewCustomPaddedLayout(10, 10, 8, 8), newInset(s.pullBar, headerInset)))
	s.pullRow = container.NewBorder(nil, nil, widget.NewIcon(theme.DownloadIcon()), nil, s.pullLine)
	s.pullRow.Hide()
	s.footerBox = container.NewVBox(
		container.NewBorder(nil, nil, s.readerIcon, newInset(s.served, headerInset), newInset(s.readerText, headerInset)),
		container.NewBorder(nil, nil, s.syncIcon, nil, newInset(s.syncText, headerInset)),
		s.pullRow)
	footer := container.NewStack(footerBg, container.NewPadded(s.footerBox))

	// Idle view: the prompt, notes when a tap cannot work and notes for staff
	// about the sync.
	s.prompt = newLabel(SizeNamePrompt, true)
	s.prompt.Alignment = fyne.TextAlignCenter
	s.prompt.SetText(s.tr.T("idle.prompt"))
	promptIcon := canvas.NewImageFromResource(theme.NewColoredResource(theme.LoginIcon(), theme.ColorNamePrimary))
	promptIcon.FillMode = canvas.ImageFillContain
	promptIcon.SetMinSize(fyne.NewSquareSize(160))
	s.readerDown = newPanel(toneRed, 128, SizeNameResultTitle, SizeNameResultText, 1)
	s.readerDown.set(theme.ErrorIcon(), s.tr.T("idle.reader_down.title"), []string{s.tr.T("idle.reader_down.call")}, "")
	s.readerDown.root.Hide()
	s.readerNone = newNote(toneAmber, theme.WarningIcon(), s.tr.T("idle.reader_none"))
	s.outsideWindow = newNote(toneAmber, theme.HistoryIcon(), "")
	s.alarmNote = newNote(toneRed, theme.ErrorIcon(), "")
	s.rejectedNote = newNote(toneRed, theme.CancelIcon(), "")
	s.skewNote = newNote(toneAmber, theme.HistoryIcon(), "")
	s.clockNote = newNote(toneRed, theme.HistoryIcon(), "")
	s.idleNotes = container.NewVBox(s.readerNone.root, s.outsideWindow.root,
		s.clockNote.root, s.alarmNote.root, s.rejectedNote.root, s.skewNote.root)
	s.promptBox = container.New(promptLayout{icon: promptIcon}, promptIcon, s.prompt)
	// The prompt and the reader-down panel take the centre in turn; today's
	// menu stands beside them (canteen_menu.go).
	s.menu = newMenuBoard(s.tr)
	s.idleView = container.New(boardSizer{layout.NewBorderLayout(nil, s.idleNotes, nil, s.menu.root), s.menu.size},
		s.promptBox, s.readerDown.root, s.idleNotes, s.menu.root)

	// Result view: the diet banner on top, the outcome's panel, notes below.
	s.banner = newPanel(toneBanner, 96, SizeNameBannerTitle, SizeNameBannerText, 4)
	s.banner.bg.StrokeColor = colorBannerInk
	s.banner.bg.StrokeWidth = 10
	s.green = newPanel(toneGreen, 128, SizeNameResultTitle, SizeNameResultText, 3)
	s.amber = newPanel(toneAmber, 128, SizeNameResultTitle, SizeNameResultText, 3)
	s.red = newPanel(toneRed, 128, SizeNameResultTitle, SizeNameResultText, 3)
	s.cancelled = newNote(toneAmber, theme.InfoIcon(), s.tr.T("note.cancelled"))
	s.lowBalance = newNote(toneAmber, theme.WarningIcon(), s.tr.T("note.low_balance"))
	s.belowZero = newNote(toneRed, theme.ErrorIcon(), s.tr.T("note.below_zero"))
	s.notes = container.NewVBox(s.cancelled.root, s.belowZero.root, s.lowBalance.root)
	mainPanels := container.NewStack(s.green.root, s.amber.root, s.red.root)
	s.resultView = container.New(fillLayout{filler: mainPanels}, s.banner.root, mainPanels, s.notes)

	// Error view: red, until dismissed or the next tap's result.
	s.errPanel = newPanel(toneRed, 128, SizeNameResultTitle, SizeNameResultText, 1)
	s.dismiss = widget.NewButtonWithIcon(s.tr.T("error.dismiss"), theme.CancelIcon(), s.ClearError)
	s.dismiss.Importance = widget.HighImportance
	s.errorView = container.NewBorder(nil, container.NewCenter(s.dismiss), nil, nil, s.errPanel.root)

	s.centre = container.NewStack(s.idleView, s.resultView, s.errorView)
	s.side = container.NewStack()
	s.side.Hide()
	s.mainBox = container.NewBorder(container.NewVBox(header, headerLine), container.NewVBox(footerLine, footer), nil, nil,
		container.New(layout.NewCustomPaddedLayout(0, 0, 8, 8), s.centre))
	bg := canvas.NewRectangle(colorPaper)
	// The app's theme is the kiosk theme (cmd/kiosk sets it): no override
	// of its own, which Fyne would give a theme scope and fonts of its own.
	s.root = container.NewStack(bg, container.NewBorder(nil, nil, nil, s.side, s.mainBox))
}

// Content returns the screen's root object, to set as the window content.
func (s *CanteenScreen) Content() fyne.CanvasObject { return s.root }

// SetSidePanel puts obj (the demo reader panel, in demo mode) beside the
// screen, on the right; nil removes it.
func (s *CanteenScreen) SetSidePanel(obj fyne.CanvasObject) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if obj == nil {
		s.side.Objects = nil
		s.side.Hide()
	} else {
		s.side.Objects = []fyne.CanvasObject{obj}
		s.side.Show()
	}
	s.root.Refresh()
}

// Close stops the return-to-idle timer. Call it when the screen goes away.
func (s *CanteenScreen) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	if s.timer != nil {
		s.timer.Stop()
	}
}

// ShowResult shows a tap's result at once, replacing any result or error on
// screen, and returns to idle after the result timeout. OutcomeIgnored
// changes nothing.
func (s *CanteenScreen) ShowResult(r app.TapResult) {
	if r.Outcome == app.OutcomeIgnored {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fillResult(r)
	s.showLocked(viewResult)
	s.gen++
	gen := s.gen
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = time.AfterFunc(s.timeout, func() {
		fyne.Do(func() { s.expire(gen) })
	})
}

// expire returns to idle if the result of generation gen is still shown.
func (s *CanteenScreen) expire(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen == s.gen && s.view == viewResult {
		s.showLocked(viewIdle)
	}
}

// SetIdle updates the day, the service, its window and the count of meals
// served today. Call it at start, after each tap and at least once a minute
// (the header shows the time of day from st.Now). st.Waiting also updates
// the number of events waiting in the sync line.
func (s *CanteenScreen) SetIdle(st app.IdleStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idle = st
	s.sync.Waiting = st.Waiting
	s.renderStatus()
}

// SetReader updates the badge reader's state.
func (s *CanteenScreen) SetReader(st app.ReaderStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reader = st
	s.renderStatus()
}

// SetSync updates the state of the link to the central server: the
// footer's sync line, the first sync's progress while st.Pulling, and the
// idle notes for staff (st.SkewWarning, st.Alarms, st.Rejected).
func (s *CanteenScreen) SetSync(st app.SyncStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync = st
	s.renderStatus()
}

// ShowError shows that a tap failed (a storage error): a red screen saying
// the meal was NOT recorded, with msg as technical details for staff. It
// stays until dismissed or until the next tap's result.
func (s *CanteenScreen) ShowError(msg string) {
	s.showError(s.tr.T("error.meal_not_recorded"), msg, false)
}

// ShowStartupError shows that the kiosk cannot record meals at all (the
// database is locked or corrupt, ...), with msg as details. It has no
// dismiss button: it stays until ClearError or a tap's result.
func (s *CanteenScreen) ShowStartupError(msg string) {
	s.showError(s.tr.T("error.startup"), msg, true)
}

func (s *CanteenScreen) showError(title, msg string, startup bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	if s.timer != nil {
		s.timer.Stop()
	}
	s.errPanel.set(theme.ErrorIcon(), title, []string{s.tr.T("error.hint")}, msg)
	if startup {
		s.dismiss.Hide()
	} else {
		s.dismiss.Show()
	}
	s.showLocked(viewError)
}

// ClearError leaves the error view for idle (the dismiss button calls it).
func (s *CanteenScreen) ClearError() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view == viewError {
		s.showLocked(viewIdle)
	}
}

// PostResult is ShowResult for any goroutine (through fyne.Do).
func (s *CanteenScreen) PostResult(r app.TapResult) { fyne.Do(func() { s.ShowResult(r) }) }

// PostIdle is SetIdle for any goroutine (through fyne.Do).
func (s *CanteenScreen) PostIdle(st app.IdleStatus) { fyne.Do(func() { s.SetIdle(st) }) }

// PostReader is SetReader for any goroutine (through fyne.Do).
func (s *CanteenScreen) PostReader(st app.ReaderStatus) { fyne.Do(func() { s.SetReader(st) }) }

// PostSync is SetSync for any goroutine (through fyne.Do).
func (s *CanteenScreen) PostSync(st app.SyncStatus) { fyne.Do(func() { s.SetSync(st) }) }

// PostError is ShowError for any goroutine (through fyne.Do).
func (s *CanteenScreen) PostError(msg string) { fyne.Do(func() { s.ShowError(msg) }) }

// PostStartupError is ShowStartupError for any goroutine (through fyne.Do).
func (s *CanteenScreen) PostStartupError(msg string) { fyne.Do(func() { s.ShowStartupError(msg) }) }

// current reports the view on screen (for tests).
func (s *CanteenScreen) current() view {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.view
}

func (s *CanteenScreen) showLocked(v view) {
	s.view = v
	for i, o := range s.centre.Objects {
		if view(i) == v {
			o.Show()
		} else {
			o.Hide()
		}
	}
	relayout(s.centre)
}

// renderStatus writes the header, the footer and the idle notes from the
// idle, reader and sync states. Called with s.mu held.
func (s *CanteenScreen) renderStatus() {
	st := s.idle
	if st.Now.IsZero() {
		s.date.SetText("")
		s.clock.SetText("")
	} else {
		now := st.Now.In(s.loc)
		s.date.SetText(s.tr.LongDate(now))
		s.clock.SetText(FormatTime(now))
	}
	if st.Service == "" {
		s.service.SetText("")
	} else {
		s.service.SetText(s.tr.T("service.window", s.serviceName(st.Service), st.Window.Start, st.Window.End))
	}
	s.served.SetText(s.tr.T("idle.served_today", st.ServedToday))

	// Reader.
	var key string
	var icon fyne.Resource
	switch s.reader.State {
	case app.ReaderConnected:
		key, icon = "reader.connected", theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case app.ReaderConnecting:
		key, icon = "reader.connecting", theme.ViewRefreshIcon()
	case app.ReaderDisconnected:
		key, icon = "reader.disconnected", theme.NewErrorThemedResource(theme.ErrorIcon())
	default:
		key, icon = "reader.none", theme.NewWarningThemedResource(theme.WarningIcon())
	}
	text := s.tr.T(key)
	if s.reader.Port != "" && s.reader.State != app.ReaderNone {
		text += " (" + s.reader.Port + ")"
	}
	// The error itself (English, with a path) is for the log and the
	// staff's "Lettore" page, not for the footer.
	s.readerIcon.SetResource(icon)
	s.readerText.Importance = widget.MediumImportance
	if s.reader.State == app.ReaderDisconnected {
		s.readerText.Importance = widget.DangerImportance
	}
	s.readerText.SetText(text)

	// Sync: honest about a kiosk with no server, or offline, and the events
	// not yet pushed.
	var parts []string
	sy := s.sync
	now := st.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.In(s.loc)
	switch {
	case !sy.Configured:
		icon = theme.StorageIcon()
		parts = append(parts, s.tr.T("sync.standalone"))
		if sy.Waiting > 0 {
			parts = append(parts, s.tr.TN("sync.stored", sy.Waiting))
		}
	case sy.Online:
		icon = theme.NewSuccessThemedResource(theme.ConfirmIcon())
		parts = append(parts, s.tr.T("sync.online"))
	case sy.Problem != app.SyncProblemNone:
		// Not the network: someone must act. Said plainly, in red.
		icon = theme.NewErrorThemedResource(theme.ErrorIcon())
		parts = append(parts, s.tr.T(syncProblemKeys[sy.Problem]))
	default:
		icon = theme.NewWarningThemedResource(theme.WarningIcon())
		if sy.OfflineSince.IsZero() {
			parts = append(parts, s.tr.T("sync.offline"))
		} else {
			parts = append(parts, s.tr.T("sync.offline_since", formatWhen(sy.OfflineSince.In(s.loc), now)))
		}
	}
	if sy.Configured {
		if sy.Waiting > 0 {
			parts = append(parts, s.tr.TN("sync.waiting", sy.Waiting))
		}
		if sy.LastSync.IsZero() {
			parts = append(parts, s.tr.T("sync.never"))
		} else {
			parts = append(parts, s.tr.T("sync.last", formatWhen(sy.LastSync.In(s.loc), now)))
		}
	}
	s.syncIcon.SetResource(icon)
	s.syncText.SetText(strings.Join(parts, " · "))
	s.renderPull()

	// Idle notes: a tap cannot work now.
	down := s.reader.State == app.ReaderDisconnected
	show(s.readerDown.root, down)
	show(s.promptBox, !down)
	show(s.readerNone.root, s.reader.State == app.ReaderNone)
	outside := !st.Now.IsZero() && !st.InWindow && st.Window.End > st.Window.Start
	if outside {
		s.outsideWindow.set(theme.HistoryIcon(), s.tr.T("idle.outside_window", st.Window.Start, st.Window.End), nil, "")
	}
	show(s.outsideWindow.root, outside)
	s.menu.set(st, s.loc)
	s.renderSyncNotes()
	relayout(s.idleNotes)
	relayout(s.idleView)
	relayout(s.promptBox) // with more notes or fewer, the icon may fit or not
}

// renderPull shows the first sync's progress in the footer while a pull of
// several pages runs. Called with s.mu held.
func (s *CanteenScreen) renderPull() {
	sy := s.sync
	was := s.pullRow.Visible()
	if sy.Pulling {
		if sy.PullTotal > 0 {
			s.pullText.SetText(s.tr.T("sync.pull", FormatCount(sy.PullDone), FormatCount(sy.PullTotal)))
			s.pullBar.Max = float64(sy.PullTotal)
			s.pullBar.SetValue(float64(min(max(sy.PullDone, 0), sy.PullTotal)))
			s.pullBar.Show()
		} else {
			// The server has not said how many records there are.
			s.pullText.SetText(s.tr.TN("sync.pull_count", sy.PullDone, FormatCount(sy.PullDone)))
			s.pullBar.Hide()
		}
	}
	show(s.pullRow, sy.Pulling)
	if was != sy.Pulling {
		// The footer grows or shrinks by a row: lay out the whole screen.
		relayout(s.mainBox)
	}
	relayout(s.footerBox)
	// The words' width changes with the count: lay the row out again even
	// when its size stays.
	relayout(s.pullLine)
}

// renderSyncNotes writes the idle view's notes for staff: a clock that is
// off the server's, the open sync alarms and the events the server
// rejected. Called with s.mu held.
func (s *CanteenScreen) renderSyncNotes() {
	sy := s.sync
	skew := sy.SkewWarning()
	if skew {
		key := "sync.skew.behind" // the server's clock is ahead of the kiosk's
		if sy.ClockSkew < 0 {
			key = "sync.skew.ahead"
		}
		s.skewNote.set(theme.HistoryIcon(), s.tr.T(key, s.skewAmount(sy.ClockSkew)), nil, "")
	}
	show(s.skewNote.root, skew)

	if cb := sy.ClockBehind; cb != nil {
		s.clockNote.set(theme.HistoryIcon(), clockBehindText(s.tr, *cb, s.loc), nil, "")
	}
	show(s.clockNote.root, sy.ClockBehind != nil)

	// Alarms that the other notes already tell are left out.
	var alarms []app.Alarm
	for _, a := range sy.Alarms {
		if a.Code == app.AlarmClockSkew && skew || a.Code == app.AlarmRejected && sy.Rejected > 0 {
			continue
		}
		alarms = append(alarms, a)
	}
	if len(alarms) > 0 {
		what := s.alarmText(alarms[0].Code)
		text := s.tr.T("sync.alarm", what)
		if more := len(alarms) - 1; more > 0 {
			text = s.tr.TN("sync.alarm_more", more, what)
		}
		s.alarmNote.set(theme.ErrorIcon(), text, nil, "")
	}
	show(s.alarmNote.root, len(alarms) > 0)

	if sy.Rejected > 0 {
		s.rejectedNote.set(theme.CancelIcon(), s.tr.TN("sync.rejected", sy.Rejected), nil, "")
	}
	show(s.rejectedNote.root, sy.Rejected > 0)
}

// clockBehindText warns that the kiosk's clock went backwards: what it
// says, and the time of the newest event stored.
func clockBehindText(tr *Catalogue, cb app.ClockBehind, loc *time.Location) string {
	return tr.T("clock.behind", FormatDateTime(cb.Now.In(loc)), FormatDateTime(cb.Newest.In(loc)))
}

// skewAmount says how far the clocks are apart, rounded to the minute:
// "3 min", "2 h 5 min", "40 giorni".
func (s *CanteenScreen) skewAmount(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	m := int((d + time.Minute/2) / time.Minute)
	switch {
	case m < 60:
		return s.tr.T("sync.skew.minutes", m)
	case m < 48*60:
		return s.tr.T("sync.skew.hours", m/60, m%60)
	}
	return s.tr.TN("sync.skew.days", (m+12*60)/(24*60))
}

// alarmText is a sync alarm's code in a few words; an unknown code shows
// as it is.
func (s *CanteenScreen) alarmText(code string) string {
	if key, ok := alarmKeys[code]; ok {
		return s.tr.T(key)
	}
	return s.tr.T("sync.alarm.unknown", code)
}

var syncProblemKeys = map[app.SyncProblem]string{
	app.SyncRefused:    "sync.problem.refused",
	app.SyncBadRequest: "sync.problem.bad_request",
	app.SyncNotStarted: "sync.problem.not_started",
	app.SyncForbidden:  "sync.problem.forbidden",
}

var alarmKeys = map[string]string{
	app.AlarmSeqGap:        "sync.alarm.seq_gap",
	app.AlarmEpochChanged:  "sync.alarm.epoch_changed",
	app.AlarmRestoredCopy:  "sync.alarm.restored_copy",
	app.AlarmServerBehind:  "sync.alarm.server_behind",
	app.AlarmRejected:      "sync.alarm.rejected_events",
	app.AlarmClockSkew:     "sync.alarm.clock_skew",
	app.AlarmPriceMismatch: "sync.alarm.price_mismatch",
	app.AlarmVoidRefused:   "sync.alarm.void_refused",
}

func show(o fyne.CanvasObject, visible bool) {
	if visible {
		o.Show()
	} else {
		o.Hide()
	}
}

// serviceName translates a service ("lunch" → "Pranzo"); an unknown service
// shows as it is configured.
func (s *CanteenScreen) serviceName(sv app.Service) string {
	if key, ok := serviceKeys[sv]; ok {
		return s.tr.T(key)
	}
	return string(sv)
}

var serviceKeys = map[app.Service]string{app.ServiceLunch: "service.lunch"}

// fillResult writes the result view for r. Called with s.mu held.
func (s *CanteenScreen) fillResult(r app.TapResult) {
	name := ""
	if r.Pupil != nil {
		name = DisplayName(*r.Pupil)
	}
	nothing := s.tr.T("result.nothing_charged")
	var main *panel
	switch r.Outcome {
	case app.OutcomeUnknownBadge:
		main = s.red
		main.set(theme.QuestionIcon(), s.tr.T("result.unknown.title"),
			[]string{s.tr.T("result.unknown.hint")}, s.tr.T("result.unknown.id", string(r.Badge)))
	case app.OutcomeBlockedBadge:
		owner := ""
		if name != "" {
			owner = s.tr.T("result.blocked.owner", name)
		}
		main = s.red
		main.set(theme.ErrorIcon(), s.tr.T("result.blocked.title"),
			[]string{s.tr.T("result.blocked.hint"), owner, nothing}, "")
	case app.OutcomeOutsideWindow:
		w := r.Window
		main = s.amber
		main.set(theme.HistoryIcon(), s.tr.T("result.outside.title"),
			[]string{s.tr.T("result.outside.hours", s.serviceName(s.service0()), w.Start, w.End), name, nothing}, "")
	case app.OutcomeAlreadyServed:
		title := s.tr.T("result.already.title_today")
		if r.Meal != nil && !r.Meal.At.IsZero() {
			title = s.tr.T("result.already.title", FormatTime(r.Meal.At.In(s.loc)))
		}
		main = s.amber
		main.set(theme.WarningIcon(), title, []string{name, nothing}, "")
	case app.OutcomeClosedDay:
		why := ""
		if r.Closed != nil {
			why = closedText(s.tr, *r.Closed)
		}
		main = s.amber
		main.set(theme.WarningIcon(), s.tr.T("closed.title"), []string{why, name, s.tr.T("closed.hint")}, "")
	case app.OutcomeRefusedFloor:
		main = s.red
		main.set(theme.ErrorIcon(), s.tr.T("result.refused.title"),
			[]string{name, s.tr.T("result.refused.hint"), s.tr.T("result.balance", FormatCents(r.Balance))}, "")
	default: // app.OutcomeServed
		title := s.tr.T("result.served.title")
		if r.Pupil != nil {
			title = name
			if r.Pupil.Class != "" {
				title += " — " + r.Pupil.Class
			}
		}
		asOf := ""
		if !r.BalanceAsOf.IsZero() {
			t := r.BalanceAsOf.In(s.loc)
			asOf = s.tr.T("result.balance_as_of", FormatDate(t), FormatTime(t))
		}
		main = s.green
		main.set(theme.ConfirmIcon(), title,
			[]string{s.tr.T("result.served.ok"), s.tr.T("result.projected_balance", FormatCents(r.Balance))}, asOf)
	}
	for _, p := range []*panel{s.green, s.amber, s.red} {
		show(p.root, p == main)
	}

	served := r.Outcome == app.OutcomeServed
	if served && r.Banner() {
		title, lines := bannerText(s.tr, r)
		dishes, instead := dietDishLines(s.tr, r.DietDishes) // canteen_menu.go
		s.banner.set(theme.WarningIcon(), title, append(lines, dishes...), instead)
		s.banner.root.Show()
	} else {
		s.banner.root.Hide()
	}
	show(s.cancelled.root, served && r.CancelledToday)
	show(s.belowZero.root, served && r.BelowZero)
	show(s.lowBalance.root, served && r.LowBalance && !r.BelowZero)
	relayout(s.notes)
	relayout(s.resultView)
}

// service0 is the service shown in the header (lunch by default).
func (s *CanteenScreen) service0() app.Service {
	if s.idle.Service != "" {
		return s.idle.Service
	}
	return app.ServiceLunch
}

// DisplayName is the least of a pupil's name a screen shows: the first name
// and the initial of the surname, "Marco R.".
func DisplayName(p app.Pupil) string {
	first := strings.TrimSpace(p.FirstName)
	last := strings.TrimSpace(p.LastName)
	if last == "" {
		return first
	}
	r, _ := utf8.DecodeRuneInString(last)
	initial := string(unicode.ToUpper(r)) + "."
	if first == "" {
		return initial
	}
	return first + " " + initial
}

// bannerText is the diet banner's title and lines for a served result: the
// special diet's name and allergens, and the bland meal. The canteen screen
// and staff mode's manual meal show the same words.
func bannerText(tr *Catalogue, r app.TapResult) (title string, lines []string) {
	var titles []string
	if d := r.Pupil.Diet; d != nil {
		titles = append(titles, tr.T("banner.diet"))
		lines = append(lines, d.Name)
		if len(d.Allergens) > 0 {
			lines = append(lines, tr.T("banner.allergens", strings.Join(d.Allergens, ", ")))
		}
	}
	if r.Bland {
		titles = append(titles, tr.T("banner.bland"))
	}
	return strings.Join(titles, " + "), lines
}
