package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The notice before pagoPA holds it (app.Notice.Publication): no avviso,
// no QR code, no notice code — nothing that could be paid — but what is
// happening, in plain words. The screen keeps polling: once pagoPA
// accepts the position the avviso replaces this view.

// noticePublicationView is shown instead of the avviso while n is not
// payable.
func (s *CounterScreen) noticePublicationView(n *app.Notice) fyne.CanvasObject {
	t, icon := toneAmber, theme.HistoryIcon()
	title, text := s.tr.T("counter.notice.preparing.title"), s.tr.T("counter.notice.preparing.text")
	switch n.Publication {
	case app.NoticeUnavailable:
		icon = theme.WarningIcon()
		title, text = s.tr.T("counter.notice.unavailable.title"), s.tr.T("counter.notice.unavailable.text")
	case app.NoticeRefused:
		t, icon = toneRed, theme.ErrorIcon()
		title, text = s.tr.T("counter.notice.refused.title"), s.tr.T("counter.notice.refused.text")
	}
	p := newPanel(t, 64, SizeNameResultTitle, SizeNameNote, 2)
	p.set(icon, title, []string{text, s.tr.T("counter.notice.amount_requested", FormatCents(n.Amount))}, "")
	back := widget.NewButtonWithIcon(s.tr.T("counter.back"), theme.NavigateBackIcon(), s.act(func() {
		s.stopPollLocked()
		s.view, s.tab, s.notice, s.paid, s.amount = cvFamily, tabNotices, nil, false, ""
		s.printMsg, s.printFailed = "", false
		s.b.NewTopUp()
	}))
	// The screen asks by itself every PollInterval; this asks now.
	check := widget.NewButtonWithIcon(s.tr.T("counter.notice.check_publication"), theme.ViewRefreshIcon(), s.act(func() {
		s.pollOnceLocked(n.NoticeCode)
	}))
	if s.busy || n.Publication == app.NoticeRefused {
		check.Disable()
	}
	s.qrImg = nil
	bottom := container.NewVBox()
	if s.errText != "" {
		bottom.Add(counterError(s.errText))
	}
	bottom.Add(container.NewHBox(layout.NewSpacer(), back, check))
	// Full width, at the top: the lines wrap.
	return container.NewBorder(p.root, bottom, nil, nil)
}
