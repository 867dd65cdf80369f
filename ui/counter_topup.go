package ui

import (
	"context"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/ui/qr"
)

// The top-up: preset amounts and a numeric keypad (whole euros), the
// bounds stated; then the avviso with its QR code, polled until paid.

const counterMaxEuroDigits = 6

// typedAmount is the amount on the keypad, in cents (0 when none).
func (s *CounterScreen) typedAmount() app.Cents {
	n, err := strconv.ParseInt(s.amount, 10, 64)
	if err != nil {
		return 0
	}
	return app.Cents(n * 100)
}

func (s *CounterScreen) topUpTab() fyne.CanvasObject {
	cfg := s.b.Config()
	if !s.b.Online() {
		return newNote(toneAmber, theme.WarningIcon(), s.tr.T("counter.topup.offline")).root
	}
	bounds := counterSmall(s.tr.T("counter.topup.bounds", FormatCents(cfg.TopUpMin), FormatCents(cfg.TopUpMax)))
	amount := newLabel(SizeNameResultTitle, true)
	amount.Wrapping = fyne.TextWrapOff
	amount.SetText(s.tr.T("counter.topup.amount", FormatCents(s.typedAmount())))
	presets := container.NewGridWithColumns(2)
	for _, p := range cfg.Presets {
		p := p
		presets.Add(widget.NewButton(FormatCents(p), s.act(func() {
			s.amount, s.errText = strconv.FormatInt(int64(p/100), 10), ""
		})))
	}
	var keys []fyne.CanvasObject
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "00", "0", counterBackspace} {
		k := k
		keys = append(keys, widget.NewButton(k, s.act(func() {
			s.errText = ""
			switch {
			case k == counterBackspace:
				if s.amount != "" {
					s.amount = s.amount[:len(s.amount)-1]
				}
			case s.amount == "" && k[0] == '0':
			case len(s.amount)+len(k) <= counterMaxEuroDigits:
				s.amount += k
			}
		})))
	}
	confirm := widget.NewButtonWithIcon(s.tr.T("counter.topup.confirm"), theme.ConfirmIcon(), s.act(s.topUpLocked))
	confirm.Importance = widget.HighImportance
	if s.amount == "" || s.busy {
		confirm.Disable()
	}
	left := container.NewVBox(amount, bounds, presets)
	return container.NewBorder(nil, container.NewCenter(confirm), nil, nil,
		container.NewGridWithColumns(2, left, container.NewGridWithColumns(3, keys...)))
}

// topUpLocked asks for the notice of the typed amount and shows it.
func (s *CounterScreen) topUpLocked() {
	amount := s.typedAmount()
	cfg := s.b.Config()
	if amount < cfg.TopUpMin || amount > cfg.TopUpMax {
		s.errText = s.errorText(app.ErrAmountRange)
		return
	}
	callLocked(s, func(ctx context.Context) (app.Notice, error) { return s.b.TopUp(ctx, amount) }, func(n app.Notice) { // counter_call.go
		s.notice, s.paid = &n, n.State == app.NoticePaid
		s.view = cvNotice
		s.startPollLocked(n.NoticeCode)
	})
}

// noticeView is the avviso: the QR code and the notice's data, the fixed
// where-to-pay text, the print button and the payment's state.
func (s *CounterScreen) noticeView() fyne.CanvasObject {
	n := s.notice
	if n == nil {
		return widget.NewLabel("")
	}
	if s.paid && n.Receipt != nil {
		return s.receiptView() // counter_receipt.go
	}
	if n.Publication != "" { // not on pagoPA yet: nothing payable shown
		return s.noticePublicationView(n) // counter_notice_publication.go
	}
	back := widget.NewButtonWithIcon(s.tr.T("counter.back"), theme.NavigateBackIcon(), s.act(s.backToNoticesLocked)) // counter_receipt.go
	// A paid notice is no longer offered for payment: not printed, its QR
	// code covered.
	printBt := printButton(s, "counter.notice.print", noticePrintKeys, &s.OnPrint, func() *app.Notice { return n }, s.paid) // counter_print.go
	check := widget.NewButtonWithIcon(s.tr.T("counter.notice.check"), theme.ViewRefreshIcon(), s.act(func() {
		s.pollOnceLocked(n.NoticeCode)
	}))
	if s.busy || s.paid {
		check.Disable()
	}

	// The QR code: one image pixel per module, scaled by an integer factor
	// with nearest-neighbour so the modules stay sharp.
	var code fyne.CanvasObject = widget.NewLabel("")
	s.qrImg = nil
	if payload, err := pagopa.Payload(n.NoticeCode, n.Creditor.FiscalCode, int64(n.Amount)); err == nil {
		if img, err := qr.Image(payload); err == nil {
			ci := qrCanvas(img, s.opts.QRModulePx) // counter_qr.go
			side := float32(img.Bounds().Dx() * s.opts.QRModulePx)
			s.qrImg = ci
			// Top-aligned, beside the notice's data.
			code = container.NewVBox(container.NewCenter(ci), counterDense(counterSmall(s.tr.T("notice.qr_hint"))))
			if s.paid {
				// Paid: the code is no longer offered to a payment app.
				// In its place, as large, a stamp that says so.
				s.qrImg = nil
				code = container.NewVBox(counterPaidStamp(s.tr.T("counter.notice.paid_stamp"), side))
			}
			if !s.paid && n.State != app.NoticeValid {
				// Reopened expired or withdrawn: not offered for payment.
				s.qrImg = nil
				code = container.NewVBox(counterStateStamp(s.noticeState(n.State), side)) // counter_receipt.go
			}
		}
	}

	title := newLabel(SizeNameNote, true)
	title.SetText(s.tr.T("notice.title"))
	due := s.tr.T("notice.no_due_date")
	if n.DueDate != "" {
		if t, err := time.ParseInLocation(time.DateOnly, string(n.DueDate), s.loc); err == nil {
			due = s.tr.T("notice.due_date", FormatDate(t))
		}
	}
	codeLabel := newLabel(SizeNameNote, true)
	codeLabel.Wrapping = fyne.TextWrapOff
	codeLabel.SetText(pagopa.GroupNoticeCode(n.NoticeCode))
	amount := newLabel(SizeNameNote, true)
	amount.Wrapping = fyne.TextWrapOff
	amount.SetText(FormatCents(n.Amount))
	data := newDense(title,
		counterField(s.tr.T("notice.subject"), n.Subject),
		// The creditor and its codice fiscale on one line: the avviso
		// fits a 1280×720 window with what printing it did.
		counterField(s.tr.T("notice.creditor"), n.Creditor.Name+" — "+s.tr.T("notice.creditor_fiscal_code")+" "+n.Creditor.FiscalCode),
		container.NewBorder(nil, nil, container.NewHBox(counterCaption(s.tr.T("notice.amount")), amount), nil, counterText(due)),
		container.NewHBox(counterCaption(s.tr.T("notice.code")), codeLabel))
	if n.Creditor.CBILL != "" {
		data.Add(counterField(s.tr.T("notice.cbill"), n.Creditor.CBILL))
	}
	if !s.paid && n.State == app.NoticeValid { // where to pay, while there is something to pay
		where := newLabel(theme.SizeNameText, true)
		where.SetText(s.tr.T("notice.where_to_pay.title"))
		data.Add(where)
		data.Add(counterSmall(s.tr.T("notice.where_to_pay.online")))
		data.Add(counterSmall(s.tr.T("notice.where_to_pay.in_person")))
	}

	var state fyne.CanvasObject
	if s.paid {
		lines := []string{}
		if f := s.family; s.hasFam {
			lines = append(lines, s.tr.T("counter.notice.new_balance", FormatCents(f.Account.Balance)))
		}
		p := newPanel(toneGreen, 64, SizeNameNote, SizeNameNote, 1)
		p.set(theme.ConfirmIcon(), s.tr.T("notice.paid"), lines, "")
		state = p.root
	} else if n.State != app.NoticeValid {
		state = newNote(toneRed, theme.ErrorIcon(), s.noticeState(n.State)).root
	} else {
		state = newNote(toneAmber, theme.HistoryIcon(), s.tr.T("counter.notice.waiting")).root
	}

	bottom := container.NewVBox(state)
	if s.errText != "" {
		bottom.Add(counterError(s.errText))
	}
	// The buttons beside the payment's state, not under it: the avviso
	// must fit the screen with its QR code at full size.
	bottom.Objects[0] = container.NewBorder(nil, nil, nil, container.NewHBox(back, check, printBt), state)
	// The notice's data holds no button: all of it is set dense.
	return container.NewBorder(nil, bottom, container.New(layout.NewCustomPaddedLayout(0, 0, 0, 16), code), nil, data)
}

// counterPaidStamp is a square of side px with "PAGATO" in it, green,
// where the avviso's QR code was.
func counterPaidStamp(text string, side float32) fyne.CanvasObject {
	icon := canvas.NewImageFromResource(theme.NewColoredResource(theme.ConfirmIcon(), theme.ColorNameSuccess))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(side / 3))
	return counterStamp(text, colorGreen, side, side/5, icon) // counter_stamp.go
}

// counterField is "Ente creditore  Comune di …": a small caption and a value.
func counterField(caption, value string) fyne.CanvasObject {
	v := counterText(value)
	return container.NewBorder(nil, nil, counterCaption(caption), nil, v)
}

// counterCaption is a field's caption: small, on one line (beside its
// value it would otherwise be squeezed into a column).
func counterCaption(text string) *widget.Label {
	l := counterSmall(text)
	l.Wrapping = fyne.TextWrapOff
	return l
}

// startPollLocked starts asking every PollInterval whether the notice was
// paid, until paid or the screen leaves the avviso.
func (s *CounterScreen) startPollLocked(code string) {
	s.stopPollLocked()
	if s.paid {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.pollStp = cancel
	gen := s.gen
	s.pollers.Add(1)
	go func() {
		defer s.pollers.Done()
		t := time.NewTicker(s.opts.PollInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rctx, rcancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
			n, f, err := s.b.PollNotice(rctx, code)
			rcancel()
			if ctx.Err() != nil {
				return
			}
			paid := false
			fyne.Do(func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				if gen != s.gen || s.view != cvNotice || s.notice == nil || s.notice.NoticeCode != code {
					return
				}
				s.applyPollLocked(n, f, err)
				paid = s.paid
				s.renderLocked()
			})
			if paid {
				return
			}
		}
	}()
}

func (s *CounterScreen) stopPollLocked() {
	if s.pollStp != nil {
		s.pollStp()
		s.pollStp = nil
	}
}

// pollOnceLocked asks once, now (the "verify" button).
func (s *CounterScreen) pollOnceLocked(code string) {
	s.startLocked(func(ctx context.Context) func() {
		n, f, err := s.b.PollNotice(ctx, code)
		return func() {
			if s.view == cvNotice && s.notice != nil && s.notice.NoticeCode == code {
				s.applyPollLocked(n, f, err)
			}
		}
	})
}

func (s *CounterScreen) applyPollLocked(n app.Notice, f app.Family, err error) {
	if err != nil {
		// A failed poll is retried at the next tick; the parent is told
		// only when the server is unreachable.
		if s.b.Online() {
			s.errText = ""
		} else {
			s.errText = s.errorText(app.ErrOffline)
		}
		return
	}
	s.errText = ""
	*s.notice = n
	if n.State == app.NoticePaid {
		s.paid = true
		s.stopPollLocked()
		if f.Account.ID != "" {
			s.family = f
		}
	}
}
