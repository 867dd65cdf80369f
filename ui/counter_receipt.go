package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/ui/qr"
)

// The receipt (ricevuta) of a paid notice, shown in place of the avviso
// once paid and when a paid notice is reopened from the Avvisi tab: the
// notice code, the amount paid, the date and time, the PSP and the
// receipt id, with a QR code of app.ReceiptQRText for the parent's phone
// and a print button (OnPrintReceipt).

// counterReceiptQRSide is the side, in modules, the receipt's QR code is
// drawn at: as large as the avviso's (41 modules at QRModulePx).
const counterReceiptQRSide = 41

// openNoticeLocked shows a notice of the family again: an unpaid one as
// its avviso with its QR code (polled until paid), a paid one as its
// receipt.
func (s *CounterScreen) openNoticeLocked(n app.Notice) {
	s.stopPollLocked()
	nc := n
	s.notice, s.paid = &nc, n.State == app.NoticePaid
	s.view, s.errText = cvNotice, ""
	s.printMsg, s.printFailed = "", false
	s.startPollLocked(n.NoticeCode)
}

// backToNoticesLocked leaves the avviso or the receipt for the Avvisi
// tab, and reloads the family so that the notice just made is listed
// there, with every notice's state as it now is.
func (s *CounterScreen) backToNoticesLocked() {
	s.stopPollLocked()
	s.view, s.tab, s.notice, s.paid, s.amount = cvFamily, tabNotices, nil, false, ""
	s.printMsg, s.printFailed = "", false
	s.b.NewTopUp()
	if !s.b.Online() {
		return
	}
	s.startLocked(func(ctx context.Context) func() {
		f, err := s.b.Refresh(ctx)
		return func() {
			if err == nil && s.hasFam && f.Account.ID == s.family.Account.ID {
				s.family = f
			}
		}
	})
}

// receiptView is the paid notice's receipt.
func (s *CounterScreen) receiptView() fyne.CanvasObject {
	n := s.notice
	r := n.Receipt
	back := widget.NewButtonWithIcon(s.tr.T("counter.back"), theme.NavigateBackIcon(), s.act(s.backToNoticesLocked))
	printBt := printButton(s, "receipt.print", receiptPrintKeys, &s.OnPrintReceipt, func() *app.Notice { return n }, false) // counter_print.go

	// The QR code: the receipt's text, one image pixel per module, scaled
	// by a whole factor with nearest-neighbour.
	var code fyne.CanvasObject = widget.NewLabel("")
	s.qrImg = nil
	if text, err := app.ReceiptQRText(*n, s.loc); err == nil {
		if img, err := qr.TextImage(text); err == nil {
			ci := qrCanvas(img, max(2, counterReceiptQRSide*s.opts.QRModulePx/img.Bounds().Dx())) // counter_qr.go
			s.qrImg = ci
			code = container.NewVBox(container.NewCenter(ci), counterDense(counterSmall(s.tr.T("receipt.qr_hint"))))
		}
	}

	title := newLabel(SizeNameNote, true)
	title.SetText(s.tr.T("receipt.title"))
	bold := func(text string) *widget.Label {
		l := newLabel(SizeNameNote, true)
		l.Wrapping = fyne.TextWrapOff
		l.SetText(text)
		return l
	}
	paid := r.PaidAt.In(s.loc)
	data := newDense(title,
		container.NewHBox(counterCaption(s.tr.T("notice.code")), bold(pagopa.GroupNoticeCode(n.NoticeCode))),
		container.NewHBox(counterCaption(s.tr.T("receipt.amount")), bold(FormatCents(r.Amount))),
		counterField(s.tr.T("receipt.paid_at"), s.tr.T("receipt.paid_at_value", FormatDate(paid), FormatTime(paid))),
		counterField(s.tr.T("receipt.psp"), r.PSP),
		counterField(s.tr.T("receipt.id"), r.ReceiptID),
		// The creditor, not the payer: the parent is at the counter; the
		// printed receipt names both.
		counterField(s.tr.T("notice.creditor"), n.Creditor.Name+" — "+n.Creditor.FiscalCode))

	var lines []string
	if f := s.family; s.hasFam && f.Account.ID == n.AccountID {
		lines = append(lines, s.tr.T("receipt.new_balance", FormatCents(f.Account.Balance)))
	}
	p := newPanel(toneGreen, 48, SizeNameNote, SizeNameNote, 1)
	p.set(theme.ConfirmIcon(), s.tr.T("notice.paid"), lines, "")
	bottom := container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(back, printBt), p.root))
	if s.errText != "" {
		bottom.Add(counterError(s.errText))
	}
	// The receipt's data holds no button: all of it is set dense.
	return container.NewBorder(nil, bottom, container.New(layout.NewCustomPaddedLayout(0, 0, 0, 16), code), nil, data)
}

// noticeRow is a notice in the Avvisi tab: its line and a button that
// opens it again.
func (s *CounterScreen) noticeRow(n app.Notice, text string) fyne.CanvasObject {
	open := widget.NewButtonWithIcon(s.tr.T("counter.notices.open"), theme.DocumentIcon(), s.act(func() { s.openNoticeLocked(n) }))
	if n.State == app.NoticePaid && n.Receipt != nil {
		open.SetText(s.tr.T("receipt.show"))
		open.SetIcon(theme.ConfirmIcon())
	}
	if s.busy {
		open.Disable()
	}
	return container.NewBorder(nil, nil, nil, open, counterText(text))
}

// counterStateStamp is counterPaidStamp for a notice no longer payable
// (expired, withdrawn): the state's name in red where the QR code was.
func counterStateStamp(text string, side float32) fyne.CanvasObject {
	return counterStamp(text, colorRed, side, side/7, nil) // counter_stamp.go
}
