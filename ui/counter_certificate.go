package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// The yearly certificate for the tax return at the counter: after
// identification, from the Avvisi tab, the parent chooses the year (the
// current one or the previous), sees each child's amount and the
// family's total, and prints it (OnPrintCertificate). The rule of the
// split is app's (app/certificate.go).

// CounterCertificates is the backend's part for the certificate;
// *app.Counter has it. A backend without it offers no certificate.
type CounterCertificates interface {
	CertificateYears() []int
	Certificate(ctx context.Context, year int) (app.FamilyCertificate, error)
}

// counterCertState is the certificate view's state.
type counterCertState struct {
	year int
	cert *app.FamilyCertificate
	err  string
}

// certificates returns the backend's certificates part, if it has one.
func (s *CounterScreen) certificates() (CounterCertificates, bool) {
	c, ok := s.b.(CounterCertificates)
	return c, ok
}

// certificateButton opens the certificate view (nil without a backend
// that makes certificates).
func (s *CounterScreen) certificateButton() fyne.CanvasObject {
	cc, ok := s.certificates()
	if !ok {
		return nil
	}
	bt := widget.NewButtonWithIcon(s.tr.T("cert.open"), theme.FileIcon(), s.act(func() {
		years := cc.CertificateYears()
		if len(years) == 0 {
			return
		}
		s.view, s.errText = cvCertificate, ""
		s.printMsg, s.printFailed = "", false
		s.loadCertificateLocked(years[0])
	}))
	if s.busy || !s.b.Online() {
		bt.Disable()
	}
	return bt
}

// loadCertificateLocked asks for the certificate of year.
func (s *CounterScreen) loadCertificateLocked(year int) {
	cc, ok := s.certificates()
	if !ok {
		return
	}
	s.certState = counterCertState{year: year}
	s.printMsg, s.printFailed = "", false
	s.startLocked(func(ctx context.Context) func() {
		c, err := cc.Certificate(ctx, year)
		return func() {
			if s.view != cvCertificate || s.certState.year != year {
				return
			}
			if err != nil {
				s.certState.err = s.tr.T("cert.unavailable")
				if errors.Is(err, app.ErrOffline) || errors.Is(err, app.ErrUnreachable) {
					s.certState.err = s.errorText(err)
				}
				return
			}
			s.certState.cert = &c
		}
	})
}

// certificateView: the year's buttons, then the certificate.
func (s *CounterScreen) certificateView() fyne.CanvasObject {
	cc, _ := s.certificates()
	st := s.certState
	title := newLabel(SizeNameNote, true)
	title.SetText(s.tr.T("cert.title"))
	years := container.NewHBox(counterCaption(s.tr.T("cert.choose_year")))
	if cc != nil {
		for _, y := range cc.CertificateYears() {
			y := y
			bt := widget.NewButton(strconv.Itoa(y), s.act(func() { s.loadCertificateLocked(y) }))
			if y == st.year {
				bt.Importance = widget.HighImportance
			}
			if s.busy {
				bt.Disable()
			}
			years.Add(bt)
		}
	}
	body := container.NewVBox()
	switch {
	case st.err != "":
		body.Add(counterError(st.err))
	case st.cert != nil:
		c := st.cert
		total := newLabel(SizeNameNote, true)
		total.SetText(s.tr.T("cert.family_total", FormatCents(c.Total)))
		lines := []fyne.CanvasObject{total,
			counterField(s.tr.T("cert.payer"), strings.TrimSpace(c.PayerName+" — "+c.PayerFiscalCode))}
		for _, ch := range c.Children {
			name := strings.TrimSpace(ch.FirstName + " " + ch.LastName)
			lines = append(lines, counterText(s.tr.T("cert.child_row", name, FormatCents(ch.Amount), ch.Meals)))
		}
		if len(c.Payments) == 0 {
			lines = append(lines, counterSmall(s.tr.T("cert.no_payments")))
		}
		lines = append(lines, counterSmall(s.tr.T("cert.deduction", 19)))
		body.Add(counterDense(lines...))
	}

	back := widget.NewButtonWithIcon(s.tr.T("counter.back"), theme.NavigateBackIcon(), s.act(func() {
		s.view, s.tab = cvFamily, tabNotices
		s.certState = counterCertState{}
		s.printMsg, s.printFailed = "", false
	}))
	printBt := printButton(s, "cert.print", certificatePrintKeys, &s.OnPrintCertificate, func() *app.FamilyCertificate { return s.certState.cert }, false) // counter_print.go
	top := container.NewVBox(counterDense(title), years)
	return container.NewBorder(top, container.NewHBox(back, printBt), nil, nil, body)
}
