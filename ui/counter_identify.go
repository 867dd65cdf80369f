package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Identification by the pupil's codice fiscale (an on-screen keyboard of
// letters and digits) and the family access code (a numeric keypad, the
// digits masked). No system keyboard: the kiosk has none.

const (
	counterMaxCF     = 16
	counterMaxCode   = 12
	counterBackspace = "⌫"
	counterMask      = "•"
)

func (s *CounterScreen) identifyView() fyne.CanvasObject {
	title := newLabel(SizeNameNote, true)
	field := newLabel(SizeNameResultText, true)
	field.Wrapping = fyne.TextWrapOff
	hint := newLabel(SizeNameSmall, false)
	var keys fyne.CanvasObject
	var next *widget.Button
	cancel := widget.NewButtonWithIcon(s.tr.T("counter.cancel"), theme.CancelIcon(), s.act(s.forgetLocked))
	if s.view == cvIdentifyCF {
		title.SetText(s.tr.T("counter.identify.cf_title"))
		field.SetText(s.cf + "_")
		hint.SetText(s.tr.T("counter.identify.cf_hint"))
		keys = s.keyboard(&s.cf, counterMaxCF, true)
		next = widget.NewButtonWithIcon(s.tr.T("counter.identify.next"), theme.NavigateNextIcon(), s.act(func() {
			s.view, s.errText = cvIdentifyCode, ""
		}))
		if s.cf == "" {
			next.Disable()
		}
	} else {
		title.SetText(s.tr.T("counter.identify.code_title"))
		field.SetText(strings.Repeat(counterMask, len(s.code)) + "_")
		hint.SetText(s.tr.T("counter.identify.code_hint", s.cf))
		keys = s.keyboard(&s.code, counterMaxCode, false)
		next = widget.NewButtonWithIcon(s.tr.T("counter.identify.login"), theme.LoginIcon(), s.act(s.loginLocked))
		if s.code == "" || s.busy {
			next.Disable()
		}
		back := widget.NewButtonWithIcon(s.tr.T("counter.back"), theme.NavigateBackIcon(), s.act(func() {
			s.view, s.code, s.errText = cvIdentifyCF, "", ""
		}))
		cancel = widget.NewButtonWithIcon(s.tr.T("counter.cancel"), theme.CancelIcon(), s.act(s.forgetLocked))
		next.Importance = widget.HighImportance
		return s.identifyLayout(title, field, hint, keys, container.NewHBox(cancel, back, next))
	}
	next.Importance = widget.HighImportance
	return s.identifyLayout(title, field, hint, keys, container.NewHBox(cancel, next))
}

// identifyLayout: the title and the typed field on top, then one slot for
// the hint or, after a failure, the error banner in its place. The slot is
// as tall as the banner either way, so the keys never move under a finger
// that is about to type again.
func (s *CounterScreen) identifyLayout(title, field, hint *widget.Label, keys, buttons fyne.CanvasObject) fyne.CanvasObject {
	reserve := canvas.NewRectangle(colorTransparent)
	// A one-line banner's height (any message of one line measures it).
	reserve.SetMinSize(fyne.NewSize(0, counterError(s.tr.T("counter.busy")).MinSize().Height))
	var msg fyne.CanvasObject = container.NewVBox(counterDense(hint))
	if s.errText != "" {
		msg = counterError(s.errText)
	}
	top := container.NewVBox(counterDense(title, field), container.NewStack(reserve, msg))
	return container.NewBorder(top, container.NewCenter(buttons), nil, nil, container.NewCenter(keys))
}

// keyboard is a grid of keys that type into *into (at most max runes):
// letters and digits, or digits only, and a backspace.
func (s *CounterScreen) keyboard(into *string, max int, letters bool) fyne.CanvasObject {
	var keys []string
	cols := 3
	if letters {
		cols = 10
		for i := range 10 {
			keys = append(keys, strconv.Itoa((i+1)%10))
		}
		for r := 'A'; r <= 'Z'; r++ {
			keys = append(keys, string(r))
		}
	} else {
		for i := 1; i <= 9; i++ {
			keys = append(keys, strconv.Itoa(i))
		}
		keys = append(keys, "0")
	}
	keys = append(keys, counterBackspace)
	var objs []fyne.CanvasObject
	for _, k := range keys {
		k := k
		bt := widget.NewButton(k, s.act(func() {
			s.errText = ""
			if k == counterBackspace {
				if *into != "" {
					*into = (*into)[:len(*into)-1]
				}
				return
			}
			if len(*into) < max {
				*into += k
			}
		}))
		objs = append(objs, container.NewGridWrap(fyne.NewSquareSize(MinTouchTarget), bt))
	}
	return container.NewGridWithColumns(cols, objs...)
}

// loginLocked checks the codice fiscale and the access code.
func (s *CounterScreen) loginLocked() {
	cf, code := s.cf, s.code
	s.code = "" // typed again after a failure, never kept
	s.startLocked(func(ctx context.Context) func() {
		f, err := s.b.IdentifyFiscalCode(ctx, cf, code)
		return func() {
			if err != nil {
				s.errText = s.errorText(err)
				return
			}
			s.openFamilyLocked(f)
		}
	})
}
