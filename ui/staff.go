package ui

import (
	"errors"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// Staff mode's screens (PRODUCT.md §4): the PIN keypad with the lock's
// countdown, a menu of big buttons, and one page per task. Pages are
// rebuilt when shown and page with buttons, never by touch scrolling.

// ReaderFrame is a frame the badge reader sent, as the reader page lists
// it: accepted (Badge set) or rejected (Err says why).
type ReaderFrame struct {
	At    time.Time
	Raw   string
	Badge app.BadgeID
	Err   string
}

// ReaderInfo is the reader page's content.
type ReaderInfo struct {
	Status             app.ReaderStatus
	Accepted, Rejected uint64
	// Frames are the last frames, oldest first.
	Frames []ReaderFrame
}

// RejectedItem is an event the central server refused, kept for staff.
type RejectedItem struct {
	Seq    uint64
	ID     string
	Reason string
	At     time.Time
	// Code names the reason of some rejections (app.Reject*): shown in
	// the staff's words, the server's reason after it.
	Code string
}

// OutboxSummary is the outbox page's content.
type OutboxSummary struct {
	Sync     app.SyncStatus
	Rejected []RejectedItem
}

// StaffBackend is everything staff mode's screens need; cmd/kiosk
// implements it over app.StaffMode, app.Canteen, the store, the sync
// engine and the reader. Actions that need a staff member use the one of
// the session under way, and audit themselves.
type StaffBackend interface {
	// The door: see app.StaffMode.
	Begin(candidate *app.Staff)
	SubmitPIN(pin string) (app.Staff, error)
	LockState() (until time.Time, locked bool)
	Touch()
	IdleExpired() bool
	Leave(idle bool) error

	// Manual meal and void: see app.Canteen.
	SearchPupils(prefix string, limit int) ([]app.PupilHit, error)
	ServeManual(p app.PupilID) (app.TapResult, error)
	TodayMeals() ([]app.MealEntry, error)
	Void(mealEventID, reason string) (app.Meal, error)

	// Report of today, and its export to a directory (a USB stick).
	Report() (app.DayReport, error)
	CandidateDirs() []string
	ExportCSV(dir string) (path string, err error)

	Outbox() (OutboxSummary, error)
	// ForceSync asks for a sync at once (it does not wait for it).
	ForceSync() error
	Reader() ReaderInfo

	Settings() app.KioskSettings
	// ApplySettings validates and applies; on error nothing changed (an
	// *app.SettingsError lists the problems).
	ApplySettings(app.KioskSettings) error
	// Quit leaves the kiosk program.
	Quit()
}

// StaffOptions configure a StaffScreen.
type StaffOptions struct {
	// Location for the times shown; nil means time.Local.
	Location *time.Location
	// Now is the clock for the lock's countdown; nil means time.Now.
	Now func() time.Time
}

// StaffScreen is staff mode's screen. Its methods run on Fyne's UI
// goroutine (Tick from a ticker through fyne.Do).
type StaffScreen struct {
	tr  *Catalogue
	b   StaffBackend
	loc *time.Location
	now func() time.Time

	// OnLeave is called when staff mode ends (the staff member left, or
	// the idle minute passed): the wiring shows the role's screen again.
	OnLeave func()

	root  *fyne.Container
	title *widget.Label
	body  *fyne.Container
	staff app.Staff
	onPIN bool

	// PIN page.
	pin       string
	pinShown  *widget.Label
	pinStatus *widget.Label
	// pinKeys are the keypad's keys: disabled, and seen so, while staff
	// mode is locked.
	pinKeys []*widget.Button
	// candidate is the name of the staff member whose badge opened the
	// PIN page ("" after the hidden gesture).
	candidate string
	lockShown bool

	// Manual meal page state.
	query string
	// The settings page's form, while shown.
	settingsForm *settingsForm
}

// NewStaffScreen builds staff mode's screen, on the PIN page.
func NewStaffScreen(tr *Catalogue, b StaffBackend, opts StaffOptions) *StaffScreen {
	if tr == nil {
		tr = MustCatalogue(DefaultLanguage)
	}
	s := &StaffScreen{tr: tr, b: b, loc: opts.Location, now: opts.Now}
	if s.loc == nil {
		s.loc = time.Local
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.title = newLabel(SizeNameHeader, true)
	s.body = container.NewStack()
	bg := canvas.NewRectangle(colorHeader)
	// The title's label has little padding of its own: the pages need
	// the window's height.
	title := container.NewThemeOverride(s.title, denseTheme{KioskTheme()})
	s.root = container.NewStack(bg, container.NewBorder(container.NewPadded(title), nil, nil, nil, container.NewPadded(s.body)))
	s.showPIN()
	return s
}

// Content is the screen's root object.
func (s *StaffScreen) Content() fyne.CanvasObject { return s.root }

// Begin starts a login: candidate is the staff member whose badge was
// tapped, nil after the hidden gesture.
func (s *StaffScreen) Begin(candidate *app.Staff) {
	s.b.Begin(candidate)
	s.candidate = ""
	if candidate != nil {
		s.candidate = candidate.Name
	}
	s.showPIN()
}

// setStatus sets the PIN page's status line. The line keeps its place when
// empty, so the keypad never moves under a finger about to tap it.
func (s *StaffScreen) setStatus(text string) {
	s.pinStatus.SetText(text)
	s.pinStatus.Show()
}

// Tick is called every second or so: it leaves staff mode after the idle
// minute and updates the lock's countdown.
func (s *StaffScreen) Tick() {
	if s.b.IdleExpired() {
		s.leave(true)
		return
	}
	if s.onPIN {
		s.renderLock()
	}
}

func (s *StaffScreen) leave(idle bool) {
	_ = s.b.Leave(idle) // an audit write failing must not keep staff mode open
	s.staff = app.Staff{}
	s.showPIN()
	if s.OnLeave != nil {
		s.OnLeave()
	}
}

// show puts a page on screen.
func (s *StaffScreen) show(titleKey string, page fyne.CanvasObject, args ...any) {
	s.onPIN = false
	setText(s.title, s.tr.T(titleKey, args...))
	s.body.Objects = []fyne.CanvasObject{page}
	s.body.Refresh()
}

// button makes a big button whose tap counts as activity.
func (s *StaffScreen) button(text string, icon fyne.Resource, fn func()) *widget.Button {
	b := widget.NewButtonWithIcon(text, icon, func() {
		s.b.Touch()
		fn()
	})
	return b
}

// backTo is the "back" button to a page.
func (s *StaffScreen) backTo(fn func()) *widget.Button {
	return s.button(s.tr.T("staff.back"), theme.NavigateBackIcon(), fn)
}

// message is a label for a page's outcome line.
func message(text string) *widget.Label {
	l := newLabel(SizeNameNote, true)
	l.Wrapping = fyne.TextWrapWord
	setText(l, text)
	return l
}

// --- PIN

var keypadRows = [][]string{{"1", "2", "3"}, {"4", "5", "6"}, {"7", "8", "9"}}

func (s *StaffScreen) showPIN() {
	s.pin = ""
	s.pinShown = newLabel(SizeNamePrompt, true)
	s.pinShown.Alignment = fyne.TextAlignCenter
	s.pinStatus = message("")
	s.pinStatus.Alignment = fyne.TextAlignCenter
	s.pinStatus.Show() // its place is kept while empty: see setStatus
	grid := container.NewGridWithColumns(3)
	s.pinKeys = nil
	key := func(b *widget.Button) {
		s.pinKeys = append(s.pinKeys, b)
		grid.Add(b)
	}
	for _, row := range keypadRows {
		for _, d := range row {
			key(s.button(d, nil, func() { s.typeDigit(d) }))
		}
	}
	key(s.button(s.tr.T("staff.pin.clear"), theme.ContentClearIcon(), func() { s.pin = ""; s.renderPIN() }))
	key(s.button("0", nil, func() { s.typeDigit("0") }))
	ok := s.button(s.tr.T("staff.pin.ok"), theme.ConfirmIcon(), s.submitPIN)
	ok.Importance = widget.HighImportance
	key(ok)
	cancel := s.button(s.tr.T("staff.pin.cancel"), theme.CancelIcon(), func() { s.leave(false) })
	page := container.NewVBox(s.pinShown, s.pinStatus, container.NewCenter(container.NewGridWrap(fyne.NewSize(480, 4*80+24), grid)), container.NewCenter(cancel))
	s.show("staff.pin.title", page)
	s.onPIN = true
	s.renderPIN()
	s.renderLock()
}

func (s *StaffScreen) typeDigit(d string) {
	if len(s.pin) < 8 {
		s.pin += d
	}
	s.renderPIN()
}

func (s *StaffScreen) renderPIN() {
	setText(s.pinShown, strings.Repeat("●", len(s.pin)))
	if s.pin == "" {
		setText(s.pinShown, s.tr.T("staff.pin.prompt"))
		if s.candidate != "" {
			setText(s.pinShown, s.tr.T("staff.pin.prompt_for", s.candidate))
		}
	}
}

// renderLock shows the lock's countdown, or clears it when it ended.
func (s *StaffScreen) renderLock() {
	until, locked := s.b.LockState()
	for _, k := range s.pinKeys { // keys that do nothing must not look as if they did
		if locked && !k.Disabled() {
			k.Disable()
		} else if !locked && k.Disabled() {
			k.Enable()
		}
	}
	if !locked {
		if s.lockShown {
			s.lockShown = false
			s.setStatus("")
		}
		return
	}
	s.lockShown = true
	left := until.Sub(s.now()).Round(time.Second)
	if left < time.Second {
		left = time.Second
	}
	s.setStatus(s.tr.T("staff.pin.locked", FormatTime(until.In(s.loc)), minSec(left)))
}

// minSec formats a duration as m:ss.
func minSec(d time.Duration) string {
	sec := int(d / time.Second)
	return FormatCount(sec/60) + ":" + string(rune('0'+sec%60/10)) + string(rune('0'+sec%10))
}

func (s *StaffScreen) submitPIN() {
	pin := s.pin
	s.pin = ""
	s.renderPIN()
	st, err := s.b.SubmitPIN(pin)
	var locked *app.LockedError
	var wrong *app.WrongPINError
	switch {
	case err == nil:
		s.staff = st
		s.showMenu()
	case errors.As(err, &locked):
		s.renderLock()
	case errors.As(err, &wrong):
		s.setStatus(s.tr.TN("staff.pin.wrong_left", wrong.Left))
	case errors.Is(err, app.ErrWrongPIN):
		s.setStatus(s.tr.T("staff.pin.wrong"))
	case errors.Is(err, app.ErrNoCandidate):
		s.b.Begin(nil)
		s.setStatus(s.tr.T("staff.pin.again"))
	default:
		s.setStatus(s.tr.T("staff.error", err.Error()))
	}
}

// --- menu

func (s *StaffScreen) showMenu() {
	items := []struct {
		key  string
		icon fyne.Resource
		fn   func()
	}{
		{"staff.menu.manual", theme.ContentAddIcon(), s.showManual},
		{"staff.menu.void", theme.ContentUndoIcon(), func() { s.showVoidList(0) }},
		{"staff.menu.report", theme.DocumentIcon(), func() { s.showReport(0) }},
		{"staff.menu.outbox", theme.UploadIcon(), s.showOutbox},
		{"staff.menu.reader", theme.ComputerIcon(), s.showReader},
		{"staff.menu.settings", theme.SettingsIcon(), s.showSettings},
		{"staff.menu.quit", theme.LogoutIcon(), s.showQuit},
		{"staff.menu.leave", theme.NavigateBackIcon(), func() { s.leave(false) }},
	}
	grid := container.NewGridWithColumns(2)
	for _, it := range items {
		grid.Add(s.button(s.tr.T(it.key), it.icon, it.fn))
	}
	s.addClosedDay(grid) // staff_closed.go
	s.show("staff.menu.title", grid, s.staff.Name)
}

// pageNav is the row of "previous"/"next" buttons for a list of n items
// shown size at a time from *page; redraw shows the page again.
func (s *StaffScreen) pageNav(page, n, size int, redraw func(int)) fyne.CanvasObject {
	return s.pageNavWith("staff.page.of", page, n, size, redraw)
}

// pageNavWith is pageNav with the catalogue key of the "page of pages"
// text (staff.page.short where the pager shares the page's width).
func (s *StaffScreen) pageNavWith(key string, page, n, size int, redraw func(int)) fyne.CanvasObject {
	pages := max(1, (n+size-1)/size)
	prev := s.button(s.tr.T("staff.page.prev"), theme.NavigateBackIcon(), func() { redraw(page - 1) })
	next := s.button(s.tr.T("staff.page.next"), theme.NavigateNextIcon(), func() { redraw(page + 1) })
	if page <= 0 {
		prev.Disable()
	}
	if page >= pages-1 {
		next.Disable()
	}
	next.IconPlacement = widget.ButtonIconTrailingText
	where := staffOneLine(s.tr.T(key, page+1, pages))
	where.Alignment = fyne.TextAlignCenter
	// The label in the middle of a border keeps the pager one line as
	// wide as the page gives it.
	return container.NewBorder(nil, nil, prev, next, where)
}

// clampPage keeps page within the pages of n items.
func clampPage(page, n, size int) int {
	pages := max(1, (n+size-1)/size)
	return min(max(page, 0), pages-1)
}

// HiddenCorner is an invisible tap target for the top-left corner of a
// role's screen: five taps within three seconds call onTrigger (the way into
// staff mode without a staff badge).
func HiddenCorner(onTrigger func()) fyne.CanvasObject {
	return newHiddenCorner(onTrigger, time.Now)
}

type hiddenCorner struct {
	widget.BaseWidget
	onTrigger func()
	now       func() time.Time
	mu        sync.Mutex
	taps      []time.Time
}

func newHiddenCorner(onTrigger func(), now func() time.Time) *hiddenCorner {
	h := &hiddenCorner{onTrigger: onTrigger, now: now}
	h.ExtendBaseWidget(h)
	return h
}

// Tapped counts the tap; the fifth within three seconds triggers.
func (h *hiddenCorner) Tapped(*fyne.PointEvent) {
	h.mu.Lock()
	now := h.now()
	keep := h.taps[:0]
	for _, t := range h.taps {
		if now.Sub(t) < 3*time.Second {
			keep = append(keep, t)
		}
	}
	h.taps = append(keep, now)
	fire := len(h.taps) >= 5
	if fire {
		h.taps = nil
	}
	h.mu.Unlock()
	if fire && h.onTrigger != nil {
		h.onTrigger()
	}
}

func (h *hiddenCorner) MinSize() fyne.Size {
	return fyne.NewSize(MinTouchTarget*1.5, MinTouchTarget*1.5)
}

func (h *hiddenCorner) CreateRenderer() fyne.WidgetRenderer {
	r := canvas.NewRectangle(colorTransparent)
	return widget.NewSimpleRenderer(container.New(layout.NewStackLayout(), r))
}
