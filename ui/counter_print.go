package ui

import (
	"context"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The counter's print buttons (the avviso, the receipt, the certificate)
// work alike: the tap prints on its own goroutine (startLocked) and the
// footer says what happened.

// printKeys are the texts of what a print button did.
type printKeys struct{ printed, saved, failed string }

var (
	noticePrintKeys      = printKeys{"counter.notice.printed", "counter.notice.saved", "counter.notice.print_failed"}
	receiptPrintKeys     = printKeys{"receipt.printed", "receipt.saved", "receipt.print_failed"}
	certificatePrintKeys = printKeys{"cert.printed", "cert.saved", "cert.print_failed"}
)

// printOutcome is what a print button did, said on the footer, and
// whether it failed.
func printOutcome(tr *Catalogue, k printKeys, res PrintResult, err error) (string, bool) {
	switch {
	case err != nil:
		return tr.T(k.failed), true
	case res.Printed:
		return tr.T(k.printed), false
	}
	return tr.T(k.saved, res.File), false
}

// printButton is a print button labelled label: a tap prints what doc
// gives at that moment with the hook *print (one of the CounterScreen's
// OnPrint fields, read at the tap). It is disabled while the screen is
// busy, without a hook or a document, and when off.
func printButton[T any](s *CounterScreen, label string, keys printKeys, print *func(T, *Catalogue) (PrintResult, error), doc func() *T, off bool) *widget.Button {
	b := widget.NewButtonWithIcon(s.tr.T(label), theme.DocumentPrintIcon(), s.act(func() {
		d, tr, print := doc(), s.tr, *print
		if print == nil || d == nil {
			return
		}
		v := *d
		s.printMsg, s.printFailed = "", false
		s.startLocked(func(context.Context) func() {
			res, err := print(v, tr)
			return func() { s.printMsg, s.printFailed = printOutcome(tr, keys, res, err) }
		})
	}))
	if s.busy || *print == nil || doc() == nil || off {
		b.Disable()
	}
	return b
}
